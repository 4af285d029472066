from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from .identity.settings import IdentitySettings


@dataclass(frozen=True, slots=True)
class UpstreamService:
    """A service behind the gateway: published under ``/api/v1/<prefix>``, reached at one of ``urls`` (replicas)."""

    prefix: str
    name: str
    urls: tuple[str, ...]

    @property
    def public_path(self) -> str:
        return f"/api/v1/{self.prefix}"

    @property
    def base_url(self) -> str:
        """The first replica's URL."""
        return self.urls[0]


_LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def _url_list(value: str) -> tuple[str, ...]:
    return tuple(url.strip().rstrip("/") for url in value.split(",") if url.strip())


class GatewaySettings(IdentitySettings):
    """The gateway's settings, from ``HAICAP_GATEWAY_*`` variables (e.g. ``HAICAP_GATEWAY_ORG_URL``)."""

    model_config = SettingsConfigDict(env_prefix="HAICAP_GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    port: int = 8000
    org_url: str = Field(default="http://127.0.0.1:8001", description="Base URL of org-structure (/api/v1/org)")
    personnel_url: str = Field(default="http://127.0.0.1:8002", description="Base URL of personnel (/api/v1/personnel)")
    assets_url: str = Field(default="http://127.0.0.1:8003", description="Base URL of assets (/api/v1/assets)")
    reporting_url: str = Field(default="http://127.0.0.1:8004", description="Base URL of reporting (/api/v1/reports)")
    readiness_timeout_seconds: float = Field(default=2.0, gt=0, description="How long /readyz waits for each upstream")
    # NOTE: data plane (replicas, timeouts, limits, CORS, gzip, client); each *_url above may
    # list several replicas, comma-separated.
    replica_set_aside_seconds: float = Field(
        default=5.0, ge=0, description="How long a replica that refused a connection is skipped"
    )
    connect_timeout_seconds: float = Field(default=3.0, gt=0, description="How long a connection to a replica may take")
    read_timeout_seconds: float = Field(default=10.0, gt=0, description="GET/HEAD/OPTIONS: time for the upstream to answer")
    write_timeout_seconds: float = Field(default=30.0, gt=0, description="POST/PUT/PATCH/DELETE: time for the upstream to answer")
    long_timeout_seconds: float = Field(
        default=120.0, gt=0, description="The most an operation may declare (x-haicap-timeout-seconds in its service's OpenAPI)"
    )
    deadlines_from_openapi: bool = Field(
        default=True,
        description="Wait for each operation as long as its service's OpenAPI declares (x-haicap-timeout-seconds); "
        "false: the read or write default for every operation",
    )
    deadline_refresh_seconds: float = Field(
        default=300.0, gt=0, description="How often a service's OpenAPI is read again for its operations' deadlines"
    )
    max_body_bytes: int = Field(default=50 * 1024 * 1024, gt=0, description="Largest request body, in bytes")
    max_import_body_bytes: int = Field(
        default=200 * 1024 * 1024,
        gt=0,
        description="Largest body on import and bulk paths (the services' imports.max_upload_bytes is the same by default)",
    )
    cors_origins: str = Field(default="", description="Frontend origins allowed by CORS, comma-separated; empty: none")
    gzip_min_bytes: int = Field(default=1024, ge=0, description="Smallest JSON response the gateway compresses")
    upstream_client: Literal["aiohttp", "httpx"] = Field(default="aiohttp", description="The HTTP client of the hot path")
    openapi_cache_seconds: float = Field(default=30.0, ge=0, description="How long the merged OpenAPI is reused")
    public_token_url: str = Field(
        default="/api/v1/auth/token", description='Where the "Authorize" button of /docs signs in: here'
    )
    service_docs_cors: bool = Field(
        default=True,
        description="Let the services' own /docs pages (the origins of the service URLs above) call the gateway by CORS, "
        'so their "Authorize" button signs in here',
    )
    access_log: bool = Field(
        default=True,
        description="One JSON line per request (logger haicap.access, at INFO); false where the ingress logs requests",
    )

    @field_validator("org_url", "personnel_url", "assets_url", "reporting_url")
    @classmethod
    def _replica_urls(cls, value: str) -> str:
        urls = _url_list(value)
        if not urls:
            raise ValueError("at least one URL is needed")
        return ",".join(urls)

    def cors_origin_list(self) -> list[str]:
        """The configured CORS origins (empty: CORS is off)."""
        return [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]

    def service_docs_origins(self) -> list[str]:
        """The origins of the services' own /docs pages (their URLs), when ``service_docs_cors`` is on.

        NOTE: a browser on the same machine may name a loopback service 127.0.0.1 or localhost.
        """
        if not self.service_docs_cors:
            return []
        origins: list[str] = []
        for service in self.upstreams():
            for url in service.urls:
                parts = urlsplit(url)
                if parts.hostname in _LOOPBACK_NAMES:
                    port = f":{parts.port}" if parts.port else ""
                    origins += [f"{parts.scheme}://{host}{port}" for host in _LOOPBACK_NAMES]
                else:
                    origins.append(f"{parts.scheme}://{parts.netloc}")
        return list(dict.fromkeys(origins))

    def upstreams(self) -> tuple[UpstreamService, ...]:
        """Every service behind the gateway, in the order /readyz reports them."""
        return (
            UpstreamService("org", "org-structure", _url_list(self.org_url)),
            UpstreamService("personnel", "personnel", _url_list(self.personnel_url)),
            UpstreamService("assets", "assets", _url_list(self.assets_url)),
            UpstreamService("reports", "reporting", _url_list(self.reporting_url)),
        )
