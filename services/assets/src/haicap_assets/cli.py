"""``haicap-assets``: migrate, serve, relay the change feed (to NATS and webhooks), and push procedure steps (``one-stop``)."""

from __future__ import annotations

from pathlib import Path

from haicap_shared.cli import run_service_cli
from haicap_shared.procedures.worker import one_stop_command

from .db import procedure_tables
from .settings import AssetsSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        prog="haicap-assets",
        settings=AssetsSettings(),
        app_factory="haicap_assets.app:create_app",
        migrations=MIGRATIONS,
        extra=lambda commands: one_stop_command(commands, procedure_tables),
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
