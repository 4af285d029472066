"""Who may read and record career events, and which of them a caller sees.

A career event is in the area of the agency managing the person's record when it was written
(like a training record): admins, auditors and service accounts read all; province, commune
and agency officers their area; admins and those officers record events for the people of
their area and attach documents. Only admins delete an event (a wrong record; a decision
that was annulled is recorded as a new event). A person's history is read by whoever reads
the person (``people.access``).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from haicap_shared.areas import check_record_area, records_in_area
from haicap_shared.auth import AdminWrite, Principal, RecordsRead, RecordsWrite

from .models import CareerEvent, career_event_table

__all__ = ["AdminWrite", "RecordsRead", "RecordsWrite", "career_events_visible", "check_career_event"]


def career_events_visible(principal: Principal) -> ColumnElement[bool]:
    """The career events in the caller's area, as a condition on ``career_event``."""
    return records_in_area(principal, career_event_table)


def check_career_event(principal: Principal, event: CareerEvent) -> None:
    """403 ``outside_area`` unless the event is in the caller's area."""
    check_record_area(principal, event, "This career event")
