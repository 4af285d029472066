"""A refusal for want of area (403 ``outside_area``) does not echo the asset's code."""

import httpx

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .helpers import create_asset


async def test_an_asset_outside_the_area_is_refused_without_its_code(client: httpx.AsyncClient, test_tokens: TestTokens) -> None:
    asset = await create_asset(client, code="NĐ-KÍN-777")
    other_province = test_tokens.headers(Role.PROVINCE_OFFICER, province="08")
    other_commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01273")
    url = f"/assets/{asset['id']}"
    for headers in (other_province, other_commune):
        refusals = [
            await client.get(url, headers=headers),
            await client.get(f"{url}/history", headers=headers),
            await client.patch(url, json={"name": "Đổi tên"}, headers=headers | {"If-Match": '"1"'}),
        ]
        for response in refusals:
            problem = assert_problem(response, 403, "outside_area")
            assert problem["detail"].startswith("This asset is outside your area"), problem
            assert "KÍN-777" not in response.text
