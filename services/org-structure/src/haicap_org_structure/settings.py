"""org-structure's settings."""

from pydantic_settings import SettingsConfigDict

from haicap_shared.settings import ServiceSettings


class OrgSettings(ServiceSettings):
    """org-structure's settings, from ``HAICAP_ORG_*`` variables (e.g. ``HAICAP_ORG_DATABASE_URL``)."""

    model_config = SettingsConfigDict(env_prefix="HAICAP_ORG_", extra="ignore")

    service_name: str = "org-structure"
    port: int = 8001
