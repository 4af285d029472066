"""``haicap-gateway relay``: identity's events leave the gateway's outbox for NATS JetStream.

NATS runs at 127.0.0.1:4222 (HAICAP_TEST_NATS_URL to change it); the process test publishes to a
stream and subjects of its own (a service name made for it), deleted after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nats
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy

from haicap_gateway.cli import _commands
from haicap_shared.events.jetstream import MSG_ID_HEADER, stream_name
from haicap_shared.events.relay import relay_arguments

NATS_URL = os.environ.get("HAICAP_TEST_NATS_URL", "nats://127.0.0.1:4222")
BIN = Path(sys.executable).parent
PREFIX = "TEST"
WAIT_SECONDS = 20.0


def test_the_relay_publishes_as_identity_by_default() -> None:
    """The subjects and the stream name what the gateway publishes (identity), as its event types do."""
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    relay_arguments(commands.add_parser("relay"), service="gateway")
    _commands(commands)
    assert parser.parse_args(["relay"]).service == "identity"
    assert parser.parse_args(["relay", "--service", "other"]).service == "other"


async def _messages(service: str, expected: int) -> list[nats.aio.msg.Msg]:
    """The stream's messages once it holds ``expected`` (fails after ``WAIT_SECONDS``)."""
    connection = await nats.connect(NATS_URL)
    try:
        js = connection.jetstream()
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                held = (await js.stream_info(stream_name(PREFIX, service))).state.messages
            except nats.js.errors.NotFoundError:
                held = 0
            if held >= expected:
                break
            assert time.monotonic() < deadline, f"{held} of {expected} messages after {WAIT_SECONDS} s"
            await asyncio.sleep(0.1)
        subscription = await js.pull_subscribe(
            f"haicap.{service}.>", durable=None, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
        )
        found: list[nats.aio.msg.Msg] = await subscription.fetch(held, timeout=5)
        assert held == expected
        return found
    finally:
        await connection.close()


async def _delete_stream(service: str) -> None:
    connection = await nats.connect(NATS_URL)
    try:
        await connection.jetstream().delete_stream(stream_name(PREFIX, service))
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await connection.close()


@pytest.mark.processes
def test_the_relay_command_delivers_identitys_events_to_jetstream(tmp_path: Path) -> None:
    service = f"identitytest{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAICAP_")} | {
        "HAICAP_GATEWAY_VAR_DIR": str(tmp_path),
        "HAICAP_EVENTS_NATS_URL": NATS_URL,
        "HAICAP_EVENTS_NATS_STREAM_PREFIX": PREFIX,
        "HAICAP_EVENTS_RELAY_IDLE_SECONDS": "0.05",
    }
    cli = str(BIN / "haicap-gateway")
    log = tmp_path / "relay.log"
    subprocess.run([cli, "migrate"], env=env, check=True, timeout=120, capture_output=True)
    made = subprocess.run(
        [cli, "create-service-account", "--client-id", "reporting"], env=env, check=True, timeout=60, capture_output=True
    )
    secret = made.stdout.decode().split("client_secret=")[1].strip()
    with log.open("wb") as out:
        relay = subprocess.Popen([cli, "relay", "--service", service], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        [message] = asyncio.run(_messages(service, 1))
        subprocess.run(
            [cli, "create-service-account", "--client-id", "reporting", "--reset-if-exists"],
            env=env,
            check=True,
            timeout=60,
            capture_output=True,
        )
        [_, renewed] = asyncio.run(_messages(service, 2))
    finally:
        relay.send_signal(signal.SIGTERM)
        code = relay.wait(timeout=20)
        asyncio.run(_delete_stream(service))
    assert code == 0, log.read_text()

    created, updated = json.loads(message.data), json.loads(renewed.data)
    assert (message.subject, renewed.subject) == (
        f"haicap.{service}.national.service_account.created",
        f"haicap.{service}.national.service_account.updated",
    )
    assert (message.headers or {}).get(MSG_ID_HEADER) == created["id"]
    assert created["type"] == "vn.gov.haicap.identity.service_account.created"
    assert created["data"]["record"]["client_id"] == updated["data"]["record"]["client_id"] == "reporting"
    assert updated["data"]["changed_fields"] == ["secret_changed"]
    for text in (message.data.decode(), renewed.data.decode()):
        assert secret not in text
        assert "secret_hash" not in text
