"""assets as reporting reads it: what the communes hold, car norms, dispositions, gaps, holdings; its procedure dossiers."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from haicap_shared.http import ServiceClient

from .base import Read, read
from .dossiers import DossierStats, dossier_stats

DispositionStatus = Literal["proposed", "submitted", "approved", "rejected", "executed"]


class CommuneHoldings(BaseModel):
    """What the communes hold, as assets' ``/stats/summary`` names it.

    The one list of these figures: read here, and shown under the same names by the province
    summary and the national roll-up (``SummaryAssets``, ``NationalAssets``), so a figure means
    the same thing in all three.
    """

    premises_held_by_communes: int = Field(description="Premises (cơ sở nhà, đất) held by the communes or their agencies")
    general_work_cars_held_by_communes: int = Field(description="Cars allocated for general work")
    specialised_cars_held_by_communes: int = Field(description="Cars allocated as specialised cars (ambulances, ...)")
    all_cars_held_by_communes: int = Field(description="Every car, whatever its purpose")
    assets_held_by_communes: int = Field(description="Every asset: premises, cars, equipment")
    communes_holding_premises: int
    communes_holding_general_work_cars: int
    communes_holding_any_car: int


class AssetSummary(CommuneHoldings, Read):
    """``GET /stats/summary``: what the communes (or one commune) hold."""


class CarNormCounts(Read):
    """The communes of a place counted against the car norm."""

    communes: int
    communes_over_norm: int
    communes_under_norm: int


class CarNorms(CarNormCounts):
    """``GET /stats/car-norms``: general-work cars against the norm."""

    max_general_cars_per_commune: int | None


class DispositionRow(Read):
    form: str
    status: DispositionStatus
    priority_rank: int
    plans: int


class DispositionStats(Read):
    """``GET /stats/dispositions``: plans by form and step; overdue decisions; surplus without a plan."""

    rows: list[DispositionRow]
    overdue_decisions: int
    surplus_without_plan: dict[str, int]


class GapRow(Read):
    holder_id: str | None
    holder_name: str | None
    holder_valid_to: date | None
    kind: str
    assets: int


class Gaps(Read):
    """``GET /stats/gaps``: assets of holders no longer in force, with no plan."""

    total: int
    rows: list[GapRow]


class HoldingRow(Read):
    kind: str
    holder_commune_code: str | None = None
    assets: int
    residual_value: int


class Holdings(Read):
    """``GET /stats/holdings``: assets and their value by holder group."""

    rows: list[HoldingRow]


class AssetsSource:
    """assets, read through the gateway as reporting's account."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client
        self.name = client.name

    @staticmethod
    def _scope(province: str, as_of: date) -> dict[str, str]:
        return {"as_of": as_of.isoformat(), "province": province}

    async def summary(self, province: str, as_of: date, *, commune: str | None = None) -> AssetSummary:
        params = self._scope(province, as_of) | ({"commune": commune} if commune else {})
        return await read(self.client, AssetSummary, "/stats/summary", params=params)

    async def car_norms(self, province: str, as_of: date) -> CarNorms:
        return await read(self.client, CarNorms, "/stats/car-norms", params=self._scope(province, as_of))

    async def dispositions(self, province: str, as_of: date) -> DispositionStats:
        return await read(self.client, DispositionStats, "/stats/dispositions", params=self._scope(province, as_of))

    async def gaps(self, province: str, as_of: date) -> Gaps:
        return await read(self.client, Gaps, "/stats/gaps", params=self._scope(province, as_of))

    async def holdings_by_unit(self, province: str, as_of: date) -> Holdings:
        return await read(self.client, Holdings, "/stats/holdings", params=self._scope(province, as_of) | {"group_by": "unit"})

    async def dossier_stats(self, as_of: date, province: str, commune: str | None = None) -> DossierStats:
        return await dossier_stats(self.client, as_of, province, commune)
