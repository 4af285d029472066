"""reporting's settings: a process without a database, reading the other services through the gateway."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from haicap_shared.settings import ProcessSettings


class ReportingSettings(ProcessSettings):
    """reporting's settings, from ``HAICAP_REPORTING_*`` variables (e.g. ``HAICAP_REPORTING_CLIENT_ID``)."""

    model_config = SettingsConfigDict(env_prefix="HAICAP_REPORTING_", extra="ignore")

    service_name: str = "reporting"
    port: int = 8004
    section_timeout_seconds: float = Field(default=30.0, gt=0, description="How long a report waits for each source")
    past_report_ttl_seconds: float = Field(default=300.0, ge=0, description="How long a complete report of a past date is kept")
    current_report_ttl_seconds: float = Field(default=15.0, ge=0, description="How long a report of today or later is kept")
    follow_event_feeds: bool = Field(
        default=True,
        description="Follow org-structure's, personnel's and assets' change feeds and drop the kept reports an event "
        "can change (the TTLs above stay as a safety net)",
    )
    event_feed_wait_seconds: int = Field(default=25, ge=1, le=25, description="How long each feed request waits for an event")
    event_feed_retry_seconds: float = Field(
        default=1.0, gt=0, description="First wait before following a feed again after it failed (doubled up to the maximum)"
    )
    event_feed_retry_max_seconds: float = Field(default=60.0, gt=0, description="Longest wait between attempts at a failing feed")
