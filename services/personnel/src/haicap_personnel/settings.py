from decimal import Decimal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from haicap_shared.settings import ServiceSettings


class PersonnelSettings(ServiceSettings):
    """personnel's settings, from ``HAICAP_PERSONNEL_*`` variables (e.g. ``HAICAP_PERSONNEL_DATABASE_URL``).

    org-structure is reached through the gateway (``HAICAP_PERSONNEL_GATEWAY_URL``) with this
    service's account (``HAICAP_PERSONNEL_CLIENT_ID`` / ``_CLIENT_SECRET``, ``_TOKEN_URL``).
    """

    model_config = SettingsConfigDict(env_prefix="HAICAP_PERSONNEL_", extra="ignore")

    service_name: str = "personnel"
    port: int = 8002
    org_path: str = Field(default="/api/v1/org", description="Where the gateway publishes org-structure")
    base_salary_vnd: Decimal = Field(
        default=Decimal(2340000), gt=0, description="Mức lương cơ sở (Nghị định 73/2024/NĐ-CP), the default for the calculator"
    )
