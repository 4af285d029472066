"""Who may read and record training, and which records a caller sees.

A training record is in the area of the agency of the person's record when it was written:
admins, auditors and service accounts read all; province, commune and agency officers their
area; admins and those officers record training for the people of their area.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from haicap_shared.areas import check_record_area, records_in_area
from haicap_shared.auth import Principal, RecordsRead, RecordsWrite

from .models import TrainingRecord, training_table

__all__ = ["RecordsRead", "RecordsWrite", "check_training", "training_visible"]


def training_visible(principal: Principal) -> ColumnElement[bool]:
    """The training records in the caller's area, as a condition on ``training_record``."""
    return records_in_area(principal, training_table)


def check_training(principal: Principal, record: TrainingRecord) -> None:
    """403 ``outside_area`` unless the record is in the caller's area."""
    check_record_area(principal, record, "This training record")
