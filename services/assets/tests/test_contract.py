"""Schemathesis against assets in process: every operation, every check (see haicap_shared.contract_testing)."""

from pathlib import Path

from haicap_assets.app import create_app
from haicap_assets.cli import MIGRATIONS
from haicap_assets.settings import AssetsSettings
from haicap_shared import contract_testing
from haicap_shared.contract_testing import ANY, OVERLAPPING_PATHS, REFUSED_ON_PURPOSE, FailureKey
from haicap_shared.testing import TestTokens

from .fake_org import FakeOrg

MAX_EXAMPLES = 20

# NOTE: failures known when this check was written, each with its reason; the test fails on any
# other, and warns when one of these stops failing (then remove it).
KNOWN: dict[FailureKey, str] = {
    FailureKey("positive_data_acceptance", ANY): REFUSED_ON_PURPOSE,
    FailureKey("unsupported_method", "POST /assets/imports"): OVERLAPPING_PATHS,
}


async def test_every_operation_keeps_its_contract(tmp_path: Path, test_tokens: TestTokens, fake_org: FakeOrg) -> None:
    url = await contract_testing.migrated_sqlite(Path(MIGRATIONS), tmp_path, "assets")
    # NOTE: org-structure is the tests' fake (Cao Bằng's units, a few agencies), as in every assets test.
    app = create_app(AssetsSettings(database_url=url, jwks=test_tokens.jwks_json), org_client_factory=lambda _app: fake_org)
    try:
        schema = contract_testing.asgi_schema(app, test_tokens.headers(), max_examples=MAX_EXAMPLES)
        report = contract_testing.run("assets", schema)
    finally:
        contract_testing.stop_asgi_apps()
    contract_testing.verify(report, KNOWN, app.openapi())
