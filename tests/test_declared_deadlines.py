"""The services declare their slow operations, and the gateway's table reads them (issue 13).

Each real app's OpenAPI (built in process, no lifespan needed) goes through the gateway's own
``DeadlineTable``: imports, batches, bulk routes and reports get their declared time; a plain
list gets nothing, so the gateway's default for its method.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from haicap_assets.app import create_app as create_assets
from haicap_assets.settings import AssetsSettings
from haicap_gateway.deadlines import DeadlineTable
from haicap_org_structure.app import create_app as create_org
from haicap_org_structure.settings import OrgSettings
from haicap_personnel.app import create_app as create_personnel
from haicap_personnel.settings import PersonnelSettings
from haicap_reporting.app import create_app as create_reporting
from haicap_reporting.settings import ReportingSettings

DECLARED = {
    "org-structure": [
        ("POST", "/agencies/imports", 120.0),
        ("POST", "/tasks/imports", 120.0),
        ("POST", "/task-transfers/bulk", 120.0),
        ("GET", "/tasks", None),
        ("GET", "/tasks/0b6c6f3e-4d4c-4a7e-8a53-0c7a1f0e9d21", None),
    ],
    "personnel": [
        ("POST", "/people/imports", 120.0),
        ("POST", "/placements/batch", 120.0),
        ("POST", "/placements/bulk", 120.0),
        ("GET", "/stats/gaps", 30.0),
        ("GET", "/people", None),
    ],
    "assets": [("POST", "/assets/imports", 120.0), ("POST", "/handovers", 120.0), ("GET", "/assets", None)],
    "reporting": [
        ("GET", "/provinces/04/summary", 120.0),
        ("GET", "/provinces/04/transition-gaps", 120.0),
        ("GET", "/communes/01273/profile", 120.0),
    ],
}


def _spec(service: str, var: Path) -> dict[str, object]:
    apps = {
        "org-structure": lambda: create_org(OrgSettings(var_dir=var)),
        "personnel": lambda: create_personnel(PersonnelSettings(var_dir=var)),
        "assets": lambda: create_assets(AssetsSettings(var_dir=var)),
        "reporting": lambda: create_reporting(ReportingSettings(var_dir=var)),
    }
    return apps[service]().openapi()


@pytest.mark.parametrize("service", sorted(DECLARED))
def test_slow_operations_declare_their_time(service: str, tmp_path: Path) -> None:
    table = DeadlineTable.from_spec(_spec(service, tmp_path))
    assert [(method, path, table.declared(method, path)) for method, path, _ in DECLARED[service]] == DECLARED[service]
