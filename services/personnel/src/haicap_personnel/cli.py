"""``haicap-personnel``: migrate and serve."""

from __future__ import annotations

from pathlib import Path

from haicap_shared.cli import run_service_cli

from .settings import PersonnelSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        prog="haicap-personnel",
        settings=PersonnelSettings(),
        app_factory="haicap_personnel.app:create_app",
        migrations=MIGRATIONS,
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
