"""The services reports are composed from, each reached through the gateway as reporting's account.

Reporting owns no source data: it reads the other services' aggregate endpoints (computed in
SQL there) with its service account, and applies the caller's area itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from haicap_shared.http import ClientCredentials, ServiceClient

from .settings import ReportingSettings


@dataclass(frozen=True)
class Sources:
    org: ServiceClient
    personnel: ServiceClient
    assets: ServiceClient

    @classmethod
    def from_settings(cls, settings: ReportingSettings, http: httpx.AsyncClient) -> Sources:
        credentials = ClientCredentials.from_settings(settings, http)
        base = settings.gateway_url.rstrip("/")

        def client(name: str, prefix: str) -> ServiceClient:
            return ServiceClient(
                name, f"{base}/api/v1/{prefix}", http, retries=settings.upstream_retries, credentials=credentials
            )

        return cls(
            org=client("org-structure", "org"), personnel=client("personnel", "personnel"), assets=client("assets", "assets")
        )
