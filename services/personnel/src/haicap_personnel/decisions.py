"""Decisions (quyết định) that dossier records rest on, and a person's history as one ordered list.

A career event, a commendation and a discipline each carry the decision that made it: its
number, date, signer and issuing agency. The columns and the schema are defined here once.
"""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column


class DecisionColumns:
    """The decision a record rests on, kept on the record's row."""

    decision_number: Mapped[str] = mapped_column(String(100))
    decision_date: Mapped[date] = mapped_column(Date)
    decision_signer: Mapped[str] = mapped_column(String(200))
    decision_issuer: Mapped[str] = mapped_column(String(300))


class Decision(BaseModel):
    """A decision: number, date, who signed it and which agency issued it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: str = Field(min_length=1, max_length=100, examples=["125/QĐ-UBND"])
    date: date
    signer: str = Field(min_length=1, max_length=200, examples=["Chủ tịch UBND tỉnh"])
    issuer: str = Field(min_length=1, max_length=300, examples=["Ủy ban nhân dân tỉnh Cao Bằng"])

    def columns(self) -> dict[str, object]:
        """The values of :class:`DecisionColumns` for this decision."""
        return {
            "decision_number": self.number,
            "decision_date": self.date,
            "decision_signer": self.signer,
            "decision_issuer": self.issuer,
        }

    @classmethod
    def of(cls, row: DecisionColumns) -> Decision:
        """The decision kept on a row with :class:`DecisionColumns`."""
        return cls(
            number=row.decision_number,
            date=row.decision_date,
            signer=row.decision_signer,
            issuer=row.decision_issuer,
        )


class HistoryEntry(BaseModel):
    """One line of a person's history: a career event, an evaluation, a commendation or a discipline."""

    on: date = Field(description="The day it took effect (an evaluation: the last day of its year)")
    kind: str = Field(description="`career_event`, `evaluation`, `commendation` or `discipline`")
    type: str = Field(description="The event type (`appointment`...), the evaluation grade, or the form's code")
    title: str = Field(description="A line an officer reads, in Vietnamese")
    decision: Decision | None = None
    record_id: uuid.UUID
    path: str = Field(description="The record's path under the API")
