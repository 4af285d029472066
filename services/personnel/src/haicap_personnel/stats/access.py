"""Who may read the statistics, and over which records.

Every reader of personnel records may read them; each aggregate counts only the records in
the caller's area, with the same conditions as the lists of those records (placements,
people, quotas, cases, evaluations: their domains' ``access.py``).
"""

from __future__ import annotations

from haicap_shared.auth import RecordsRead

from ..conduct.access import evaluations_visible
from ..people.access import people_visible
from ..placements.access import placements_visible
from ..quotas.access import quotas_visible
from ..streamlining.access import cases_visible

__all__ = ["RecordsRead", "cases_visible", "evaluations_visible", "people_visible", "placements_visible", "quotas_visible"]
