"""ETags from row versions, and If-Match enforcement on writes."""

from __future__ import annotations

from fastapi import Request

from .errors import PreconditionFailed, PreconditionRequired


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(request: Request, current_version: int) -> None:
    """Refuse a write without If-Match (428) or with a stale one (412)."""
    header = request.headers.get("if-match")
    if header is None:
        raise PreconditionRequired("Send If-Match with the ETag you last read")
    if header.strip() == "*":
        return
    offered = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if etag(current_version) not in offered:
        raise PreconditionFailed(
            f"The resource is at version {current_version}; read it again and retry",
            current_etag=etag(current_version),
        )
