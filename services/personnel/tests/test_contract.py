"""Schemathesis against personnel in process: every operation, every check (see haicap_shared.contract_testing)."""

from pathlib import Path

from haicap_personnel.app import create_app
from haicap_personnel.cli import MIGRATIONS
from haicap_personnel.settings import PersonnelSettings
from haicap_shared import contract_testing
from haicap_shared.contract_testing import ANY, OVERLAPPING_PATHS, REFUSED_ON_PURPOSE, FailureKey
from haicap_shared.testing import TestTokens

from .conftest import World

MAX_EXAMPLES = 20

# NOTE: failures known when this check was written, each with its reason; the test fails on any
# other, and warns when one of these stops failing (then remove it).
KNOWN: dict[FailureKey, str] = {
    FailureKey("positive_data_acceptance", ANY): REFUSED_ON_PURPOSE,
    FailureKey("unsupported_method", "POST /people/imports"): OVERLAPPING_PATHS,
    FailureKey("unsupported_method", "POST /placements/batch"): OVERLAPPING_PATHS,
    FailureKey("unsupported_method", "POST /placements/bulk"): OVERLAPPING_PATHS,
    FailureKey("unsupported_method", "POST /career-events/imports"): OVERLAPPING_PATHS,
    FailureKey("unsupported_method", "POST /evaluations/imports"): OVERLAPPING_PATHS,
    FailureKey("allow_header_conformance", "POST /dossier-changes/verify"): OVERLAPPING_PATHS,
}


async def test_every_operation_keeps_its_contract(tmp_path: Path, test_tokens: TestTokens, world: World) -> None:
    url = await contract_testing.migrated_sqlite(Path(MIGRATIONS), tmp_path, "personnel")
    # NOTE: org-structure is the tests' fake (a province, a merger, a few agencies), as in every personnel test.
    app = create_app(PersonnelSettings(database_url=url, jwks=test_tokens.jwks_json), org_client_factory=lambda _app: world)
    try:
        schema = contract_testing.asgi_schema(app, test_tokens.headers(), max_examples=MAX_EXAMPLES)
        report = contract_testing.run("personnel", schema)
    finally:
        contract_testing.stop_asgi_apps()
    contract_testing.verify(report, KNOWN, app.openapi())
