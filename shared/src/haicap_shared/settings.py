"""Settings common to every service, read from environment variables.

Each service subclasses :class:`ServiceSettings` (or :class:`ProcessSettings`, when it has no
database) with its own prefix (``HAICAP_ORG_``, ``HAICAP_PERSONNEL_``...), so one environment
can configure all of them side by side.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .tabular import ImportLimits


def default_var_dir() -> Path:
    """Where SQLite files live by default: ``var/`` in the working directory."""
    return Path("var")


class ProcessSettings(BaseSettings):
    """What every process needs: where it listens, how it logs, where the gateway and its keys are."""

    model_config = SettingsConfigDict(env_prefix="HAICAP_", extra="ignore")

    service_name: str = "service"
    var_dir: Path = Field(default_factory=default_var_dir)
    host: str = "127.0.0.1"
    port: int = 8000
    forwarded_allow_ips: str = Field(
        default="",
        description="Proxies whose X-Forwarded-For/-Proto are trusted (addresses or networks, comma-separated); "
        "empty: none, the connection's own address counts",
    )
    log_level: str = "INFO"
    gateway_url: str = Field(default="http://127.0.0.1:8000", description="Where other services are reached.")
    max_body_bytes: int = Field(default=50 * 1024 * 1024, gt=0, description="Largest request body, in bytes")
    max_import_body_bytes: int = Field(
        default=200 * 1024 * 1024,
        gt=0,
        description="Largest request body on import, export and bulk paths, in bytes (as the gateway's; an import's own "
        "limit is imports.max_upload_bytes)",
    )
    upstream_timeout_seconds: float = Field(default=10.0, gt=0)
    upstream_retries: int = Field(default=2, ge=0, le=5)
    jwks_url: str = Field(
        default="http://127.0.0.1:8000/api/v1/auth/jwks",
        description="Where the gateway publishes the public keys that sign access tokens",
    )
    jwks: str = Field(default="", description="A JWKS (JSON) to trust instead of fetching jwks_url")
    revocations_url: str | None = Field(
        default=None,
        description="Where the gateway publishes the revoked access tokens; unset: beside jwks_url "
        "(.../revoked; not checked with a fixed jwks); empty: not checked",
    )
    revocation_refresh_seconds: float = Field(
        default=5.0, gt=0, description="How often the revoked access tokens are fetched again"
    )
    jwt_issuer: str = "haicap"
    jwt_audience: str = "haicap-api"
    client_id: str = Field(default="", description="This service's account at the gateway (client credentials); empty: none")
    client_secret: SecretStr = Field(default=SecretStr(""), description="That account's secret")
    token_url: str = Field(
        default="http://127.0.0.1:8000/api/v1/auth/token", description="Where the service asks the gateway for a token"
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The gateway as the outside world reaches it: the base of absolute links this process publishes "
        "(an event's dataschema)",
    )
    public_token_url: str = Field(
        default="http://127.0.0.1:8000/api/v1/auth/token",
        description='The gateway\'s token endpoint as a browser reaches it: where the "Authorize" button of this '
        "service's /docs signs in (the OpenAPI password flow's tokenUrl)",
    )
    imports: ImportLimits = Field(
        default_factory=ImportLimits,
        description="Limits of CSV/XLSX imports (upload size, line length, rows, XLSX sizes, concurrent imports), "
        "as JSON: HAICAP_<SERVICE>_IMPORTS='{\"max_rows\": 200000}'",
    )

    def resolved_revocations_url(self) -> str | None:
        """The URL of the revocation list, or None when revocations are not checked."""
        if self.revocations_url is not None:
            return self.revocations_url or None
        if self.jwks:
            return None
        base, _, last = self.jwks_url.rstrip("/").rpartition("/")
        return f"{base}/revoked" if last == "jwks" else None


class ServiceSettings(ProcessSettings):
    """A process with a database of its own: where it is, and what the shared tables keep."""

    database_url: str = Field(
        default="",
        description="SQLAlchemy URL. Empty: a SQLite file var/<service>.db. "
        "postgresql://... or postgresql+asyncpg://... selects PostgreSQL.",
    )
    database_read_url: str = Field(
        default="",
        description="SQLAlchemy URL of a read replica (PostgreSQL streaming replication) the statistics routes read from; "
        "empty: they read the primary (database_url)",
    )
    # NOTE: 5 kept by default: the processes of one server (make run, the test stacks) share one PostgreSQL
    # of 100 connections, which 10 kept per process used up when two replicas of two services ran
    # (tests/test_scale_out.py). A deployment whose server has the connections keeps 10 where a report
    # sends 10 calls at once (org-structure: deploy/k8s/base/config.yaml, deploy/SCALING.md).
    database_pool_size: int = Field(
        default=5, ge=1, le=200, description="Connections each engine (the primary's, the replica's) keeps open per process"
    )
    database_max_overflow: int = Field(
        default=10,
        ge=0,
        le=200,
        description="Connections each engine may open beyond database_pool_size under load, closed again when returned",
    )
    database_jit: bool = Field(
        default=False,
        description="PostgreSQL's JIT compilation of this service's queries (the server's jit setting); off by default: "
        "compiled again on every execution, it made the country's statistics slower, not faster",
    )
    database_parallel_for_one_area: bool = Field(
        default=False,
        description="Whether a statistic of one province or commune (its province or commune parameter) may use "
        "PostgreSQL's parallel workers; off by default: a report asks for up to 10 such figures at once, and the "
        "workers only added CPU (the country's statistics keep them)",
    )
    log_sql: bool = False
    idempotency_ttl_hours: int = Field(default=24, ge=1, le=24 * 30)

    @field_validator("database_url", "database_read_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return async_database_url(value) if value else value

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / f'{self.service_name}.db').resolve()}"

    def resolved_read_url(self) -> str | None:
        """The replica's URL, or None when the statistics read the primary."""
        return self.database_read_url or None


def async_database_url(url: str) -> str:
    """Accept the plain URL forms operators write and pick the async driver for them."""
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url
