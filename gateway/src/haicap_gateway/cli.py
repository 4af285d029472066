"""``haicap-gateway``: migrate, serve, relay identity's change feed, and manage who may sign in.

``relay`` is the shared relay (:mod:`haicap_shared.events.relay`) on the gateway's database:
it delivers identity's events (users, service accounts) to NATS (subjects
``haicap.identity.<province or national>.<kind>.<past tense>``) and to the webhook subscriptions
made at ``/api/v1/auth/webhook-subscriptions``.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
import uuid
from pathlib import Path

from pydantic import ValidationError

from haicap_shared.cli import Command, run_service_cli
from haicap_shared.errors import AppError
from haicap_shared.settings import ServiceSettings

from .identity import commands
from .identity.events import SERVICE as EVENT_SERVICE
from .identity.passwords import MIN_PASSWORD_LENGTH
from .settings import GatewaySettings

MIGRATIONS = Path(__file__).parent / "migrations"


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        print("create-admin: the passwords differ", file=sys.stderr)
        return None
    return first


def _commands(parsers: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]
    # NOTE: the shared relay names the service after the process (gateway); what the gateway
    # publishes is identity, and its NATS subjects and stream say so, as its event types do.
    parsers.choices["relay"].set_defaults(service=EVENT_SERVICE)

    admin = parsers.add_parser("create-admin", help="create an admin user (the password is read, never defaulted)")
    admin.add_argument("--username", required=True)
    admin.add_argument("--display-name", default=None, help="defaults to the username")
    admin.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    admin.add_argument(
        "--reset-if-exists",
        action="store_true",
        help="give an existing admin this password (and end its sessions) instead of failing",
    )

    demo = parsers.add_parser("create-demo-users", help="one user per role for a province, with generated passwords printed once")
    demo.add_argument("--province", required=True, help="province code, e.g. 04 (Cao Bằng)")
    demo.add_argument("--commune", default=None, help="the commune officer's commune (known for 04: 01304, Xã Quảng Lâm)")
    demo.add_argument("--json", action="store_true", help="print JSON (for scripts) instead of a table")
    demo.add_argument(
        "--agency", default=None, help="the agency officer's agency id (default: a placeholder, demo-agency-<province>)"
    )
    demo.add_argument(
        "--staff-person",
        default=None,
        type=uuid.UUID,
        help="also the staff user demo<province>-staff, this person (their id in personnel) reading their own dossier",
    )

    account = parsers.add_parser("create-service-account", help="create a service account; its secret is printed once")
    account.add_argument("--client-id", required=True)
    account.add_argument("--description", default="")
    account.add_argument(
        "--system-code",
        default=None,
        help="the consuming system's code at the data-sharing platform, e.g. VN:GOV:000.00.00.H12:HAICAP (X-Road) "
        "or an LGSP partner code; its tokens carry it and every call records it",
    )
    account.add_argument(
        "--reset-if-exists", action="store_true", help="give an existing account a new secret instead of failing"
    )

    def create_admin(args: argparse.Namespace, settings: ServiceSettings) -> int:
        password = _read_password(args)
        if password is None:
            return 2
        if len(password) < MIN_PASSWORD_LENGTH:
            print(f"create-admin: the password needs at least {MIN_PASSWORD_LENGTH} characters", file=sys.stderr)
            return 2
        try:
            created = asyncio.run(
                commands.create_admin(
                    settings.resolved_database_url(),
                    args.username,
                    args.display_name or args.username,
                    password,
                    public_base_url=settings.public_base_url,
                    reset=args.reset_if_exists,
                )
            )
        except (AppError, ValidationError) as exc:
            print(f"create-admin: {exc}", file=sys.stderr)
            return 1
        print(f"{'created' if created else 'reset the password of'} admin {args.username}")
        return 0

    def create_demo_users(args: argparse.Namespace, settings: ServiceSettings) -> int:
        commune = args.commune or commands.DEMO_COMMUNES.get(args.province, (None, ""))[0]
        if commune is None:
            print(f"create-demo-users: no demo commune known for province {args.province}; pass --commune", file=sys.stderr)
            return 2
        agency = args.agency or commands.demo_agency_id(args.province)
        try:
            made = asyncio.run(
                commands.create_demo_users(
                    settings.resolved_database_url(),
                    args.province,
                    commune,
                    agency,
                    public_base_url=settings.public_base_url,
                    staff_person=args.staff_person,
                )
            )
        except (AppError, ValidationError) as exc:
            print(f"create-demo-users: {exc}", file=sys.stderr)
            return 1
        if args.json:
            print(json.dumps([u.as_json() for u in made], ensure_ascii=False))
            return 0
        rows = [("username", "role", "area", "password")]
        rows += [(u.username, u.role.value, u.area_text(), u.password or "(exists; unchanged)") for u in made]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        return 0

    def create_service_account(args: argparse.Namespace, settings: ServiceSettings) -> int:
        try:
            secret = asyncio.run(
                commands.create_service_account(
                    settings.resolved_database_url(),
                    args.client_id,
                    args.description,
                    public_base_url=settings.public_base_url,
                    reset=args.reset_if_exists,
                    system_code=args.system_code,
                )
            )
        except AppError as exc:
            print(f"create-service-account: {exc}", file=sys.stderr)
            return 1
        print(f"client_id={args.client_id}")
        print(f"client_secret={secret}")
        return 0

    return {
        "create-admin": create_admin,
        "create-demo-users": create_demo_users,
        "create-service-account": create_service_account,
    }


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        prog="haicap-gateway",
        settings=GatewaySettings(),
        app_factory="haicap_gateway.app:create_app",
        migrations=MIGRATIONS,
        extra=_commands,
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
