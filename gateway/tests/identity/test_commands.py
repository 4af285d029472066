"""The operator's commands: creating an admin, and recovering one's access."""

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from haicap_gateway.cli import MIGRATIONS
from haicap_gateway.identity import commands
from haicap_gateway.identity.models import User
from haicap_gateway.identity.passwords import verify_password
from haicap_shared.db import null_pool_engine
from haicap_shared.errors import AppError
from haicap_shared.migrations import upgrade_to_head

BASE = "https://haicap.example"


async def _password_hash(url: str, username: str) -> str:
    engine = null_pool_engine(url)
    try:
        async with async_sessionmaker(engine)() as session:
            return (await session.scalars(select(User.password_hash).where(User.username == username))).one()
    finally:
        await engine.dispose()


async def test_create_admin_then_reset_its_password(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    await upgrade_to_head(MIGRATIONS, url)
    assert await commands.create_admin(url, "operator", "Operator", "first-password-1", public_base_url=BASE) is True
    with pytest.raises(AppError, match="taken"):
        await commands.create_admin(url, "operator", "Operator", "second-password-2", public_base_url=BASE)
    assert await verify_password("first-password-1", await _password_hash(url, "operator"))

    assert (
        await commands.create_admin(url, "operator", "Operator", "second-password-2", public_base_url=BASE, reset=True) is False
    )
    stored = await _password_hash(url, "operator")
    assert await verify_password("second-password-2", stored)
    assert not await verify_password("first-password-1", stored)
