"""``haicap-gateway``: serve (the gateway has no database, so nothing to migrate)."""

from __future__ import annotations

from haicap_shared.cli import run_service_cli

from .settings import GatewaySettings


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        prog="haicap-gateway",
        settings=GatewaySettings(),
        app_factory="haicap_gateway.app:create_app",
        migrations=None,
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
