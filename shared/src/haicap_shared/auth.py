"""Who is calling.

Until sign-in lands (the gateway and security issue) every caller is the anonymous
principal; routes already depend on :data:`CurrentPrincipal`, so the audit log and later
the access rules get the real caller without changing any route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    role: str | None = None


ANONYMOUS = Principal(subject="anonymous", role=None)


async def current_principal() -> Principal:
    return ANONYMOUS


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
