"""The stack as a frontend sees it: everything through the gateway, real processes on loopback.

The tests run on the session's shared stack (free ports, SQLite in a temporary folder). They
read what the stack was prepared with (the access matrix's writes carry sample ids and empty
bodies, so nothing is written) and sign one user out; the last one stops a service on purpose,
then starts it again.
"""

import importlib
import time
from collections.abc import Iterator

import httpx
import pytest

from haicap_gateway.identity.keys import DEV_KEY_FILE
from haicap_shared.access_matrix import assert_access_matrix, routes_with_rules
from haicap_shared.roles import Area, Role
from haicap_shared.testing import assert_problem
from haicap_shared.tokens import TokenIssuer, load_private_key

from .stack_support import Stack, sign_in, sign_in_every_role, sign_in_service_account, stopped

pytestmark = pytest.mark.processes


@pytest.fixture(scope="module")
def stack(shared_stack: Stack) -> Stack:
    """The session's shared stack: Cao Bằng imported, every service and the gateway ready."""
    return shared_stack


@pytest.fixture(scope="module")
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    """A client of the gateway signed in as the demo admin."""
    with httpx.Client(base_url=stack.url("gateway"), timeout=15.0, trust_env=False) as client:
        client.headers.update(sign_in(client, stack, "admin"))
        yield client


def test_cao_bang_has_56_communes_after_the_reorganisation(gateway: httpx.Client) -> None:
    response = gateway.get(
        "/api/v1/org/units", params={"province": "04", "level": "commune", "as_of": "2025-07-01", "limit": 500}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["items"]) == 56
    assert body["next"] is None


def test_a_reused_code_names_the_former_unit_before_the_change(gateway: httpx.Client) -> None:
    response = gateway.get("/api/v1/org/units/by-code/01273", params={"as_of": "2025-06-01"})
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Phường Hợp Giang"


@pytest.mark.parametrize("prefix", ["org", "personnel", "assets", "reports"])
def test_every_service_answers_through_the_gateway(gateway: httpx.Client, prefix: str) -> None:
    response = gateway.get(f"/api/v1/{prefix}/healthz", headers={"X-Request-ID": f"stack-{prefix}"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == f"stack-{prefix}"


def test_each_service_spec_is_reachable_through_the_gateway(gateway: httpx.Client) -> None:
    spec = gateway.get("/api/v1/org/openapi.json").json()
    assert spec["info"]["title"] == "haicap org-structure"
    assert "/units" in spec["paths"]


def test_gateway_is_ready_when_every_service_is(gateway: httpx.Client) -> None:
    response = gateway.get("/readyz")
    assert response.status_code == 200, response.text
    assert {u["service"]: u["state"] for u in response.json()["upstreams"]} == dict.fromkeys(
        ("org-structure", "personnel", "assets", "reporting"), "ready"
    )


def test_a_bad_token_is_refused_at_the_gateway(stack: Stack, gateway: httpx.Client) -> None:
    # NOTE: signed with the stack's own key, so only the expiry is wrong.
    key = load_private_key((stack.var_dir / DEV_KEY_FILE).read_text())
    expired, _ = TokenIssuer(key).issue(subject="x", username="x", role=Role.ADMIN, area=Area(), ttl_seconds=-60)
    response = gateway.get("/api/v1/org/units", headers={"Authorization": f"Bearer {expired}"})
    assert_problem(response, 401, "token_expired")

    header, payload, signature = gateway.headers["Authorization"].split()[1].split(".")
    tampered = f"{header}.{payload[:-2]}{'AA' if payload[-2:] != 'AA' else 'BB'}.{signature}"
    assert_problem(gateway.get("/api/v1/org/units", headers={"Authorization": f"Bearer {tampered}"}), 401, "invalid_token")
    assert_problem(gateway.get("/api/v1/org/units", headers={"Authorization": ""}), 401, "not_authenticated")


def test_a_commune_officer_reads_units_but_not_the_audit_log(stack: Stack, gateway: httpx.Client) -> None:
    with httpx.Client(base_url=stack.url("gateway"), timeout=15.0, trust_env=False) as client:
        headers = sign_in(client, stack, "commune_officer")
        me = client.get("/api/v1/auth/me", headers=headers).json()
        assert (me["role"], me["area"]["commune"]) == ("commune_officer", "01304")
        units = client.get("/api/v1/org/units", params={"province": "04", "level": "commune", "limit": 5}, headers=headers)
        assert units.status_code == 200, units.text
        assert len(units.json()["items"]) == 5
        assert_problem(client.get("/api/v1/org/audit-events", headers=headers), 403, "role_not_allowed")

        logout = client.post("/api/v1/auth/logout", headers=headers)
        assert logout.status_code == 204
        assert_problem(client.get("/api/v1/org/units", headers=headers), 401, "token_revoked")


def test_the_reporting_service_account_gets_a_token(stack: Stack, gateway: httpx.Client) -> None:
    headers = sign_in_service_account(gateway, stack)
    assert gateway.get("/api/v1/org/units", params={"limit": 1}, headers=headers).status_code == 200


SERVICE_APPS = {
    "org": "haicap_org_structure.app",
    "personnel": "haicap_personnel.app",
    "assets": "haicap_assets.app",
    "reports": "haicap_reporting.app",
}


@pytest.fixture(scope="module")
def role_headers(stack: Stack, gateway: httpx.Client) -> dict[Role, dict[str, str]]:
    """A signed-in Authorization header for every role (the service role as reporting's account)."""
    headers = {Role(role): header for role, header in sign_in_every_role(gateway, stack).items()}
    assert set(headers) == set(Role)
    return headers


async def test_every_route_of_every_service_against_every_role_through_the_gateway(
    stack: Stack, role_headers: dict[Role, dict[str, str]]
) -> None:
    """The access matrix on the real processes: each service's routes, read from its app, for each role."""
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=30.0, trust_env=False) as client:
        for prefix, module in SERVICE_APPS.items():
            app = importlib.import_module(module).create_app()
            cases = routes_with_rules(app)
            table = await assert_access_matrix(client, cases, role_headers.__getitem__, prefix=f"/api/v1/{prefix}")
            assert table["GET /healthz"]["anonymous"] == 200
            if prefix != "reports":  # NOTE: reporting changes nothing, so it has no audit log
                assert table["GET /audit-events"]["viewer"] == 403


def test_a_stopped_service_is_reported_unavailable(stack: Stack, gateway: httpx.Client) -> None:
    with stopped(stack, "personnel"):
        started = time.monotonic()
        response = gateway.get("/api/v1/personnel/healthz")
        assert time.monotonic() - started < 5
        assert assert_problem(response, 503, "upstream_unavailable")["service"] == "personnel"

        readiness = gateway.get("/readyz")
        assert readiness.status_code == 503
        states = {u["service"]: u["state"] for u in readiness.json()["upstreams"]}
        assert states == {"org-structure": "ready", "personnel": "unreachable", "assets": "ready", "reporting": "ready"}
        assert gateway.get("/api/v1/assets/healthz").status_code == 200
    assert gateway.get("/api/v1/personnel/healthz").status_code == 200
