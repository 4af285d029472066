from pydantic_settings import SettingsConfigDict

from haicap_shared.settings import ServiceSettings


class AssetsSettings(ServiceSettings):
    """assets's settings, from ``HAICAP_ASSETS_*`` variables (e.g. ``HAICAP_ASSETS_DATABASE_URL``)."""

    model_config = SettingsConfigDict(env_prefix="HAICAP_ASSETS_", extra="ignore")

    service_name: str = "assets"
    port: int = 8003
