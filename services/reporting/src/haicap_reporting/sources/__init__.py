"""The services reports are composed from, each reached through the gateway as reporting's account.

Reporting owns no source data: it reads the other services' aggregate endpoints (computed in
SQL there) with its service account, and applies the caller's area itself. Each source is a
typed client (``org``, ``personnel``, ``assets`` here) returning the small models of what
reporting reads, so a producer's change of a field reporting needs fails in one place.
``events`` holds each one's change feed (:mod:`.events`), by the short name the commune
profile shows its sequence under (``org``, ``personnel``, ``assets``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from haicap_shared.http import ClientCredentials, ServiceClient

from ..settings import ReportingSettings
from .assets import AssetsSource
from .events import EventsSource
from .org import OrgSource
from .personnel import PersonnelSource


@dataclass(frozen=True)
class Sources:
    org: OrgSource
    personnel: PersonnelSource
    assets: AssetsSource
    events: Mapping[str, EventsSource]

    @classmethod
    def from_settings(cls, settings: ReportingSettings, http: httpx.AsyncClient) -> Sources:
        credentials = ClientCredentials.from_settings(settings, http)
        base = settings.gateway_url.rstrip("/")

        def client(name: str, prefix: str) -> ServiceClient:
            return ServiceClient(
                name, f"{base}/api/v1/{prefix}", http, retries=settings.upstream_retries, credentials=credentials
            )

        org, personnel, assets = client("org-structure", "org"), client("personnel", "personnel"), client("assets", "assets")
        return cls(
            org=OrgSource(org),
            personnel=PersonnelSource(personnel),
            assets=AssetsSource(assets),
            events={"org": EventsSource(org), "personnel": EventsSource(personnel), "assets": EventsSource(assets)},
        )
