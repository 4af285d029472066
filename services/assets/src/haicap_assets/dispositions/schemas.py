"""Request and response bodies of dispositions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from haicap_shared.codes import UnitLevel
from haicap_shared.procedures.schemas import ProcedureDossierSummary, ProcedureIntake
from haicap_shared.values import IsoDate

from ..allocations.models import Purpose
from ..holders import HolderRef
from ..register.models import AssetKind, AssetStatus, HolderKind
from .models import DispositionStatus, Form, RepurposeTo


class DispositionCreate(BaseModel):
    """A plan for one asset. Forms below repurposing (rank 5 and after) need ``reason_higher_forms_unfit``."""

    asset_id: uuid.UUID
    form: Form
    repurpose_to: RepurposeTo | None = Field(None, description="The new use, for `repurpose` only")
    reason_higher_forms_unfit: str | None = Field(None, min_length=10, max_length=4000)
    receiving_holder: HolderRef | None = Field(None, description="Who receives it (transfer: required)")
    receiving_purpose: Purpose | None = Field(None, description="What the receiver uses it for; repurpose: its new use")
    proposed_on: IsoDate
    note: str | None = Field(None, max_length=4000)

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if (self.form is Form.REPURPOSE) != (self.repurpose_to is not None):
            raise ValueError("repurpose_to goes with the form repurpose, and only with it")
        return self


class DispositionSubmit(BaseModel):
    """The dossier is complete: the authority's 20 days start."""

    submitted_on: IsoDate
    dossier_ref: str | None = Field(None, max_length=200)
    procedure: ProcedureIntake | None = Field(
        None,
        description="The procedure (approval of the disposition of public assets) and the dossier code the one-stop "
        "system received the dossier under; its dossier then follows the decision (approve: done, reject: refused)",
    )


class DispositionDecide(BaseModel):
    """The competent authority's decision."""

    decision_number: str = Field(min_length=2, max_length=100, examples=["1234/QĐ-UBND"])
    decided_on: IsoDate
    authority: str = Field("UBND tỉnh", min_length=2, max_length=300)
    rejection_reason: str | None = Field(None, max_length=4000, description="Why the plan is rejected (rejections only)")


class DispositionExecute(BaseModel):
    """The plan carried out: the hand-over record (biên bản bàn giao)."""

    executed_on: IsoDate
    handover_record: str = Field(min_length=2, max_length=200)


class Disposition(BaseModel):
    """A disposition plan and where it stands."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    asset_id: uuid.UUID
    asset_kind: AssetKind
    province_code: str
    form: Form
    repurpose_to: RepurposeTo | None
    priority_rank: int = Field(description="1: first in the order of priority; 0: recovery, imposed by law")
    reason_higher_forms_unfit: str | None
    status: DispositionStatus
    asset_status_before: AssetStatus
    proposed_on: IsoDate
    submitted_on: IsoDate | None
    dossier_ref: str | None
    decision_number: str | None
    decided_on: IsoDate | None
    authority: str | None
    rejection_reason: str | None
    executed_on: IsoDate | None
    handover_record: str | None
    receiving_purpose: Purpose | None
    receiving_holder_kind: HolderKind | None
    receiving_holder_id: uuid.UUID | None
    receiving_holder_name: str | None
    receiving_province_code: str | None
    receiving_commune_code: str | None
    receiving_level: UnitLevel | None
    note: str | None
    decision_due_on: IsoDate | None = Field(None, description="Last day for the decision (submitted plans)")
    decision_overdue: bool = Field(False, description="Submitted, complete, and past the decision's due day")
    procedure_dossier: ProcedureDossierSummary | None = Field(
        None, description="The procedure dossier the submission was received under; null when none"
    )
    version: int
    created_at: datetime


class FormInfo(BaseModel):
    """A form of handling and its place in the order of priority."""

    form: Form
    repurpose_to: RepurposeTo | None
    rank: int
    label: str
    reason_required: bool
