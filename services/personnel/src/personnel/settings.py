from pydantic_settings import SettingsConfigDict

from haicap_shared.settings import ServiceSettings


class PersonnelSettings(ServiceSettings):
    """personnel's settings, from ``HAICAP_PERSONNEL_*`` variables (e.g. ``HAICAP_PERSONNEL_DATABASE_URL``)."""

    model_config = SettingsConfigDict(env_prefix="HAICAP_PERSONNEL_", extra="ignore")

    service_name: str = "personnel"
    port: int = 8002
