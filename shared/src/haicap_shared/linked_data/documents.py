"""The published context, pyld's document loader, and the JSON-LD and N-Triples writers.

pyld never goes to the network here: :func:`document_loader` answers the context's own URL
from the package's file and refuses any other URL (a document naming a remote context fails
instead of making the server fetch it).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping
from importlib import resources
from typing import Any

from pyld import jsonld  # type: ignore[import-untyped]

JSONLD = "application/ld+json"
NTRIPLES = "application/n-triples"
CONTEXT_PATH = "/linked-data/context.jsonld"
"""Where org-structure serves the context (published by the gateway under ``/api/v1/org``)."""

CONTEXT: dict[str, Any] = json.loads(resources.files(__package__).joinpath("context.jsonld").read_text(encoding="utf-8"))
"""The published context, as served: ``{"@context": {...}}``."""

RemoteDocument = dict[str, Any]
DocumentLoader = Callable[[str, Mapping[str, Any]], RemoteDocument]


class ContextNotServed(jsonld.JsonLdError):  # type: ignore[misc]
    """A document named a context other than ours: refused, never fetched."""


def context_url(base: str) -> str:
    """The published context's URL at a deployment (org-structure serves it, behind the gateway)."""
    # NOTE: one context for every service; org-structure, which owns the organisation, serves it.
    return f"{base.rstrip('/')}/api/v1/org{CONTEXT_PATH}"


def document_loader(*served_urls: str) -> DocumentLoader:
    """A pyld document loader answering ``served_urls`` with the package's context, refusing any other URL."""
    served = frozenset(served_urls)

    def load(url: str, options: Mapping[str, Any] | None = None) -> RemoteDocument:
        if url not in served:
            raise ContextNotServed(
                f"Only the published context is loaded, not {url[:200]!r}",
                "jsonld.LoadDocumentError",
                code="loading document failed",
            )
        return {"contentType": JSONLD, "contextUrl": None, "documentUrl": url, "document": CONTEXT}

    return load


def document(base: str, nodes: list[dict[str, Any]]) -> dict[str, Any]:
    """A JSON-LD document: the published context by URL and the nodes as its graph."""
    return {"@context": context_url(base), "@graph": nodes}


_INLINE_CONTEXT = CONTEXT["@context"]
_NO_DOCUMENTS = document_loader()


def ntriples_of(nodes: Iterable[Mapping[str, Any]]) -> str:
    """N-Triples of ``nodes`` (compacted with the published context), one node at a time.

    Every node and every node embedded in one has an ``@id``: blank node labels restart with
    each call of pyld, so a blank node would merge with another node's.
    """
    lines: list[str] = []
    for node in nodes:
        quads = jsonld.to_rdf(
            {"@context": _INLINE_CONTEXT, **node}, {"format": "application/n-quads", "documentLoader": _NO_DOCUMENTS}
        )
        lines.append(quads)
    return "".join(lines)


async def ntriples_stream(batches: AsyncIterable[list[dict[str, Any]]]) -> AsyncIterator[bytes]:
    """N-Triples of each batch of nodes, as it comes (pyld's work off the event loop)."""
    async for batch in batches:
        if batch:
            yield (await asyncio.to_thread(ntriples_of, batch)).encode()


async def jsonld_stream(base: str, batches: AsyncIterable[list[dict[str, Any]]]) -> AsyncIterator[bytes]:
    """One JSON-LD document, ``{"@context": ..., "@graph": [`` then the nodes as they come, then ``]}``."""
    yield (json.dumps({"@context": context_url(base)}, ensure_ascii=False)[:-1] + ', "@graph": [\n').encode()
    first = True
    async for batch in batches:
        for node in batch:
            yield (("" if first else ",\n") + json.dumps(node, ensure_ascii=False)).encode()
            first = False
    yield b"\n]}\n"
