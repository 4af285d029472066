"""Every table of assets, registered on its metadata (for migrations and checks)."""

from .allocations import models as allocation_models
from .db import metadata
from .dispositions import models as disposition_models
from .norms import models as norm_models
from .register import models as register_models

__all__ = ["allocation_models", "disposition_models", "metadata", "norm_models", "register_models"]
