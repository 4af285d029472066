"""Password and secret hashing (Argon2id via pwdlib), off the event loop."""

from __future__ import annotations

import asyncio
import hashlib
import secrets

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_hasher = PasswordHash((Argon2Hasher(),))

# NOTE: checked against when the username is unknown, so an unknown user costs the same
# Argon2 work as a wrong password and the two cannot be told apart by timing.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

MIN_PASSWORD_LENGTH = 10


async def hash_password(password: str) -> str:
    # NOTE: Argon2 takes tens of milliseconds of CPU on purpose; in a thread, so the event
    # loop keeps serving other requests meanwhile.
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether ``password`` matches; with no hash (unknown user) the same work is done, and False returned."""
    if password_hash is None:
        await asyncio.to_thread(_hasher.verify, password, _DUMMY_HASH)
        return False
    return await asyncio.to_thread(_hasher.verify, password, password_hash)


def generate_password() -> str:
    """A random password to print once (demo users, service account secrets)."""
    # NOTE: never starting with "-", which a command line would take for an option.
    while (password := secrets.token_urlsafe(18))[0] in "-_":
        pass
    return password


def token_digest(token: str) -> str:
    """How an opaque token (a refresh token) is stored: SHA-256, since it is random and long already."""
    return hashlib.sha256(token.encode()).hexdigest()
