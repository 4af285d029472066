"""The statuses of a procedure dossier and the moves between them.

The names are haicap's; :mod:`.one_stop` maps them to the one-stop system's codes.

- ``received``: received (tiếp nhận); the statutory clock starts the next working day;
- ``in_process``: being handled (đang xử lý), also after a requested supplement arrived;
- ``supplement_requested``: the applicant is asked to supplement the dossier (yêu cầu bổ sung);
- ``done``: approved or done (đã giải quyết), the result issued;
- ``refused``: refused (từ chối giải quyết), with the reason;
- ``returned``: returned to the applicant without a decision (trả lại hồ sơ, rút hồ sơ).
"""

from __future__ import annotations

import enum


class ProcedureStatus(enum.StrEnum):
    RECEIVED = "received"
    IN_PROCESS = "in_process"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    DONE = "done"
    REFUSED = "refused"
    RETURNED = "returned"


FINISHED = frozenset({ProcedureStatus.DONE, ProcedureStatus.REFUSED, ProcedureStatus.RETURNED})
"""A dossier in one of these is finished: no further step."""

MOVES: dict[ProcedureStatus, frozenset[ProcedureStatus]] = {
    ProcedureStatus.RECEIVED: frozenset({ProcedureStatus.IN_PROCESS, ProcedureStatus.SUPPLEMENT_REQUESTED, *FINISHED}),
    ProcedureStatus.IN_PROCESS: frozenset({ProcedureStatus.SUPPLEMENT_REQUESTED, *FINISHED}),
    ProcedureStatus.SUPPLEMENT_REQUESTED: frozenset(
        {ProcedureStatus.IN_PROCESS, ProcedureStatus.REFUSED, ProcedureStatus.RETURNED}
    ),
    ProcedureStatus.DONE: frozenset(),
    ProcedureStatus.REFUSED: frozenset(),
    ProcedureStatus.RETURNED: frozenset(),
}
"""From each status, the statuses a next step may take."""


class PushStatus(enum.StrEnum):
    """Where a step stands with the one-stop system."""

    QUEUED = "queued"  # waiting for its turn (the dossier's earlier steps first) or for a retry
    ACKNOWLEDGED = "acknowledged"  # the one-stop system took it
    REJECTED = "rejected"  # the one-stop system refused it, with its reason; later steps still go
    SENT = "sent"  # written to a batch file for manual upload (the file adapter)
