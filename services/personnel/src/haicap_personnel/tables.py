"""Every table of personnel, registered on its metadata (for migrations and checks)."""

from .db import metadata
from .people import models as people_models
from .placements import models as placement_models
from .positions import models as position_models
from .quotas import models as quota_models
from .streamlining import models as streamlining_models
from .training import models as training_models

__all__ = [
    "metadata",
    "people_models",
    "placement_models",
    "position_models",
    "quota_models",
    "streamlining_models",
    "training_models",
]
