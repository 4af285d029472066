"""Stable IRIs of the organisation, built from official codes and dates.

Every IRI is ``<public_base_url>/id/<kind>/...``:

- a unit: ``/id/unit/<code>/<valid_from>`` (``/id/unit/<code>`` when valid since the
  beginning): a code passes to a successor (01273 is Phường Hợp Giang, then Phường Thục
  Phán), so the date tells them apart;
- an agency: ``/id/agency/<electronic id code>/<valid_from>`` when it has the national code,
  else ``/id/agency/<id>``;
- a change: ``/id/change/<id>`` (a change has no official code of its own);
- a legal basis (the resolution or decision as a resource): ``/id/legal-basis/<number>/<date>``
  (the number's ``/`` as ``-``), else ``/id/legal-basis/text-<sha256 of the text>``;
- a post, a site: ``/id/post/<id>``, ``/id/site/<id>``;
- a classification concept: ``/id/unit-kind/<kind>``, ``/id/agency-kind/<kind>``,
  ``/id/change-kind/<kind>``.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

# NOTE: a document number: digits, then slash-separated parts ("202/2025/QH15", "1657/NQ-UBTVQH15");
# a date written "ngày 16/06/2025" is the date, not a number.
_NUMBER = re.compile(r"(?<!ngày )(?<![\d/])\d{1,6}(?:/[\w.-]{1,30}){1,4}")
_SIGNED_ON = re.compile(r"ngày\s+(\d{1,2})/(\d{1,2})/(\d{4})")


def _segment(value: str) -> str:
    """One path segment: unreserved characters kept, everything else percent-encoded."""
    return quote(value, safe="-._~")


@dataclass(frozen=True)
class LegalBasis:
    """A resolution or decision named by a change's legal basis: its IRI, number and date when readable."""

    iri: str
    number: str | None
    issued: date | None
    text: str


def legal_basis_of(base: str, text: str) -> LegalBasis:
    """The document a legal basis names: by number and date when both are in the text, else by the text's hash."""
    number = _NUMBER.search(text)
    signed = _SIGNED_ON.search(text)
    issued: date | None = None
    if signed is not None:
        try:
            issued = date(int(signed[3]), int(signed[2]), int(signed[1]))
        except ValueError:
            issued = None
    if number is not None and issued is not None:
        iri = f"{base}/id/legal-basis/{_segment(number[0].replace('/', '-'))}/{issued.isoformat()}"
        return LegalBasis(iri=iri, number=number[0], issued=issued, text=text)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return LegalBasis(iri=f"{base}/id/legal-basis/text-{digest}", number=number[0] if number else None, issued=issued, text=text)


@dataclass(frozen=True)
class Iris:
    """The IRI builders of one deployment (``base``: the gateway as the outside world reaches it)."""

    base: str

    @classmethod
    def of(cls, public_base_url: str) -> Iris:
        return cls(public_base_url.rstrip("/"))

    def _dated(self, kind: str, code: str, valid_from: date | None) -> str:
        iri = f"{self.base}/id/{kind}/{_segment(code)}"
        return iri if valid_from is None else f"{iri}/{valid_from.isoformat()}"

    def unit(self, code: str, valid_from: date | None) -> str:
        """A unit by its official code and the first day it held it."""
        return self._dated("unit", code, valid_from)

    def agency(self, agency_id: uuid.UUID, electronic_id_code: str | None, valid_from: date | None) -> str:
        """An agency by its electronic identifier code (and first day) when it has one, else by its id."""
        if electronic_id_code:
            return self._dated("agency", electronic_id_code, valid_from)
        return f"{self.base}/id/agency/{agency_id}"

    def unit_of(self, unit: Any) -> str:
        """The IRI of a unit as org-structure describes it (anything with ``code`` and ``valid_from``)."""
        return self.unit(unit.code, unit.valid_from)

    def agency_of(self, agency: Any) -> str:
        """The IRI of an agency as org-structure describes it (``id``, ``valid_from``, ``electronic_id_code``)."""
        return self.agency(agency.id, getattr(agency, "electronic_id_code", None), agency.valid_from)

    def change(self, change_id: uuid.UUID) -> str:
        return f"{self.base}/id/change/{change_id}"

    def legal_basis(self, text: str) -> LegalBasis:
        return legal_basis_of(self.base, text)

    def post(self, post_id: uuid.UUID) -> str:
        return f"{self.base}/id/post/{post_id}"

    def site(self, site_id: uuid.UUID) -> str:
        return f"{self.base}/id/site/{site_id}"

    def concept(self, scheme: str, value: str) -> str:
        """A classification concept (``unit-kind``, ``agency-kind``, ``change-kind``, ``post-kind``...)."""
        return f"{self.base}/id/{scheme}/{_segment(value)}"
