"""Every table of org-structure, registered on its metadata (for migrations and checks)."""

from .agencies import models as agency_models
from .db import metadata
from .feasibility import models as feasibility_models
from .plans import models as plan_models
from .procedures import models as procedure_models
from .tasks import models as task_models
from .transfers import models as transfer_models
from .units import models as unit_models

__all__ = [
    "agency_models",
    "feasibility_models",
    "metadata",
    "plan_models",
    "procedure_models",
    "task_models",
    "transfer_models",
    "unit_models",
]
