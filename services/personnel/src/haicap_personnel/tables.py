"""Every table of personnel, registered on its metadata (for migrations and checks)."""

from .careers import models as career_models
from .codelists import models as codelist_models
from .conduct import models as conduct_models
from .consent import models as consent_models
from .db import metadata
from .people import models as people_models
from .placements import models as placement_models
from .positions import models as position_models
from .quotas import models as quota_models
from .streamlining import models as streamlining_models
from .sync import models as sync_models
from .sync_reports import models as sync_report_models
from .training import models as training_models

__all__ = [
    "career_models",
    "codelist_models",
    "conduct_models",
    "consent_models",
    "metadata",
    "people_models",
    "placement_models",
    "position_models",
    "quota_models",
    "streamlining_models",
    "sync_models",
    "sync_report_models",
    "training_models",
]
