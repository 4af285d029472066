"""Query values of the linked data export."""

from __future__ import annotations

import enum


class ExportFormat(enum.StrEnum):
    """How the province's export is written."""

    JSONLD = "jsonld"
    NTRIPLES = "nt"
