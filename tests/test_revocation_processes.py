"""A revoked access token is refused by a service called directly, within its refresh interval.

The gateway publishes the ids of revoked, unexpired access tokens (``/api/v1/auth/revoked``);
each service fetches the list beside the JWKS every ``HAICAP_<SERVICE>_REVOCATION_REFRESH_SECONDS``
and answers 401 ``token_revoked``. Until issue 12, a signed-out token kept working at a service
called on its own port until it expired (10 minutes).
"""

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from haicap_shared.testing import assert_problem

from .stack_support import free_ports
from .test_gateway_processes import wait_until_up

pytestmark = pytest.mark.processes

BIN = Path(sys.executable).parent
REFRESH_SECONDS = 1.0


@pytest.fixture(scope="module")
def processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """org-structure and the gateway as real processes; yields their URLs and an admin's password."""
    org_port, gateway_port = free_ports(2)
    var = tmp_path_factory.mktemp("revocation")
    gateway = f"http://127.0.0.1:{gateway_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAICAP_")}
    env |= {
        "HAICAP_ORG_VAR_DIR": str(var),
        "HAICAP_ORG_PORT": str(org_port),
        "HAICAP_ORG_JWKS_URL": f"{gateway}/api/v1/auth/jwks",
        "HAICAP_ORG_REVOCATION_REFRESH_SECONDS": str(REFRESH_SECONDS),
        "HAICAP_GATEWAY_VAR_DIR": str(var),
        "HAICAP_GATEWAY_PORT": str(gateway_port),
        "HAICAP_GATEWAY_ORG_URL": f"http://127.0.0.1:{org_port}",
    }
    password = secrets.token_urlsafe(16)
    log = var / "processes.log"
    org_cli, gateway_cli = str(BIN / "haicap-org"), str(BIN / "haicap-gateway")
    started: list[subprocess.Popen[bytes]] = []
    try:
        with log.open("ab") as out:
            for command in ([org_cli, "migrate"], [gateway_cli, "migrate"]):
                subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, check=True, timeout=120)
            subprocess.run(
                [gateway_cli, "create-admin", "--username", "admin", "--password-stdin"],
                input=f"{password}\n".encode(),
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=True,
                timeout=60,
            )
            started.append(subprocess.Popen([org_cli, "serve"], env=env, stdout=out, stderr=subprocess.STDOUT))
            started.append(subprocess.Popen([gateway_cli, "serve"], env=env, stdout=out, stderr=subprocess.STDOUT))
        wait_until_up(f"http://127.0.0.1:{org_port}", started[0], log)
        wait_until_up(gateway, started[1], log)
        yield f"http://127.0.0.1:{org_port}", gateway, password
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=10)


def test_a_signed_out_token_is_refused_directly_at_a_service_within_seconds(processes: tuple[str, str, str]) -> None:
    org, gateway, password = processes
    with httpx.Client(timeout=10, trust_env=False) as client:
        signed_in = client.post(
            f"{gateway}/api/v1/auth/token", data={"grant_type": "password", "username": "admin", "password": password}
        )
        assert signed_in.status_code == 200, signed_in.text
        bearer = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        other = client.post(
            f"{gateway}/api/v1/auth/token", data={"grant_type": "password", "username": "admin", "password": password}
        ).json()["access_token"]
        assert client.get(f"{org}/audit-events", headers=bearer).status_code == 200
        assert client.post(f"{gateway}/api/v1/auth/logout", headers=bearer).status_code == 204
        signed_out = time.monotonic()
        while True:
            response = client.get(f"{org}/audit-events", headers=bearer)
            if response.status_code != 200:
                break
            assert time.monotonic() - signed_out < REFRESH_SECONDS + 2, "still accepted after the refresh interval"
            time.sleep(0.1)
        assert_problem(response, 401, "token_revoked")
        # NOTE: the other session of the same user is not affected.
        assert client.get(f"{org}/audit-events", headers={"Authorization": f"Bearer {other}"}).status_code == 200
        # NOTE: and through the gateway it is refused too, with the same code.
        assert_problem(client.get(f"{gateway}/api/v1/org/audit-events", headers=bearer), 401, "token_revoked")
