"""Who may read the organisation as linked data.

The export mirrors the units routes: units, their changes and their agencies are the
province's public reference data, read by every signed-in role but ``viewer`` and ``staff``
whatever its area (:data:`ExportRead`, the units' rule). The JSON-LD context is public
(:data:`ContextRead`): a JSON-LD processor fetches it without a token. JSON-LD of a single
agency or unit goes through its own route, under that route's rule.
"""

from haicap_shared.auth import Public

from ..units.access import UnitsRead

ExportRead = UnitsRead
ContextRead = Public

__all__ = ["ContextRead", "ExportRead"]
