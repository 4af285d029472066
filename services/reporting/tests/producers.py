"""The sources' fakes are what the producers really send: each faked body is read with the producer's response model.

reporting's tests answer for org-structure, personnel and assets with respx. A fake that drifts
from the producer (a renamed figure, a field gone, a field the producer never sends) would let
reporting pass here and fail against the real service; so every body a fake served is read
with the producer's own response model (the services are installed in the same environment),
and the test fails when it does not fit, or holds a key the producer does not send.
"""

from __future__ import annotations

import json
import re
from typing import Any

import respx
from pydantic import BaseModel

from haicap_assets.stats import schemas as assets_stats
from haicap_org_structure.agencies import schemas as org_agencies
from haicap_org_structure.feasibility import schemas as org_feasibility
from haicap_org_structure.findings import schemas as org_findings
from haicap_org_structure.plans import schemas as org_plans
from haicap_org_structure.procedures import schemas as org_procedures
from haicap_org_structure.tasks import schemas as org_tasks
from haicap_org_structure.units import schemas as org_units
from haicap_org_structure.workload import schemas as org_workload
from haicap_personnel.stats import schemas as personnel_stats
from haicap_shared.events import schemas as events
from haicap_shared.paging import Page
from haicap_shared.procedures import schemas as procedures

# NOTE: the routes reporting reads, as published by the gateway, with the model each answers with.
PRODUCERS: dict[str, type[BaseModel]] = {
    r"/api/v1/org/tasks/stats": org_tasks.TaskStats,
    r"/api/v1/org/tasks/findings": org_findings.Findings,
    r"/api/v1/org/function-decisions/progress": org_agencies.DecisionProgress,
    r"/api/v1/org/tasks/stats/by-province": org_tasks.TaskStatsByProvince,
    r"/api/v1/org/tasks/findings/by-province": org_findings.FindingCountsByProvince,
    r"/api/v1/org/function-decisions/progress/by-province": org_agencies.DecisionProgressByProvince,
    r"/api/v1/org/plans/stats/by-province": org_plans.PlanStatsByProvince,
    r"/api/v1/org/units/by-code/\d+": org_units.AdministrativeUnit,
    r"/api/v1/org/units": Page[org_units.AdministrativeUnit],
    r"/api/v1/org/units/[0-9a-f-]+/lineage": org_units.Lineage,
    r"/api/v1/org/agencies": Page[org_agencies.Agency],
    r"/api/v1/org/procedures/handled": org_procedures.HandledByCommune,
    r"/api/v1/org/procedures/handled-by-communes": org_procedures.HandledByCommunes,
    r"/api/v1/org/workload/communes": org_workload.CommuneWorkloads,
    r"/api/v1/org/workload/agencies": org_workload.AgencyWorkloads,
    r"/api/v1/org/task-feasibility/stats": org_feasibility.FeasibilityStats,
    r"/api/v1/org/plans/stats": org_plans.PlanStats,
    r"/api/v1/org/plans/overdue": Page[org_plans.OverdueItem],
    r"/api/v1/org/plans/[0-9a-f-]{36}": org_plans.Plan,
    r"/api/v1/personnel/stats/qualifications": personnel_stats.QualificationStats,
    r"/api/v1/personnel/stats/streamlining": personnel_stats.StreamliningStats,
    r"/api/v1/personnel/stats/gaps": personnel_stats.GapStats,
    r"/api/v1/personnel/stats/headcount": personnel_stats.HeadcountStats,
    r"/api/v1/personnel/stats/tasks-not-completed": personnel_stats.TasksNotCompletedStats,
    r"/api/v1/assets/stats/summary": assets_stats.Summary,
    r"/api/v1/assets/stats/car-norms": assets_stats.CarNormStats,
    r"/api/v1/assets/stats/dispositions": assets_stats.DispositionStats,
    r"/api/v1/assets/stats/gaps": assets_stats.Gaps,
    r"/api/v1/assets/stats/holdings": assets_stats.Holdings,
    r"/api/v1/assets/stats/summary/by-province": assets_stats.SummaryByProvince,
    r"/api/v1/assets/stats/car-norms/by-province": assets_stats.CarNormsByProvince,
    r"/api/v1/assets/stats/dispositions/by-province": assets_stats.DispositionsByProvince,
    r"/api/v1/assets/stats/gaps/by-province": assets_stats.GapsByProvince,
    # NOTE: both services answer with the shared core's model (their dossiers are kept by haicap_shared.procedures)
    r"/api/v1/(personnel|assets)/procedure-dossiers/stats": procedures.ProcedureStats,
    r"/api/v1/(org|personnel|assets)/events": events.EventFeed,
    r"/api/v1/(org|personnel|assets)/events/latest": events.FeedPosition,
}


def producer_model(path: str) -> type[BaseModel]:
    """The producer's response model for a path reporting reads."""
    found = [model for pattern, model in PRODUCERS.items() if re.fullmatch(pattern, path)]
    assert len(found) == 1, f"{path}: not a route reporting is known to read; add it with its producer's model"
    return found[0]


def _unknown_keys(fake: Any, sent: Any, where: str) -> list[str]:
    """Keys of ``fake`` that the producer's serialisation (``sent``) does not have, recursively."""
    if isinstance(fake, dict) and isinstance(sent, dict):
        extra = [f"{where}.{key}" for key in fake if key not in sent]
        return extra + [p for key in fake if key in sent for p in _unknown_keys(fake[key], sent[key], f"{where}.{key}")]
    if isinstance(fake, list) and isinstance(sent, list):
        return [p for i, (f, s) in enumerate(zip(fake, sent, strict=False)) for p in _unknown_keys(f, s, f"{where}[{i}]")]
    return []


def assert_producer_sends(path: str, body: Any) -> None:
    """``body`` is a body the producer of ``path`` could send: its model reads it, and it has no key the model lacks."""
    model = producer_model(path)
    read = model.model_validate(body)  # NOTE: a missing or mistyped field fails here
    sent = read.model_dump(mode="json", by_alias=True)
    unknown = _unknown_keys(body, sent, "")
    assert not unknown, f"{path}: the fake has fields {model.__name__} does not send: {unknown}"


def assert_fakes_match_producers(mock: respx.MockRouter) -> None:
    """Every successful body the fake gateway served in a test is one its producer could send."""
    for call in mock.calls:
        response = call.optional_response  # NOTE: None when the fake raised (a source down)
        if response is None or response.status_code != 200:
            continue
        assert_producer_sends(call.request.url.path, json.loads(response.content))
