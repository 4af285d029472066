"""``haicap-reporting serve``: reporting has no database, hence no ``migrate``."""

from __future__ import annotations

from haicap_shared.cli import run_service_cli

from .settings import ReportingSettings


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        prog="haicap-reporting",
        settings=ReportingSettings(),
        app_factory="haicap_reporting.app:create_app",
        migrations=None,
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
