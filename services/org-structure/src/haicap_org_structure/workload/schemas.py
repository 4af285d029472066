"""Output of the workload routes: per commune and per agency, on a date and on a baseline date."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from haicap_shared.codes import UnitLevel
from haicap_shared.values import IsoDate


class TasksHeld(BaseModel):
    """Tasks held by a set of agencies on a day: as lead, as co-owner of a shared task, and in all."""

    tasks_lead: int = Field(description="Distinct tasks an agency of the set holds as lead")
    tasks_shared: int = Field(description="Distinct tasks an agency of the set holds as co-owner (not lead)")
    tasks_held: int = Field(description="Distinct tasks held at all (a task held as lead and co-owner counts once)")


class CommuneWorkload(TasksHeld):
    """A commune's agencies and the tasks they hold on ``as_of``, and its predecessors' on the baseline."""

    commune_code: str
    name: str
    agencies: int = Field(description="Agencies of the commune in force on as_of")
    predecessor_codes: list[str] = Field(
        description="Codes of the communes it came from (lineage) in force on the baseline date; "
        "empty when the commune itself was (its own row is then the baseline)"
    )
    baseline: TasksHeld = Field(description="The same counts over the predecessors (or the commune itself) on the baseline")


class CommuneWorkloads(BaseModel):
    """The communes of a province in force on ``as_of``, ordered by code."""

    as_of: IsoDate
    baseline: IsoDate
    province: str
    rows: list[CommuneWorkload]


class AgencyWorkload(TasksHeld):
    """An agency in force on ``as_of`` and the tasks it holds then and on the baseline."""

    agency_id: uuid.UUID
    name: str
    level: UnitLevel
    commune_code: str | None
    parent_id: uuid.UUID | None
    baseline_tasks_held: int | None = Field(description="Tasks it held on the baseline; null when not in force then")


class AgencyWorkloads(BaseModel):
    """The agencies of a province in force on ``as_of`` (one level when asked), ordered by name."""

    as_of: IsoDate
    baseline: IsoDate
    province: str
    level: UnitLevel | None
    rows: list[AgencyWorkload]
