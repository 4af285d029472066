from pydantic import Field
from pydantic_settings import SettingsConfigDict

from haicap_shared.settings import ServiceSettings


class AssetsSettings(ServiceSettings):
    """assets's settings, from ``HAICAP_ASSETS_*`` variables (e.g. ``HAICAP_ASSETS_DATABASE_URL``).

    org-structure is reached at ``HAICAP_ASSETS_GATEWAY_URL`` + ``/api/v1/org`` with the
    service account ``HAICAP_ASSETS_CLIENT_ID`` / ``HAICAP_ASSETS_CLIENT_SECRET`` (token from
    ``HAICAP_ASSETS_TOKEN_URL``).
    """

    model_config = SettingsConfigDict(env_prefix="HAICAP_ASSETS_", extra="ignore")

    service_name: str = "assets"
    port: int = 8003
    decision_days: int = Field(
        default=20, ge=1, le=365, description="Days after a complete dossier within which a disposition must be decided"
    )
