"""``haicap-assets``: migrate, serve, and relay the change feed (to NATS and webhooks)."""

from __future__ import annotations

from pathlib import Path

from haicap_shared.cli import run_service_cli

from .settings import AssetsSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        prog="haicap-assets",
        settings=AssetsSettings(),
        app_factory="haicap_assets.app:create_app",
        migrations=MIGRATIONS,
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
