"""The event kinds this domain publishes (joined into personnel's catalogue in ../events.py).

A consent lies in no area of its own (its record carries none): admins, auditors and service
accounts read its events. A discrepancy lies in the area of the person's record when it was
flagged. A read on behalf of another agency (``consent_read``) changes nothing and is in the
audit log only.
"""

from __future__ import annotations

from haicap_shared.events.catalogue import EventKind

from .schemas import Consent, Discrepancy

PATH = "/api/v1/personnel"
INTERNAL = frozenset({"agency_valid_to", "agency_level", "unit_id"})

KINDS: list[EventKind] = [
    EventKind(
        "consent",
        Consent,
        f"{PATH}/consents/{{id}}",
        actions={"revoke": "revoked"},
        description="A person's consent that an agency reads groups of their dossier: recorded (by an officer or the "
        "person), revoked",
    ),
    EventKind(
        "discrepancy",
        Discrepancy,
        f"{PATH}/discrepancies/{{id}}",
        actions={"resolve": "resolved"},
        internal_fields=INTERNAL,
        description="A discrepancy a person flagged in their dossier: flagged, resolved (corrected or dismissed)",
    ),
]
