"""The shared linked data pieces: IRIs from codes and dates, legal bases as resources, ld+json negotiation."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from rdflib import Graph

from haicap_shared.linked_data import Iris, legal_basis_of, ntriples_of
from haicap_shared.linked_data.negotiation import prefers_jsonld

BASE = "https://haicap.example.vn"


def test_a_reused_code_gives_two_unit_iris() -> None:
    iris = Iris.of(BASE + "/")
    former, current = iris.unit("01273", None), iris.unit("01273", date(2025, 7, 1))
    assert (former, current) == (f"{BASE}/id/unit/01273", f"{BASE}/id/unit/01273/2025-07-01")
    agency = uuid.uuid4()
    assert iris.agency(agency, "000.00.01.H14", None) == f"{BASE}/id/agency/000.00.01.H14"
    assert iris.agency(agency, None, date(2025, 7, 1)) == f"{BASE}/id/agency/{agency}"
    assert iris.concept("unit-kind", "phuong") == f"{BASE}/id/unit-kind/phuong"


@pytest.mark.parametrize(
    ("text", "number", "issued"),
    [
        ("Nghị quyết 1657/NQ-UBTVQH15 ngày 16/06/2025 của Ủy ban Thường vụ Quốc hội", "1657/NQ-UBTVQH15", date(2025, 6, 16)),
        ("Nghị quyết 202/2025/QH15 ngày 12/06/2025 của Quốc hội", "202/2025/QH15", date(2025, 6, 12)),
        ("Quyết định 1234/QĐ-UBND ngày 30/6/2025", "1234/QĐ-UBND", date(2025, 6, 30)),
    ],
)
def test_a_legal_basis_is_named_by_its_number_and_date(text: str, number: str, issued: date) -> None:
    basis = legal_basis_of(BASE, text)
    assert (basis.number, basis.issued, basis.text) == (number, issued, text)
    assert basis.iri.startswith(f"{BASE}/id/legal-basis/")
    assert basis.iri.endswith(f"/{issued.isoformat()}")
    assert "/" not in basis.iri.removeprefix(f"{BASE}/id/legal-basis/").removesuffix(f"/{issued.isoformat()}")


@pytest.mark.parametrize(
    "text",
    ["Nghị quyết năm 2025 của Ủy ban Thường vụ Quốc hội", "Quyết định 12/QĐ-UBND ngày 31/02/2025", "ngày 16/06/2025"],
)
def test_a_legal_basis_without_number_or_date_is_named_by_its_text(text: str) -> None:
    basis = legal_basis_of(BASE, text)
    assert basis.iri.startswith(f"{BASE}/id/legal-basis/text-")
    assert basis.iri == legal_basis_of(BASE, text).iri
    assert basis.iri != legal_basis_of(BASE, text + ".").iri


@pytest.mark.parametrize(
    ("accept", "requested", "wanted"),
    [
        (None, None, False),
        ("*/*", None, False),
        ("application/json", None, False),
        ("application/ld+json", None, True),
        ('application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"', None, True),
        ("application/json;q=0.9, application/ld+json", None, True),
        ("application/json, application/ld+json;q=0.5", None, False),
        ("application/ld+json;q=0", None, False),
        ("application/ld+json;q=x", None, False),
        ("application/ld+json", "json", False),
        (None, "jsonld", True),
    ],
)
def test_negotiation(accept: str | None, requested: str | None, wanted: bool) -> None:
    assert prefers_jsonld(accept, requested) is wanted


def test_a_hostile_name_stays_a_literal() -> None:
    name = 'Xã "A"\n<script>x</script> {"@id": "http://evil.example/"} _:b0 .'
    node = {"@id": f"{BASE}/id/unit/01273/2025-07-01", "@type": "org:Organization", "name": name}
    graph = Graph().parse(data=ntriples_of([node]), format="nt")
    assert [str(o) for o in graph.objects() if str(o) == name] == [name]
    assert len(graph) == 2
