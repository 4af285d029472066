"""org-structure's settings."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from haicap_shared.settings import ServiceSettings


class OrgSettings(ServiceSettings):
    """org-structure's settings, from ``HAICAP_ORG_*`` variables (e.g. ``HAICAP_ORG_DATABASE_URL``)."""

    model_config = SettingsConfigDict(env_prefix="HAICAP_ORG_", extra="ignore")

    service_name: str = "org-structure"
    port: int = 8001
    personnel_path: str = Field(
        default="/api/v1/personnel", description="Where the gateway publishes personnel (a plan item's positions, placements)"
    )
    assets_path: str = Field(
        default="/api/v1/assets", description="Where the gateway publishes assets (a plan item's assets, dispositions)"
    )
    plan_reminders_interval_seconds: float = Field(
        default=3600.0, gt=0, le=86400, description="How often the plan-reminders worker looks for items to remind"
    )
    plan_due_soon_days: int = Field(
        default=3, ge=0, le=365, description="An item is due soon (a `due_soon` reminder) this many days before its deadline"
    )
    plan_escalate_after_days: int = Field(
        default=7,
        ge=0,
        le=365,
        description="An item overdue for more than this many days is escalated to its assignee's superior agency",
    )
