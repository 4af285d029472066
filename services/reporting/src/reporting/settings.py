from pydantic_settings import SettingsConfigDict

from haicap_shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    """reporting's settings, from ``HAICAP_REPORTING_*`` variables (e.g. ``HAICAP_REPORTING_DATABASE_URL``)."""

    model_config = SettingsConfigDict(env_prefix="HAICAP_REPORTING_", extra="ignore")

    service_name: str = "reporting"
    port: int = 8004
