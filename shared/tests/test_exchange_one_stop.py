"""The one-stop push's pieces without a database: the mapping, its JSON Schema, the back-off, the transport.

The transport is tried against the stand-in one-stop receiver started as a real process
(``python -m haicap_scenario.one_stop_receiver``): sign-in once and the session kept, both
spellings of success, a rejection's message, a refused session signed in again, an outage.
"""

from __future__ import annotations

import random
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]
import pytest
from haicap_scenario.one_stop_receiver import ReceiverProcess

from haicap_shared.exchange.adapters import FileAdapter, make_adapter
from haicap_shared.exchange.one_stop import OneStopAdapter, integration_body
from haicap_shared.exchange.outcomes import backoff_seconds
from haicap_shared.procedures import one_stop
from haicap_shared.procedures.settings import OneStopSettings
from haicap_shared.procedures.status import ProcedureStatus
from haicap_shared.procedures.worker import ID_KEY, push_adapter
from haicap_shared.workdays import VIETNAM, add_working_days, local_date

USERNAME, PASSWORD = "haicap-04", "-s3cret"  # NOTE: a password that begins with "-" reaches the receiver intact
UNIT = "000.00.00.H12"
RECEIVED_AT = datetime(2026, 4, 24, 2, 30, tzinfo=UTC)  # a Friday before Hùng Kings' day (observed) and 30 April
DUE = add_working_days(local_date(RECEIVED_AT), 3)


def pushed(
    status: ProcedureStatus, position: int, at: datetime, *, note: str | None = None, code: str = "H12-1"
) -> one_stop.PushedStep:
    return one_stop.PushedStep(
        step_id=uuid.uuid4(),
        position=position,
        status=status,
        occurred_at=at,
        due_date=DUE,
        note=note,
        actor="nguyen.van.a",
        dossier_code=code,
        procedure_code="1.005432",
        procedure_name="Thẩm định, phê duyệt vị trí việc làm",
        sector="Tổ chức - Biên chế",
        applicant="UBND xã Quảng Lâm",
        province_code="04",
        received_at=RECEIVED_AT,
    )


def validator() -> Any:
    return jsonschema.Draft202012Validator(one_stop.schema(), format_checker=jsonschema.FormatChecker())


def test_the_receipt_is_a_dossier_synchronisation_in_local_time() -> None:
    step = pushed(ProcedureStatus.RECEIVED, 1, RECEIVED_AT)
    message = one_stop.message(step, unit_code=UNIT)
    data = message["data"]
    assert (message["service"], message["step_id"], message["province_code"]) == ("DongBoHoSoMC", str(step.step_id), "04")
    assert data["NgayTiepNhan"] == RECEIVED_AT.astimezone(VIETNAM).strftime("%Y%m%d%H%M%S")
    assert data["NgayTiepNhan"][8:10] == "09"  # NOTE: 02:30 UTC is 09:30 in Hà Nội
    assert data["NgayHenTra"] == DUE.strftime("%Y%m%d") + "235959"
    assert data["TrangThaiHoSo"] == one_stop.STATUS_CODES[ProcedureStatus.RECEIVED].code
    assert (data["MaHoSo"], data["MaTTHC"], data["QuaHan"], data["HaicapThuTu"]) == ("H12-1", "1.005432", "0", 1)
    assert list(validator().iter_errors(integration_body(message, "session", UNIT))) == []


def test_a_later_step_is_a_progress_update_with_the_actor_and_the_due_date() -> None:
    at = datetime.combine(DUE + timedelta(days=1), datetime.min.time(), VIETNAM) + timedelta(hours=10)
    late = one_stop.message(pushed(ProcedureStatus.DONE, 3, at, note="Đã phê duyệt"), unit_code=UNIT)
    data = late["data"]
    assert late["service"] == "CapNhatTienDoHoSoMC"
    assert (data["NguoiXuLy"], data["NoiDungXuLy"], data["TrangThai"]) == ("nguyen.van.a", "Đã phê duyệt", "10")
    assert data["NgayKetThucTheoQuyDinh"] == DUE.strftime("%Y%m%d") + "235959"
    assert data["QuaHan"] == "1"
    on_time = one_stop.message(pushed(ProcedureStatus.IN_PROCESS, 2, RECEIVED_AT + timedelta(hours=1)), unit_code=UNIT)
    assert on_time["data"]["QuaHan"] == "0"
    assert on_time["data"]["NoiDungXuLy"] == one_stop.STATUS_CODES[ProcedureStatus.IN_PROCESS].wording
    for message in (late, on_time):
        assert list(validator().iter_errors(integration_body(message, "session", UNIT))) == []


def test_every_status_has_a_code_the_schema_allows() -> None:
    allowed = set(one_stop.schema()["$defs"]["CapNhatTienDoHoSoMC"]["properties"]["TrangThai"]["enum"])
    assert set(one_stop.STATUS_CODES) == set(ProcedureStatus)
    assert {portal.code for portal in one_stop.STATUS_CODES.values()} == allowed
    assert len(allowed) == len(ProcedureStatus)  # NOTE: two statuses never share a code


@pytest.mark.parametrize(
    ("field", "value"),
    [("MaHoSo", None), ("ThoiDiemXuLy", "2026-04-24"), ("TrangThai", "99"), ("Unknown", "x"), ("HaicapStepId", "not-a-uuid")],
)
def test_the_schema_refuses_a_wrong_update(field: str, value: Any) -> None:
    message = one_stop.message(pushed(ProcedureStatus.IN_PROCESS, 2, RECEIVED_AT), unit_code=UNIT)
    data = {k: v for k, v in message["data"].items() if k != field} | ({} if value is None else {field: value})
    assert list(validator().iter_errors(integration_body(message | {"data": data}, "session", UNIT)))


def test_the_back_off_doubles_up_to_the_cap_with_jitter() -> None:
    rng = random.Random(7)
    for attempt, ceiling in ((1, 5.0), (2, 10.0), (4, 40.0), (30, 3600.0)):
        delays = [backoff_seconds(attempt, 5, 3600, rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling / 4


async def test_the_file_adapter_by_default(tmp_path: Path) -> None:
    adapter = push_adapter(OneStopSettings(file_hmac_key="k3y"), tmp_path)
    assert isinstance(adapter, FileAdapter)
    message = one_stop.message(pushed(ProcedureStatus.RECEIVED, 1, RECEIVED_AT), unit_code=UNIT)
    sent = await adapter.send([message], "04")
    assert sent.results[message[ID_KEY]].verdict == "sent"
    (written,) = (tmp_path / "one-stop").glob("haicap-one-stop-steps-*.jsonl")
    assert message["step_id"] in written.read_text("utf-8")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReceiverProcess]:
    process = ReceiverProcess(
        _free_port(), tmp_path_factory.mktemp("one-stop") / "receiver.log", username=USERNAME, password=PASSWORD
    )
    process.start()
    yield process
    assert process.stop() == 0


def settings_for(receiver: ReceiverProcess, **changes: Any) -> OneStopSettings:
    values: dict[str, Any] = {
        "adapter": "one-stop",
        "adapter_url": receiver.url,
        "username": USERNAME,
        "password": PASSWORD,
        "unit_codes": {"04": UNIT},
        "timeout_seconds": 2,
        "connect_timeout_seconds": 1,
    }
    return OneStopSettings(**(values | changes))


@pytest.fixture
async def adapter(receiver: ReceiverProcess) -> AsyncIterator[OneStopAdapter]:
    made = make_adapter(settings_for(receiver), Path("unused"), id_key=ID_KEY, file_prefix="unused")
    assert isinstance(made, OneStopAdapter)
    yield made
    await made.close()


async def test_the_transport_signs_in_once_and_sends_in_order(receiver: ReceiverProcess, adapter: OneStopAdapter) -> None:
    code = f"H12-{uuid.uuid4().hex[:8]}"
    steps = [
        pushed(ProcedureStatus.RECEIVED, 1, RECEIVED_AT, code=code),
        pushed(ProcedureStatus.IN_PROCESS, 2, RECEIVED_AT + timedelta(hours=2), code=code),
    ]
    messages = [one_stop.message(s, unit_code=UNIT) for s in steps]
    before = receiver.stats()
    sent = await adapter.send(messages, "04")
    assert [sent.results[m[ID_KEY]].verdict for m in messages] == ["acknowledged", "acknowledged"]
    assert all(sent.results[m[ID_KEY]].reference for m in messages)
    again = await adapter.send(messages[1:], "04")
    assert again.results[messages[1][ID_KEY]].reference == sent.results[messages[1][ID_KEY]].reference
    after = receiver.stats()
    assert after["auth_requests"] - before["auth_requests"] == 1
    assert (after["duplicates"] - before["duplicates"], after["out_of_order"] - before["out_of_order"]) == (1, 0)
    assert [u["step_id"] for u in receiver.dossier(code)] == [str(s.step_id) for s in steps]
    assert [e.operation for e in sent.exchanges] == ["sign_in", "DongBoHoSoMC", "CapNhatTienDoHoSoMC"]


async def test_a_rejection_keeps_the_message_and_a_refused_session_is_renewed(
    receiver: ReceiverProcess, adapter: OneStopAdapter
) -> None:
    code = f"H12-{uuid.uuid4().hex[:8]}"
    first = one_stop.message(pushed(ProcedureStatus.RECEIVED, 1, RECEIVED_AT, code=code), unit_code=UNIT)
    assert (await adapter.send([first], "04")).results[first[ID_KEY]].verdict == "acknowledged"
    receiver.control("reject-next", count=1, message="Mã thủ tục không tồn tại")
    second = one_stop.message(pushed(ProcedureStatus.IN_PROCESS, 2, RECEIVED_AT, code=code), unit_code=UNIT)
    rejected = (await adapter.send([second], "04")).results[second[ID_KEY]]
    assert (rejected.verdict, rejected.reason) == ("rejected", "Mã thủ tục không tồn tại")
    receiver.control("expire-sessions")
    third = one_stop.message(pushed(ProcedureStatus.DONE, 3, RECEIVED_AT, code=code), unit_code=UNIT)
    refused = await adapter.send([third], "04")
    assert refused.results[third[ID_KEY]].verdict == "retry"
    assert [e.http_status for e in refused.exchanges] == [401]
    renewed = await adapter.send([third], "04")
    assert renewed.results[third[ID_KEY]].verdict == "acknowledged"
    assert [e.operation for e in renewed.exchanges] == ["sign_in", "CapNhatTienDoHoSoMC"]


async def test_an_outage_or_a_wrong_password_is_tried_again(receiver: ReceiverProcess, adapter: OneStopAdapter) -> None:
    messages = [
        one_stop.message(pushed(ProcedureStatus.RECEIVED, 1, RECEIVED_AT, code=f"H12-{n}x"), unit_code=UNIT) for n in range(3)
    ]
    receiver.control("outage", down=True)
    try:
        sent = await adapter.send(messages, "04")
    finally:
        receiver.control("outage", down=False)
    assert {r.verdict for r in sent.results.values()} == {"retry"}
    assert len(sent.results) == 3
    assert len([e for e in sent.exchanges if e.operation != "sign_in"]) <= 1  # NOTE: the rest wait for the next turn
    wrong = OneStopAdapter(settings_for(receiver, password="wrong"), id_key=ID_KEY)
    try:
        refused = await wrong.send(messages[:1], "04")
    finally:
        await wrong.close()
    assert refused.results[messages[0][ID_KEY]].reason == "no session from the one-stop system"
    async with httpx.AsyncClient() as http:
        body = integration_body(messages[0], "made-up", UNIT)
        assert (await http.post(f"{receiver.url}/integration", json=body)).status_code == 401
