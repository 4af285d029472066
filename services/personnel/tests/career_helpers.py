"""Builders for the career events' tests."""

from __future__ import annotations

from typing import Any

import httpx

DECISION = {"number": "125/QĐ-UBND", "date": "2025-06-20", "signer": "Chủ tịch UBND tỉnh", "issuer": "UBND tỉnh Cao Bằng"}
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def event_body(person_id: str, type: str = "recruitment", **changes: Any) -> dict[str, Any]:
    return {"person_id": person_id, "type": type, "effective_date": "2025-07-01", "decision": DECISION} | changes


async def record(client: httpx.AsyncClient, person_id: str, type: str = "recruitment", **changes: Any) -> dict[str, Any]:
    response = await client.post("/career-events", json=event_body(person_id, type, **changes))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def put_document(client: httpx.AsyncClient, event: dict[str, Any], content: bytes, **headers: str) -> httpx.Response:
    sent = {"Content-Type": "application/pdf", "If-Match": f'"{event["version"]}"'} | headers
    return await client.put(f"/career-events/{event['id']}/document", content=content, headers=sent)
