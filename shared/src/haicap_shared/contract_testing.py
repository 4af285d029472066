"""Schemathesis against one API: every check, a fixed seed, a bounded number of examples.

Used by each service's ``test_contract.py`` (the app in process, through Schemathesis' ASGI
transport, no port) and by ``tests/test_contract_gateway.py`` (the gateway of a real stack).
A run is summed up per check (passed, failed) and per failing (check, operation), with one
example of each failure, so a test can compare what failed with its service's allow-list of
known, explained failures and say exactly what is new.

NOTE: the engine (what ``schemathesis run`` drives) is used rather than ``@schema.parametrize()``:
it runs every phase (examples, coverage, fuzzing) with every check and reports each check's
outcome for each example, which is what the counts in the summary are made of.
"""

from __future__ import annotations

import json
import os
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events

SEED = 20260415
"""One seed for every run, so a run is reproduced exactly (the Cao Bằng report's date)."""

# NOTE: a career event's document is sent as a PDF body (personnel's, and the gateway's merged
# document): bytes, as schemathesis sends application/octet-stream. Here, so that every run has
# it, whichever test module ran first.
schemathesis.serializer.alias("application/pdf", "application/octet-stream")

# NOTE: the checks that must hold everywhere: an allow-list may name them only operation by
# operation, with the reason, never for a whole run; the others run too and count as well.
CORE_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)


ANY = "*"
"""The operation of an allow-list entry that covers a check on every operation of a run."""


# NOTE: reasons shared by the allow-lists of every run.
REFUSED_ON_PURPOSE = (
    "positive_data_acceptance sends values each field's schema allows that the API refuses on purpose with a documented "
    "4xx: rules across fields (valid_to before valid_from, a holder by id or by code, a commune needs its parent, a "
    "national id's century digits) as 422, cursors it did not issue (422 invalid_cursor), uploads that are not CSV or "
    "XLSX (422 unreadable_file), searches with no letter or digit (422 empty_search), a made-up If-Match (412 "
    "stale_version), a reused Idempotency-Key (422), inputs that cannot be true together (422 impossible_input). Not on "
    "purpose, to be documented: decimals' digit and place limits (salary_coefficient, training hours) are not in "
    "their schema's pattern"
)
OVERLAPPING_PATHS = (
    "an undeclared method on this path reaches a documented template with a parameter (`/units/stats` is also "
    "`/units/{unit_id}`), which answers 422 for the parameter rather than 405; the documents' paths overlap, the "
    "routing is right"
)


@dataclass(frozen=True, order=True)
class FailureKey:
    """One check failing on one operation (``GET /units/{unit_id}``)."""

    check: str
    operation: str

    def __str__(self) -> str:
        return f"{self.check} on {self.operation}"


@dataclass
class ContractReport:
    """What one Schemathesis run found."""

    name: str
    operations: set[str] = field(default_factory=set)
    examples: int = 0
    checks: dict[str, Counter[str]] = field(default_factory=dict)
    failures: dict[FailureKey, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stop_reason: str = ""

    def failed(self, check: str) -> int:
        return self.checks.get(check, Counter())["failure"]

    def unexpected(self, allowed: dict[FailureKey, str]) -> dict[FailureKey, str]:
        """The failures ``allowed`` does not explain (an entry for operation ``*`` covers the check everywhere)."""
        return {key: sample for key, sample in sorted(self.failures.items()) if not _allows(allowed, key)}

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "operations": len(self.operations),
            "examples": self.examples,
            "seconds": round(self.seconds, 1),
            "stop_reason": self.stop_reason,
            "checks": {name: dict(counts) for name, counts in sorted(self.checks.items())},
            "failures": [{"check": k.check, "operation": k.operation, "sample": v} for k, v in sorted(self.failures.items())],
            "errors": self.errors,
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.summary(), indent=2, ensure_ascii=False), encoding="utf-8")

    def describe(self, keys: dict[FailureKey, str]) -> str:
        return "\n\n".join(f"{key}:\n{sample}" for key, sample in keys.items())


def config(
    headers: dict[str, str], *, max_examples: int, base_url: str | None = None, extra: dict[str, Any] | None = None
) -> SchemathesisConfig:
    """Every check and every phase but the stateful one, a fixed seed, ``max_examples`` per operation.

    ``extra`` adds Schemathesis settings (as in its ``schemathesis.toml``), each with its reason at the caller.
    """
    data: dict[str, Any] = {
        "seed": SEED,
        "headers": headers,
        "workers": 1,
        # NOTE: no example database: a run depends on the seed alone, and leaves no folder behind.
        "generation": {"max-examples": max_examples, "database": "none"},
        # NOTE: the stateful phase chains requests through links the documents do not declare;
        # it is left out to keep the run bounded and reproducible.
        "phases": {"stateful": {"enabled": False}},
        "checks": {
            "enabled": True,
            # NOTE: a write without its required If-Match is answered 428 Precondition Required
            # (RFC 6585), the status made for it; Schemathesis expects a 4xx of its own list.
            "missing_required_header": {"expected-statuses": [400, 401, 403, 406, 415, 422, 428]},
        },
        "request-timeout": 30,
    }
    if base_url is not None:
        data["base-url"] = base_url
    return SchemathesisConfig.from_dict(_merged(data, extra or {}))


def _merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def run(name: str, schema: Any) -> ContractReport:
    """Run the engine over ``schema`` (from :func:`asgi_schema` or ``schemathesis.openapi.from_url``)."""
    report = ContractReport(name)
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _record(report, event)
        elif isinstance(event, events.NonFatalError):
            report.errors.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            report.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            report.seconds = event.running_time
            report.stop_reason = str(event.stop_reason)
    return report


def asgi_schema(app: Any, headers: dict[str, str], *, max_examples: int, extra: dict[str, Any] | None = None) -> Any:
    """The app's own ``/openapi.json``, to be called in process."""
    settings = config(headers, max_examples=max_examples, extra=extra)
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=settings)


def url_schema(base_url: str, headers: dict[str, str], *, max_examples: int, extra: dict[str, Any] | None = None) -> Any:
    """A running server's ``/openapi.json`` (the gateway's merged document)."""
    settings = config(headers, max_examples=max_examples, base_url=base_url, extra=extra)
    return schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=settings)


def stop_asgi_apps() -> None:
    """End the lifespans Schemathesis started for in-process apps (their engines, their clients)."""
    from schemathesis.python import asgi

    asgi.shutdown_lifespans()


def _record(report: ContractReport, event: events.ScenarioFinished) -> None:
    recorder = event.recorder
    report.operations.add(recorder.label)
    report.examples += len(recorder.cases)
    for case_id, nodes in recorder.checks.items():
        for node in nodes:
            report.checks.setdefault(node.name, Counter())[str(node.status)] += 1
            info = node.failure_info
            if info is None:
                continue
            key = FailureKey(node.name, recorder.label)
            if key not in report.failures:
                response = recorder.find_response(case_id=case_id)
                answer = ""
                if response is not None:
                    content_type = ",".join(response.headers.get("content-type", []))
                    body = response.content[:400].decode("utf-8", "replace")
                    answer = f"\n-> {response.status_code} {content_type}\n{body}"
                report.failures[key] = f"{info.failure.title}: {info.failure.message[:600]}\n{info.code_sample}{answer}"


async def migrated_sqlite(script_location: Path, directory: Path, name: str) -> str:
    """A new SQLite database of its own, migrated to head (not the plugin's: a fuzzing run commits)."""
    from .migrations import upgrade_to_head

    url = f"sqlite+aiosqlite:///{directory / f'{name}.db'}"
    await upgrade_to_head(script_location, url)
    return url


def check_report(report: ContractReport, known: dict[FailureKey, str], operations: int) -> list[str]:
    """What is wrong with ``report``: engine errors, operations not run, failures ``known`` does not explain.

    ``known`` entries that did not fail this time are returned separately by :func:`stale`.
    """
    problems = [f"engine error: {error}" for error in report.errors]
    problems += [
        f"{key}: a required check may be allowed only operation by operation"
        for key in known
        if key.check in CORE_CHECKS and key.operation == ANY
    ]
    if len(report.operations) != operations:
        problems.append(f"{len(report.operations)} operations tested, the document has {operations}")
    unexpected = report.unexpected(known)
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected failures:\n\n" + report.describe(unexpected))
    return problems


def stale(report: ContractReport, known: dict[FailureKey, str]) -> list[FailureKey]:
    """Allow-list entries that no longer fail: they should be removed."""
    failing_checks = {key.check for key in report.failures}
    return sorted(
        key for key in known if (key.check not in failing_checks if key.operation == ANY else key not in report.failures)
    )


def _allows(allowed: dict[FailureKey, str], key: FailureKey) -> bool:
    return key in allowed or FailureKey(key.check, ANY) in allowed


def operation_count(document: dict[str, Any]) -> int:
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    return sum(1 for item in document.get("paths", {}).values() for method in item if method in methods)


def verify(report: ContractReport, known: dict[FailureKey, str], document: dict[str, Any], *, excluded: int = 0) -> None:
    """Fail on what :func:`check_report` finds; warn about allow-list entries that no longer fail.

    The summary is written to ``$HAICAP_CONTRACT_REPORTS/<name>.json`` when that is set.
    """
    directory = os.environ.get("HAICAP_CONTRACT_REPORTS")
    if directory:
        report.write(Path(directory) / f"{report.name}.json")
    for key in stale(report, known):
        warnings.warn(f"{report.name}: {key} no longer fails; remove it from the allow-list", UserWarning, stacklevel=2)
    problems = check_report(report, known, operation_count(document) - excluded)
    if problems:
        counts = json.dumps(report.summary()["checks"], indent=1)
        raise AssertionError(
            f"{report.name}: Schemathesis (seed {SEED}) found:\n" + "\n".join(problems) + f"\n\nchecks: {counts}"
        )
