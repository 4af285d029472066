"""The organisation as linked open data: the published JSON-LD context and its document loader,
the stable IRIs every service builds (units, agencies, changes, legal bases, posts, sites),
content negotiation of ``application/ld+json`` and the streamed JSON-LD and N-Triples writers.

Vocabulary: W3C ORG (``org:``), Popolo's dates (``schema:validFrom``/``schema:validUntil``),
Dublin Core (``dcterms:``), PROV (``prov:``), SKOS labels. The context is a file of this
package (``context.jsonld``); pyld never fetches anything: :func:`document_loader` serves
that file and refuses every other URL.
"""

from .documents import (
    CONTEXT,
    CONTEXT_PATH,
    JSONLD,
    NTRIPLES,
    ContextNotServed,
    context_url,
    document,
    document_loader,
    jsonld_stream,
    ntriples_of,
    ntriples_stream,
)
from .iris import Iris, LegalBasis, legal_basis_of
from .negotiation import JsonLdResponse, JsonLdWanted, LinkedData, jsonld_response, jsonld_responses, linked_data
from .references import read_each

__all__ = [
    "CONTEXT",
    "CONTEXT_PATH",
    "JSONLD",
    "NTRIPLES",
    "ContextNotServed",
    "Iris",
    "JsonLdResponse",
    "JsonLdWanted",
    "LegalBasis",
    "LinkedData",
    "context_url",
    "document",
    "document_loader",
    "jsonld_response",
    "jsonld_responses",
    "jsonld_stream",
    "legal_basis_of",
    "linked_data",
    "ntriples_of",
    "ntriples_stream",
    "read_each",
]
