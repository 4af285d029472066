"""org-structure's app factory."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from haicap_shared.app import create_service_app

from .agencies.router import router as agencies_router
from .db import metadata
from .events import CATALOGUE
from .feasibility.router import router as feasibility_router
from .findings.router import router as findings_router
from .linked_data.router import router as linked_data_router
from .plans.records import RecordsDirectory, default_records_client
from .plans.router import router as plans_router
from .procedures.router import router as procedures_router
from .settings import OrgSettings
from .tasks.router import router as tasks_router
from .transfers.router import router as transfers_router
from .units.router import router as units_router
from .workload.router import router as workload_router

DESCRIPTION = """
Administrative units of Vietnam before and after the 1 July 2025 reorganisation
(province and commune levels; the district level until 2025-06-30), the changes that
connect them (merge, split, rename, abolish, establish) and their lineage; the agencies of
each unit and the decisions defining their functions; the catalogue of state-management
tasks with their owners over time, transfers, statistics and the no-overlap, no-gap checks.

Every route needs a bearer token from the gateway (`/api/v1/auth/token`); agencies, decisions
and tasks are read and written within the caller's area (403 `outside_area` outside it).

* Lists are keyset-paginated: pass `limit`, then the `next` value of a page as `cursor`.
* `as_of=YYYY-MM-DD` keeps what was in force on that date; a code may pass from a former
  unit to its successor (01273 is Phường Hợp Giang until 2025-06-30, Phường Thục Phán after).
* `q` searches names without regard to Vietnamese diacritics.
* Single resources carry an `ETag`; send it back as `If-Match` to change them (412 when stale,
  428 when missing). `Idempotency-Key` on POST makes a retry safe.
* Errors are RFC 9457 problem details with a stable `code`.
"""


RecordsClientFactory = Callable[[FastAPI], RecordsDirectory]


def create_app(settings: OrgSettings | None = None, *, records_client_factory: RecordsClientFactory | None = None) -> FastAPI:
    """The org-structure app; tests pass their own settings and a stand-in for personnel and assets (plans' links)."""
    settings = settings or OrgSettings()
    factory = records_client_factory or default_records_client

    @asynccontextmanager
    async def plan_records(app: FastAPI) -> AsyncIterator[None]:
        # NOTE: built in the lifespan, on the process's pooled HTTP client (closed by the shared app).
        app.state.plan_records = factory(app)
        yield

    return create_service_app(
        title="haicap org-structure",
        operation_prefix="org",
        description=DESCRIPTION,
        settings=settings,
        metadata=metadata,
        events=CATALOGUE,
        # NOTE: findings before tasks: `/tasks/findings` must be matched before `/tasks/{task_id}`.
        routers=[
            units_router,
            agencies_router,
            findings_router,
            tasks_router,
            transfers_router,
            procedures_router,
            feasibility_router,
            linked_data_router,
            workload_router,
            plans_router,
        ],
        openapi_tags=[
            {"name": "units", "description": "Administrative units (đơn vị hành chính) and their reorganisations"},
            {"name": "agencies", "description": "Agencies and organisations (cơ quan chuyên môn, tổ chức) of the units"},
            {"name": "decisions", "description": "Decisions on agencies' functions, duties and powers, and their progress"},
            {
                "name": "tasks",
                "description": "State-management tasks (nhiệm vụ quản lý nhà nước), their owners over time and transfers",
            },
            {
                "name": "procedures",
                "description": "Administrative procedures (thủ tục hành chính): codes, levels over time, processing times",
            },
            {
                "name": "feasibility",
                "description": "Whether each held task can be carried out (khó khăn, vướng mắc), proposals, answers",
            },
            {"name": "linked-data", "description": "The organisation as linked open data (JSON-LD, N-Triples)"},
            {
                "name": "plans",
                "description": "Implementation plans (kế hoạch): items, assignees, deadlines, progress, reminders, follow-up",
            },
        ],
        extensions=[plan_records],
    )
