from dataclasses import dataclass

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from haicap_shared.settings import ServiceSettings


@dataclass(frozen=True, slots=True)
class UpstreamService:
    """A service behind the gateway: published under ``/api/v1/<prefix>``, reached at ``base_url``."""

    prefix: str
    name: str
    base_url: str

    @property
    def public_path(self) -> str:
        return f"/api/v1/{self.prefix}"


class GatewaySettings(ServiceSettings):
    """The gateway's settings, from ``HAICAP_GATEWAY_*`` variables (e.g. ``HAICAP_GATEWAY_ORG_URL``)."""

    model_config = SettingsConfigDict(env_prefix="HAICAP_GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    port: int = 8000
    org_url: str = Field(default="http://127.0.0.1:8001", description="Base URL of org-structure (/api/v1/org)")
    personnel_url: str = Field(default="http://127.0.0.1:8002", description="Base URL of personnel (/api/v1/personnel)")
    assets_url: str = Field(default="http://127.0.0.1:8003", description="Base URL of assets (/api/v1/assets)")
    reporting_url: str = Field(default="http://127.0.0.1:8004", description="Base URL of reporting (/api/v1/reports)")
    readiness_timeout_seconds: float = Field(default=2.0, gt=0, description="How long /readyz waits for each upstream")

    @field_validator("org_url", "personnel_url", "assets_url", "reporting_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    def upstreams(self) -> tuple[UpstreamService, ...]:
        """Every service behind the gateway, in the order /readyz reports them."""
        return (
            UpstreamService("org", "org-structure", self.org_url),
            UpstreamService("personnel", "personnel", self.personnel_url),
            UpstreamService("assets", "assets", self.assets_url),
            UpstreamService("reports", "reporting", self.reporting_url),
        )
