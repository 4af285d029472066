"""One OpenAPI contract in every service's document and in the gateway's merged one (no processes).

The real apps' documents (as each serves at ``/openapi.json``), merged as the gateway merges
them: every operationId in the ``<prefix>.<domain>...<verb>`` form and unique across the whole
API, every problem response the one shared ``Problem`` with its codes, the headers declared
(see ``haicap_shared.openapi`` and ``haicap_shared.testing.openapi_contract_violations``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from haicap_assets.app import create_app as assets_app
from haicap_assets.settings import AssetsSettings
from haicap_gateway.app import create_app as gateway_app
from haicap_gateway.openapi import merge_specs
from haicap_gateway.settings import GatewaySettings
from haicap_org_structure.app import create_app as org_app
from haicap_org_structure.settings import OrgSettings
from haicap_personnel.app import create_app as personnel_app
from haicap_personnel.settings import PersonnelSettings
from haicap_reporting.app import create_app as reporting_app
from haicap_reporting.settings import ReportingSettings
from haicap_shared.testing import assert_openapi_contract

PREFIXES = ("gateway", "org", "personnel", "assets", "reports")
METHODS = {"get", "put", "post", "delete", "patch"}


def _documents(tmp_path: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The gateway's own document, and each service's by its gateway prefix."""
    services = {
        "org": org_app(OrgSettings(var_dir=tmp_path)),
        "personnel": personnel_app(PersonnelSettings(var_dir=tmp_path)),
        "assets": assets_app(AssetsSettings(var_dir=tmp_path)),
        "reports": reporting_app(ReportingSettings(var_dir=tmp_path)),
    }
    for prefix, app in services.items():
        assert_openapi_contract(app.openapi(), prefix, app)
    gateway = gateway_app(GatewaySettings(var_dir=tmp_path))
    assert_openapi_contract(gateway.openapi(), "gateway", gateway)
    return gateway.openapi(), {prefix: app.openapi() for prefix, app in services.items()}


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for item in document["paths"].values() for method, op in item.items() if method in METHODS]


def test_every_document_and_the_merged_one_keep_the_contract(tmp_path: Path) -> None:
    gateway, services = _documents(tmp_path)
    upstreams = {service.prefix: service for service in GatewaySettings(var_dir=tmp_path).upstreams()}
    merged = merge_specs(gateway, [(upstreams[prefix], spec) for prefix, spec in services.items()])

    assert_openapi_contract(merged, PREFIXES)
    ids = [op["operationId"] for op in _operations(merged)]
    assert len(ids) == sum(len(_operations(d)) for d in (gateway, *services.values()))
    assert len(set(ids)) == len(ids)
    for prefix, spec in services.items():
        assert {op["operationId"] for op in _operations(spec)} <= set(ids), f"{prefix}'s ids are kept as they are"
    schemas = merged["components"]["schemas"]
    assert not [name for name in schemas if name.endswith("Problem") and name != "Problem" and "Row" not in name]
    assert not [name for name in schemas if name.endswith("ProblemFieldError") and name != "ProblemFieldError"]
    if_match = [
        op["operationId"]
        for op in _operations(merged)
        if any(p["in"] == "header" and p["name"] == "If-Match" and p["required"] for p in op.get("parameters", []))
    ]
    # NOTE: every state-changing operation that answers 428 without If-Match says it needs it.
    answers_428 = [op["operationId"] for op in _operations(merged) if "428" in op["responses"]]
    assert if_match == answers_428
    assert len(if_match) == 55
    # NOTE: six of them follow the two-tier model: a task status corrected or answered, a plan
    # changed or closed, an item changed or reported on.
    operating = [op for op in if_match if op.split(".")[1] in ("taskFeasibility", "plans", "planItems")]
    assert len(operating) == 6, operating
    # NOTE: fifteen of them change the personnel dossier (family members, career events and their
    # documents, evaluations, commendations, disciplines, consents, discrepancies, verification,
    # calendar days).
    dossier = (
        "familyMember",
        "careerEvent",
        "evaluation",
        "commendation",
        "discipline",
        "consent",
        "discrepanc",
        "dossierChange",
        "calendarDay",
    )
    assert len([op for op in if_match if any(word.lower() in op.lower() for word in dossier)]) == 15, if_match
    # NOTE: five move administrative procedures on: a catalogue's procedure renamed or given a new level, a
    # task's procedures replaced, a dossier's step taken by hand in personnel and in assets.
    procedures = [op for op in if_match if "procedure" in op.lower()]
    assert len(procedures) == 5, procedures
    # NOTE: four of them change a webhook subscription, one per change feed (org, personnel, assets, identity).
    assert len([op for op in if_match if "webhook" in op.lower()]) == 4, if_match
    assert merged["paths"]["/api/v1/personnel/people/{person_id}"]["get"]["operationId"] == "personnel.people.get"
    forwarded = merged["paths"]["/api/v1/assets/assets/{asset_id}"]["patch"]["responses"]
    assert forwarded["504"]["x-problem-codes"] == ["upstream_timeout"]
