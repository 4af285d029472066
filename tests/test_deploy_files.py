"""The deployment files checked against the code, without a Docker engine or a cluster.

- docker-compose.yml is validated against the Compose Specification's JSON schema as vendored
  by check-jsonschema (PyPI; its ``vendor/compose-spec.json``, taken from
  compose-spec/compose-spec, ``schema/compose-spec.json``), with ``jsonschema``.
- deploy/k8s is rendered (base and the cao-bang overlay) by :func:`kustomize_build`, a small
  implementation of the kustomization fields used here (kustomize itself is a Go binary, not
  on PyPI); every object is validated, strictly (no unknown fields), against the Kubernetes
  JSON schemas shipped by kubernetes-validate (PyPI), for the oldest and newest versions it has.
- Every variable a process reads (its settings class: prefix + field name) is set in compose
  and in the manifests, or listed in deploy/README.md as left at its default; every
  ``HAICAP_*`` variable set there is one the process reads. Ports, probes, image names,
  commands and databases agree with the packages (reporting has no database: no migration,
  no database URL).
- deploy/nginx/haicap.conf passes ``nginx -t``, and a real nginx with it ends TLS, passes the
  application's caching headers on and sets the security headers in front of a stand-in
  gateway (when nginx is installed); the Ingress sets the same security headers.
"""

from __future__ import annotations

import copy
import importlib
import importlib.metadata
import importlib.resources
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import kubernetes_validate
import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement
from pydantic_settings import BaseSettings

from haicap_assets.settings import AssetsSettings
from haicap_gateway.settings import GatewaySettings
from haicap_org_structure.settings import OrgSettings
from haicap_personnel.settings import PersonnelSettings
from haicap_personnel.sync.settings import SyncSettings
from haicap_reporting.settings import ReportingSettings
from haicap_shared.events.settings import EventSettings
from haicap_shared.procedures.settings import OneStopSettings
from haicap_shared.settings import ProcessSettings, ServiceSettings

from .stack_support import free_ports

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
NGINX_SITE = DEPLOY / "nginx" / "haicap.conf"


@dataclass(frozen=True)
class Process:
    """One haicap process as its package defines it; ``database`` is None for one without a database."""

    name: str
    package_dir: str
    settings: type[BaseSettings]
    database: str | None
    workers: tuple[type[BaseSettings], ...] = ()
    """Settings of its workers beside the API (the national sync: ``HAICAP_PERSONNEL_SYNC_*``; the one-stop push)."""

    @property
    def prefix(self) -> str:
        return str(self.settings.model_config["env_prefix"])

    @property
    def port(self) -> int:
        return int(self.settings.model_fields["port"].default)

    @property
    def cli(self) -> str:
        scripts = tomllib.loads((ROOT / self.package_dir / "pyproject.toml").read_text())["project"]["scripts"]
        assert len(scripts) == 1, scripts
        return str(next(iter(scripts)))

    @property
    def distribution(self) -> str:
        return str(tomllib.loads((ROOT / self.package_dir / "pyproject.toml").read_text())["project"]["name"])

    def variables(self) -> set[str]:
        """Every environment variable this process reads (one with a database: the change feed's too)."""
        own = {f"{self.prefix}{field.upper()}" for field in self.settings.model_fields}
        for worker in self.workers:
            own |= {f"{worker.model_config['env_prefix']}{field.upper()}" for field in worker.model_fields}
        return own | EVENT_VARIABLES if self.database is not None else own


EVENT_VARIABLES = {f"{EventSettings.model_config['env_prefix']}{field.upper()}" for field in EventSettings.model_fields}
"""``HAICAP_EVENTS_*``: read by every process that publishes its changes (those with a database) and its relay."""


PROCESSES = {
    p.name: p
    for p in (
        Process("org-structure", "services/org-structure", OrgSettings, "haicap_org"),
        Process("personnel", "services/personnel", PersonnelSettings, "haicap_personnel", (SyncSettings, OneStopSettings)),
        Process("assets", "services/assets", AssetsSettings, "haicap_assets", (OneStopSettings,)),
        Process("reporting", "services/reporting", ReportingSettings, None),
        Process("gateway", "gateway", GatewaySettings, "haicap_gateway"),
    )
}
SERVICES = [name for name in PROCESSES if name != "gateway"]
WITH_DATABASE = [p for p in PROCESSES.values() if p.database is not None]
DATABASE_FIELDS = {name.upper() for name in set(ServiceSettings.model_fields) - set(ProcessSettings.model_fields)}
"""The settings only a process with a database reads (``DATABASE_URL``, ``LOG_SQL``, ...)."""
GATEWAY_URL_SETTINGS = {
    "org-structure": "HAICAP_GATEWAY_ORG_URL",
    "personnel": "HAICAP_GATEWAY_PERSONNEL_URL",
    "assets": "HAICAP_GATEWAY_ASSETS_URL",
    "reporting": "HAICAP_GATEWAY_REPORTING_URL",
}


def process_of_image(image: str) -> Process:
    """The process an image runs: ``.../haicap/<name>[:tag]``."""
    match = re.search(r"(?:^|/)haicap/([a-z-]+)(?::[^/]+)?$", image)
    assert match, f"{image} names no haicap process"
    assert match[1] in PROCESSES, f"{image} names no haicap process"
    return PROCESSES[match[1]]


# --- deploy/README.md: the variables left at their defaults -------------------------------


def documented_defaults() -> dict[str, set[str]]:
    """Per process, the variables deploy/README.md lists as left at their defaults.

    The table rows look like ``| `HAICAP_<SERVICE>_LOG_SQL` | ... |``, where ``<SERVICE>``
    stands for the prefix of every process that reads it, or name one process's variable outright.
    """
    text = (DEPLOY / "README.md").read_text()
    section = text.split("### Left at their defaults", 1)[1].split("\n## ", 1)[0]
    found: dict[str, set[str]] = {name: set() for name in PROCESSES}
    for name in re.findall(r"^\| `(HAICAP_[A-Z0-9_<>]+)`", section, flags=re.MULTILINE):
        for process in PROCESSES.values():
            variable = name.replace("HAICAP_<SERVICE>_", process.prefix)
            if variable in process.variables():
                found[process.name].add(variable)
    return found


def documented_secrets() -> set[str]:
    """The Secret names deploy/README.md tells operators to create."""
    text = (DEPLOY / "README.md").read_text()
    section = text.split("### Secrets", 1)[1].split("\n### ", 1)[0]
    return set(re.findall(r"^\| `([a-z0-9-]+)` \|", section, flags=re.MULTILINE))


def test_the_defaults_table_names_only_variables_that_are_read() -> None:
    text = (DEPLOY / "README.md").read_text()
    section = text.split("### Left at their defaults", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(HAICAP_[A-Z0-9_<>]+)`", section, flags=re.MULTILINE)
    assert rows, "the table was not found"
    every = set().union(*(p.variables() for p in PROCESSES.values()))
    for row in rows:
        if row.startswith("HAICAP_<SERVICE>_"):
            field = row.removeprefix("HAICAP_<SERVICE>_")
            # NOTE: a database setting stands for the processes with a database only.
            readers = WITH_DATABASE if field in DATABASE_FIELDS else PROCESSES.values()
            assert all(f"{p.prefix}{field}" in p.variables() for p in readers), row
        else:
            assert row in every, f"deploy/README.md lists {row}, which no process reads"


def check_environment(where: str, process: Process, env: set[str], *, complete: bool = True) -> None:
    """``env`` (the variables a container gets) sets what ``process`` needs, and nothing unread.

    NOTE: on Kubernetes one ConfigMap holds every process's settings, so a container also gets
    the others' variables; each must still be read by the process whose prefix it has.
    """
    ours = {name for name in env if name.startswith("HAICAP_")}
    every = set().union(*(p.variables() for p in PROCESSES.values()))
    unknown = {name for name in ours if name.startswith(process.prefix) and name not in process.variables()}
    unknown |= ours - every
    assert not unknown, f"{where}: no process reads {sorted(unknown)}"
    if not complete:
        return
    missing = process.variables() - ours - documented_defaults()[process.name]
    assert not missing, (
        f"{where}: {process.name} reads {sorted(missing)}: set them in docker-compose.yml and "
        "deploy/k8s, or list them in deploy/README.md under 'Left at their defaults'"
    )


# --- docker-compose.yml ----------------------------------------------------------------------

_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: Any, env: dict[str, str], missing: set[str]) -> Any:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?message}``; required-but-unset names go to ``missing``."""
    if isinstance(value, dict):
        return {k: interpolate(v, env, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env, missing) for v in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        current = env.get(name, "")
        if op in (":?", "?") and not current:
            missing.add(name)
            return f"<{name}>"
        if op in (":-", "-") and not current:
            return str(arg)
        return current

    return _INTERPOLATION.sub(one, value)


@pytest.fixture(scope="module")
def compose_raw() -> dict[str, Any]:
    # NOTE: PyYAML's safe loader resolves anchors and `<<` merge keys as compose does.
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


@pytest.fixture(scope="module")
def compose(compose_raw: dict[str, Any]) -> dict[str, Any]:
    """The compose file as compose sees it with the two required secrets set."""
    env = {"POSTGRES_PASSWORD": "pw", "HAICAP_GATEWAY_JWT_PRIVATE_KEY": "pem"}
    missing: set[str] = set()
    resolved: dict[str, Any] = interpolate(compose_raw, env, missing)
    assert not missing
    return resolved


def compose_schema() -> dict[str, Any]:
    import check_jsonschema.builtin_schemas.vendor as vendored

    schema: dict[str, Any] = json.loads((importlib.resources.files(vendored) / "compose-spec.json").read_text())
    return schema


def test_compose_file_is_valid_against_the_compose_specification(compose_raw: dict[str, Any], compose: dict[str, Any]) -> None:
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    for document in (compose_raw, compose):
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_compose_refuses_to_start_without_its_secrets(compose_raw: dict[str, Any]) -> None:
    missing: set[str] = set()
    interpolate(compose_raw, {}, missing)
    assert missing == {"POSTGRES_PASSWORD", "HAICAP_GATEWAY_JWT_PRIVATE_KEY"}


def test_compose_commits_nothing_secret(compose_raw: dict[str, Any]) -> None:
    for name, service in compose_raw["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|PRIVATE_KEY$|DATABASE_URL", key):
                # NOTE: a secret's value (or the password inside a URL) comes from the environment.
                assert "${" in str(value), f"{name}: {key} is written out"


def compose_processes(compose: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Process]]:
    for name, service in compose["services"].items():
        if "haicap/" in str(service.get("image", "")):
            yield name, service, process_of_image(service["image"].split(":")[0])


def test_compose_builds_each_process_from_its_package(compose: dict[str, Any]) -> None:
    seen = set()
    for name, service, process in compose_processes(compose):
        assert service["image"] == f"haicap/{process.name}:local", name
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert service["build"]["context"] == "."
        assert service["build"]["args"] == {"PACKAGE_DIR": process.package_dir, "CLI": process.cli, "PORT": str(process.port)}
        seen.add(process.name)
    assert seen == set(PROCESSES)


def test_compose_migrates_before_serving_and_waits_for_health(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["postgres"]["image"] == "postgres:15"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    for process in PROCESSES.values():
        if process.database is None:
            assert f"{process.name}-migrate" not in services
            assert "depends_on" not in services[process.name], "nothing to wait for: no database"
            continue
        serving, migrate = services[process.name], services[f"{process.name}-migrate"]
        assert migrate["command"] == ["migrate"]
        assert migrate["image"] == serving["image"]
        assert migrate["environment"] == serving["environment"]
        assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
        assert serving["depends_on"][f"{process.name}-migrate"] == {"condition": "service_completed_successfully"}
        assert "command" not in serving, "the image's default command serves"
    for process in PROCESSES.values():
        test = " ".join(services[process.name]["healthcheck"]["test"])
        assert "/readyz" in test
        assert "SERVICE_PORT" in test
    gateway = services["gateway"]["depends_on"]
    assert {name: gateway[name] for name in SERVICES} == {name: {"condition": "service_healthy"} for name in SERVICES}
    for process in WITH_DATABASE:
        if process.name in SERVICES:
            assert services[process.name]["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_compose_sets_what_each_process_reads(compose: dict[str, Any]) -> None:
    for name, service, process in compose_processes(compose):
        check_environment(f"docker-compose.yml {name}", process, set(service["environment"]))


def test_compose_points_the_gateway_and_services_at_each_other(compose: dict[str, Any]) -> None:
    services = compose["services"]
    gateway_env = services["gateway"]["environment"]
    for name, setting in GATEWAY_URL_SETTINGS.items():
        assert gateway_env[setting] == f"http://{name}:{PROCESSES[name].port}"
        env = services[name]["environment"]
        prefix = PROCESSES[name].prefix
        assert env[f"{prefix}JWKS_URL"] == "http://gateway:8000/api/v1/auth/jwks"
        assert env[f"{prefix}TOKEN_URL"] == "http://gateway:8000/api/v1/auth/token"
        assert env[f"{prefix}GATEWAY_URL"] == "http://gateway:8000"
    assert gateway_env["HAICAP_GATEWAY_ENVIRONMENT"] == "production"
    assert services["gateway"]["ports"] == ["127.0.0.1:8000:8000"]


def test_compose_databases_are_created_on_first_start(compose: dict[str, Any]) -> None:
    created = set(re.findall(r"CREATE DATABASE (\w+);", (DEPLOY / "postgres-init.sql").read_text()))
    assert created == {p.database for p in WITH_DATABASE}
    for process in PROCESSES.values():
        assert (process.database is not None) == issubclass(process.settings, ServiceSettings), process.name
        env = compose["services"][process.name]["environment"]
        if process.database is None:
            assert not {name for name in env if name.removeprefix(process.prefix) in DATABASE_FIELDS}, process.name
            continue
        assert env[f"{process.prefix}DATABASE_URL"] == f"postgresql://haicap:pw@postgres:5432/{process.database}"


def test_compose_loads_the_cao_bang_demo_with_one_command(compose: dict[str, Any]) -> None:
    services = compose["services"]
    demo, units = services["demo"], services["demo-units"]
    assert demo["profiles"] == units["profiles"] == ["demo"]
    assert demo["command"] == ["create-demo-users", "--province", "04"]
    assert process_of_image(demo["image"]).name == "gateway"
    assert units["command"] == ["import-units", "--province", "04"]
    assert process_of_image(units["image"]).name == "org-structure"
    assert demo["depends_on"]["demo-units"] == {"condition": "service_completed_successfully"}
    assert units["depends_on"]["org-structure-migrate"] == {"condition": "service_completed_successfully"}


# --- deploy/Dockerfile and its entrypoint ----------------------------------------------------


def dockerfile_stages() -> list[list[str]]:
    """The instructions of each stage (continuation lines joined)."""
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def test_the_image_is_multi_stage_slim_non_root_and_checks_readiness() -> None:
    stages = dockerfile_stages()
    assert len(stages) == 2
    build, final = stages
    assert build[0] == "FROM ${PYTHON_IMAGE} AS build"
    assert final[0] == "FROM ${PYTHON_IMAGE}"
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in (DEPLOY / "Dockerfile").read_text()
    install = next(i for i in build if "pip install --no-build-isolation" in i)
    assert "-c constraints.txt" in install
    assert "pip uninstall --yes setuptools pip" in install
    assert "COPY --from=build /opt/haicap /opt/haicap" in final
    user = next(i for i in final if i.startswith("USER "))
    assert user == "USER 10001:10001"
    assert any("useradd --system --uid 10001" in i for i in final)
    healthcheck = next(i for i in final if i.startswith("HEALTHCHECK "))
    assert "/readyz" in healthcheck
    assert "SERVICE_PORT" in healthcheck
    assert 'ENTRYPOINT ["haicap-entrypoint"]' in final
    assert 'CMD ["serve"]' in final
    assert any(i.startswith("ENV ") and "SERVICE_PORT=${PORT}" in i for i in final)
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert {"**/.venv", "**/var", "**/tests", "**/.git"} <= set(ignored)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "serve --host 0.0.0.0 --port 8001"),
        (["serve"], "serve --host 0.0.0.0 --port 8001"),
        (["serve", "--limit-concurrency", "200"], "serve --host 0.0.0.0 --port 8001 --limit-concurrency 200"),
        (["migrate"], "migrate"),
        (["import-units", "--province", "04"], "import-units --province 04"),
    ],
)
def test_the_entrypoint_serves_on_the_image_port_or_runs_the_command(tmp_path: Path, args: list[str], expected: str) -> None:
    stub = tmp_path / "haicap-service"
    stub.write_text('#!/bin/sh\necho "$@"\n')
    stub.chmod(0o755)
    result = subprocess.run(
        ["sh", str(DEPLOY / "entrypoint.sh"), *args],
        env={"PATH": f"{tmp_path}:/usr/bin:/bin", "SERVICE_PORT": "8001"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == expected


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_requirements(distribution: str) -> set[str]:
    """Every distribution ``distribution`` needs at run time, transitively (normalised names)."""
    seen: set[tuple[str, frozenset[str]]] = set()
    pending: list[tuple[str, frozenset[str]]] = [(distribution, frozenset())]
    while pending:
        name, extras = pending.pop()
        if (_normalised(name), extras) in seen:
            continue
        seen.add((_normalised(name), extras))
        for text in importlib.metadata.requires(name) or []:
            requirement = Requirement(text)
            here: dict[str, str] = dict(default_environment())  # type: ignore[arg-type]
            wanted = [{**here, "extra": extra} for extra in (extras or {""})]
            if requirement.marker is None or any(requirement.marker.evaluate(env) for env in wanted):
                pending.append((requirement.name, frozenset(requirement.extras)))
    return {name for name, _ in seen}


def test_every_runtime_dependency_is_pinned_and_no_dev_tool_is_installed() -> None:
    pinned = {
        _normalised(line.split("==")[0])
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    for process in PROCESSES.values():
        needed = runtime_requirements(process.distribution) - {"haicap-shared", process.distribution}
        assert needed, process.name
        assert needed <= pinned, f"{process.name} needs unpinned {sorted(needed - pinned)}"
        assert not needed & {"pytest", "ruff", "mypy", "respx", "pytest-asyncio"}, process.name


# --- deploy/k8s: a kustomize build of the fields used here -----------------------------------

SUPPORTED_KUSTOMIZATION = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}
CLUSTER_SCOPED = {"Namespace"}


def _documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _key(document: dict[str, Any]) -> tuple[str, str]:
    return document["kind"], document["metadata"]["name"]


def _merge(base: Any, patch: Any) -> Any:
    """A strategic merge patch for the shapes used here: maps merge, lists of named maps merge by name."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(patch, list) and all(isinstance(i, dict) and "name" in i for i in [*base, *patch]):
        by_name = {i["name"]: i for i in base}
        for item in patch:
            by_name[item["name"]] = _merge(by_name[item["name"]], item) if item["name"] in by_name else item
        return list(by_name.values())
    return patch


def _json_patch(document: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    patched = copy.deepcopy(document)
    for operation in operations:
        assert operation["op"] in ("replace", "add"), operation
        *parents, last = [part for part in operation["path"].split("/") if part]
        node = patched
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if operation["op"] == "replace":
            assert last in node, f"nothing to replace at {operation['path']}"
        node[last] = operation["value"]
    return patched


def _set_image(image: str, images: list[dict[str, str]]) -> str:
    name = image.rsplit(":", 1)[0] if ":" in image.split("/")[-1] else image
    for rule in images:
        if rule["name"] == name:
            return f"{rule.get('newName', name)}:{rule['newTag']}" if "newTag" in rule else rule.get("newName", name)
    return image


def _pod_specs(document: dict[str, Any]) -> list[dict[str, Any]]:
    if document["kind"] in ("Deployment", "Job"):
        return [document["spec"]["template"]["spec"]]
    return []


def kustomize_build(directory: Path) -> list[dict[str, Any]]:
    """What ``kustomize build directory`` gives for the fields in :data:`SUPPORTED_KUSTOMIZATION`."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unsupported = set(kustomization) - SUPPORTED_KUSTOMIZATION
    assert not unsupported, f"{directory}: this check does not render {unsupported}; extend kustomize_build"
    documents: list[dict[str, Any]] = []
    for resource in kustomization.get("resources", []):
        path = (directory / resource).resolve()
        documents += kustomize_build(path) if path.is_dir() else _documents(path)
    keys = [_key(d) for d in documents]
    assert len(keys) == len(set(keys)), f"{directory}: duplicate objects"
    for patch in kustomization.get("patches", []):
        if "path" in patch:
            # NOTE: like kustomize, one strategic-merge patch per file, aimed by its kind and name.
            (content,) = _documents(directory / patch["path"])
            index = keys.index(_key(content))
            documents[index] = _merge(documents[index], content)
        else:
            operations = yaml.safe_load(patch["patch"])
            targets = [i for i, d in enumerate(documents) if all(d[k] == v for k, v in patch["target"].items() if k == "kind")]
            assert targets, f"{directory}: patch {patch} matches nothing"
            for index in targets:
                documents[index] = _json_patch(documents[index], operations)
    for document in documents:
        if "namespace" in kustomization and document["kind"] not in CLUSTER_SCOPED:
            document["metadata"]["namespace"] = kustomization["namespace"]
        for pod in _pod_specs(document):
            for container in pod.get("containers", []) + pod.get("initContainers", []):
                container["image"] = _set_image(container["image"], kustomization.get("images", []))
    return documents


@pytest.fixture(scope="module")
def base() -> list[dict[str, Any]]:
    return kustomize_build(K8S / "base")


@pytest.fixture(scope="module")
def cao_bang() -> list[dict[str, Any]]:
    return kustomize_build(K8S / "overlays" / "cao-bang")


def find(documents: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def test_the_builder_applies_patches_images_and_namespace(cao_bang: list[dict[str, Any]]) -> None:
    assert find(cao_bang, "HorizontalPodAutoscaler", "personnel")["spec"]["maxReplicas"] == 3
    config = find(cao_bang, "ConfigMap", "haicap-config")["data"]
    assert config["HAICAP_GATEWAY_CORS_ORIGINS"] == "https://haicap.cao-bang.example"
    assert config["HAICAP_GATEWAY_ORG_URL"] == "http://org-structure:8001", "a patch keeps what it does not name"
    ingress = find(cao_bang, "Ingress", "gateway")
    assert [r["host"] for r in ingress["spec"]["rules"]] == ["haicap.cao-bang.example"]
    assert ingress["metadata"]["annotations"], "a patch keeps the base's annotations"
    for document in cao_bang:
        if document["kind"] != "Namespace":
            assert document["metadata"]["namespace"] == "haicap-cao-bang", _key(document)


KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", ["base", "cao_bang"])
def test_manifests_are_valid_kubernetes_objects(request: pytest.FixtureRequest, overlay: str, version: str) -> None:
    documents = request.getfixturevalue(overlay)
    for document in documents:
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{_key(document)} on Kubernetes {version}: {list(exc.path)}: {exc.message}")


def container_env(documents: list[dict[str, Any]], container: dict[str, Any]) -> set[str]:
    names = {e["name"] for e in container.get("env", [])}
    for source in container.get("envFrom", []):
        names |= set(find(documents, "ConfigMap", source["configMapRef"]["name"])["data"])
    return names


def test_each_process_has_its_deployment_service_autoscaler_budget_and_migration(base: list[dict[str, Any]]) -> None:
    for process in PROCESSES.values():
        deployment = find(base, "Deployment", process.name)
        selector = deployment["spec"]["selector"]["matchLabels"]
        pod = deployment["spec"]["template"]
        assert selector.items() <= pod["metadata"]["labels"].items()
        assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
        (container,) = pod["spec"]["containers"]
        assert container["image"] == f"haicap/{process.name}"
        assert container["args"] == ["serve"]
        assert container["ports"] == [{"name": "http", "containerPort": process.port}]

        service = find(base, "Service", process.name)
        assert service["spec"]["selector"] == selector
        assert service["spec"]["ports"] == [{"name": "http", "port": process.port, "targetPort": "http"}]

        autoscaler = find(base, "HorizontalPodAutoscaler", process.name)
        assert autoscaler["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": process.name}
        assert 2 <= autoscaler["spec"]["minReplicas"] <= autoscaler["spec"]["maxReplicas"]

        budget = find(base, "PodDisruptionBudget", process.name)
        assert budget["spec"]["selector"]["matchLabels"] == selector
        assert budget["spec"]["minAvailable"] == 1

        if process.database is None:
            assert not [d for d in base if d["kind"] == "Job" and d["metadata"]["name"] == f"{process.name}-migrate"]
            assert not [e for e in container.get("env", []) if e["name"] == f"{process.prefix}DATABASE_URL"]
            continue
        job = find(base, "Job", f"{process.name}-migrate")
        (migrate,) = job["spec"]["template"]["spec"]["containers"]
        assert migrate["image"] == container["image"]
        assert migrate["args"] == ["migrate"]
        database = f"{process.prefix}DATABASE_URL"
        assert next(e for e in migrate["env"] if e["name"] == database) == next(
            e for e in container["env"] if e["name"] == database
        )
        assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
        assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_probes_match_the_health_routes(base: list[dict[str, Any]]) -> None:
    for process in PROCESSES.values():
        (container,) = find(base, "Deployment", process.name)["spec"]["template"]["spec"]["containers"]
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        # NOTE: the gateway's /readyz asks every service; as its readiness it would take the
        # whole Ingress down with any one service (deploy/k8s/base/gateway.yaml).
        readiness = "/healthz" if process.name == "gateway" else "/readyz"
        assert container["readinessProbe"]["httpGet"] == {"path": readiness, "port": "http"}


@pytest.mark.parametrize("name", list(PROCESSES))
def test_the_apps_serve_the_probed_paths(name: str, tmp_path: Path) -> None:
    process = PROCESSES[name]
    module = {"gateway": "haicap_gateway.app"}.get(name, f"{process.settings.__module__.rsplit('.', 1)[0]}.app")
    create_app = importlib.import_module(module).create_app
    app = create_app(process.settings(var_dir=tmp_path))
    assert {"/healthz", "/readyz"} <= set(app.openapi()["paths"])


def test_every_container_has_resources_and_the_restricted_security_profile(cao_bang: list[dict[str, Any]]) -> None:
    namespace = find(cao_bang, "Namespace", "haicap-cao-bang")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for document in cao_bang:
        for pod in _pod_specs(document):
            assert pod["securityContext"]["runAsNonRoot"] is True
            assert pod["securityContext"]["runAsUser"] == 10001
            assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
            for container in pod["containers"]:
                resources = container["resources"]
                assert {"cpu", "memory"} <= set(resources["requests"])
                assert {"cpu", "memory"} <= set(resources["limits"])
                security = container["securityContext"]
                assert security["allowPrivilegeEscalation"] is False
                assert security["capabilities"] == {"drop": ["ALL"]}
                assert security["readOnlyRootFilesystem"] is True
                assert {"name": "tmp", "mountPath": "/tmp"}  # noqa: S108 - an emptyDir in container["volumeMounts"]


def test_manifests_set_what_each_process_reads(cao_bang: list[dict[str, Any]]) -> None:
    for document in cao_bang:
        for pod in _pod_specs(document):
            for container in pod["containers"]:
                process = process_of_image(container["image"])
                # NOTE: a migration Job and a relay need only their database; they get no service-account secret.
                relay = document["metadata"]["labels"].get("app.kubernetes.io/component") == "relay"
                complete = document["kind"] == "Deployment" and not relay
                check_environment(f"{_key(document)}", process, container_env(cao_bang, container), complete=complete)


def test_manifests_reference_secrets_and_commit_none(cao_bang: list[dict[str, Any]]) -> None:
    assert not [d for d in cao_bang if d["kind"] == "Secret"]
    referenced = set()
    for document in cao_bang:
        for pod in _pod_specs(document):
            for volume in pod.get("volumes", []):
                if "secret" in volume:
                    referenced.add(volume["secret"]["secretName"])
            for container in pod["containers"]:
                for env in container.get("env", []):
                    if "secretKeyRef" in env.get("valueFrom", {}):
                        referenced.add(env["valueFrom"]["secretKeyRef"]["name"])
    for tls in find(cao_bang, "Ingress", "gateway")["spec"]["tls"]:
        referenced.add(tls["secretName"])
    assert referenced == documented_secrets()
    config = find(cao_bang, "ConfigMap", "haicap-config")["data"]
    assert not [k for k in config if re.search(r"DATABASE_URL|SECRET$|PRIVATE_KEY$|PASSWORD", k)]


def test_manifests_point_the_gateway_at_the_services(cao_bang: list[dict[str, Any]]) -> None:
    config = find(cao_bang, "ConfigMap", "haicap-config")["data"]
    for name, setting in GATEWAY_URL_SETTINGS.items():
        port = find(cao_bang, "Service", name)["spec"]["ports"][0]["port"]
        assert config[setting] == f"http://{name}:{port}"
        prefix = PROCESSES[name].prefix
        assert config[f"{prefix}JWKS_URL"] == "http://gateway:8000/api/v1/auth/jwks"
        assert config[f"{prefix}TOKEN_URL"] == "http://gateway:8000/api/v1/auth/token"
    assert config["HAICAP_GATEWAY_ENVIRONMENT"] == "production"
    (container,) = find(cao_bang, "Deployment", "gateway")["spec"]["template"]["spec"]["containers"]
    mount = next(m for m in container["volumeMounts"] if m["name"] == "jwt")
    assert config["HAICAP_GATEWAY_JWT_PRIVATE_KEY_FILE"].startswith(mount["mountPath"] + "/")


def test_only_the_gateway_is_published(cao_bang: list[dict[str, Any]]) -> None:
    (ingress,) = [d for d in cao_bang if d["kind"] == "Ingress"]
    backends = {p["backend"]["service"]["name"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]}
    assert backends == {"gateway"}
    assert all(d["spec"].get("type", "ClusterIP") == "ClusterIP" for d in cao_bang if d["kind"] == "Service")
    policy = find(cao_bang, "NetworkPolicy", "haicap-services-from-gateway")["spec"]
    assert policy["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "service"
    for name in SERVICES:
        labels = find(cao_bang, "Deployment", name)["spec"]["template"]["metadata"]["labels"]
        assert policy["podSelector"]["matchLabels"].items() <= labels.items()
    gateway_labels = find(cao_bang, "Deployment", "gateway")["spec"]["template"]["metadata"]["labels"]
    assert policy["ingress"][0]["from"][0]["podSelector"]["matchLabels"].items() <= gateway_labels.items()


def nginx_security_headers() -> dict[str, str]:
    """The headers deploy/nginx/haicap.conf adds to every answer (``add_header ... always``)."""
    found = {}
    for name, value in re.findall(r"^\s*add_header\s+(\S+)\s+(\"[^\"]*\"|\S+)\s+always;", NGINX_SITE.read_text(), re.MULTILINE):
        found[name.lower()] = value.strip('"')
    return found


def test_the_ingress_sets_the_security_headers_of_the_nginx_file(cao_bang: list[dict[str, Any]]) -> None:
    expected = nginx_security_headers()
    assert expected == {
        "strict-transport-security": "max-age=63072000; includeSubDomains",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
    }
    (ingress,) = [d for d in cao_bang if d["kind"] == "Ingress"]
    snippet = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/configuration-snippet"]
    ingress_headers = {}
    for header in re.findall(r'more_set_headers\s+"([^"]+)";', snippet):
        name, _, value = header.partition(":")
        ingress_headers[name.strip().lower()] = value.strip()
    assert ingress_headers == expected
    # NOTE: caching is the application's on both: neither rewrites Cache-Control.
    assert "cache-control" not in snippet.lower()
    site = NGINX_SITE.read_text()
    assert not re.search(r"^\s*(proxy_hide_header|add_header)\s+Cache-Control", site, re.MULTILINE | re.IGNORECASE)


def test_the_overlay_runs_tagged_images_from_its_registry(cao_bang: list[dict[str, Any]]) -> None:
    for document in cao_bang:
        for pod in _pod_specs(document):
            for container in pod["containers"]:
                image = container["image"]
                process = process_of_image(image)
                assert image == f"registry.cao-bang.example/haicap/{process.name}:0.1.0"


# --- deploy/nginx ----------------------------------------------------------------------------


def nginx_config(tmp_path: Path, upstream: str, https_port: int, http_port: int) -> Path:
    """deploy/nginx/haicap.conf inside a complete nginx.conf that runs unprivileged in ``tmp_path``."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    tls = tmp_path / "tls"
    tls.mkdir()
    (tls / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tls / "privkey.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    site = NGINX_SITE.read_text()
    site = site.replace("server gateway:8000;", f"server {upstream};").replace("/etc/nginx/tls/", f"{tls}/")
    # NOTE: unprivileged ports on loopback only, and no IPv6 (not every test machine has it).
    site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
    site = site.replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl").replace(
        "listen 80;", f"listen 127.0.0.1:{http_port};"
    )
    (tmp_path / "site.conf").write_text(site)
    for folder in ("logs", "client", "proxy"):
        (tmp_path / folder).mkdir()
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/logs/error.log;
worker_processes 1;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/client;
    proxy_temp_path {tmp_path}/proxy;
    include {tmp_path}/site.conf;
}}
"""
    )
    return main


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed here")
def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    main = nginx_config(tmp_path, "127.0.0.1:9", 8443, 8080)
    assert NGINX is not None
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


class _Upstream(BaseHTTPRequestHandler):
    """Stands in for the gateway: any path, a small JSON body with the caching and nosniff headers the application sets."""

    def do_GET(self) -> None:
        body = json.dumps({"path": self.path, "request_id": self.headers.get("X-Request-ID")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "public, max-age=300" if self.path.endswith("/jwks") else "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.mark.processes
@pytest.mark.skipif(NGINX is None, reason="nginx is not installed here")
def test_nginx_terminates_tls_passes_caching_on_and_sets_the_security_headers(tmp_path: Path) -> None:
    assert NGINX is not None
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    https_port, http_port = free_ports(2)
    main = nginx_config(tmp_path, f"127.0.0.1:{upstream.server_address[1]}", https_port, http_port)
    nginx = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(main), "-g", "daemon off;"], stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        with httpx.Client(base_url=f"https://127.0.0.1:{https_port}", verify=False, timeout=5.0, trust_env=False) as client:  # noqa: S501 - its own self-signed certificate
            for _ in range(50):
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    assert nginx.poll() is None, nginx.stderr.read() if nginx.stderr else ""
                    time.sleep(0.1)
            expected = {
                "/api/v1/org/units?province=04": "no-store",
                "/api/v1/personnel/people": "no-store",
                "/api/v1/auth/me": "no-store",
                "/api/v1/auth/jwks": "public, max-age=300",
                "/readyz": "no-store",
            }
            for path, cache_control in expected.items():
                response = client.get(path, headers={"X-Request-ID": "nginx-test"})
                assert response.status_code == 200, path
                assert response.headers.get_list("cache-control") == [cache_control], path
                assert response.json() == {"path": path, "request_id": "nginx-test"}
                for name, value in nginx_security_headers().items():
                    assert response.headers.get_list(name) == [value], (path, name)
        with httpx.Client(timeout=5.0, trust_env=False) as plain:
            redirect = plain.get(f"http://127.0.0.1:{http_port}/api/v1/org/units")
            assert redirect.status_code == 301
            assert redirect.headers["location"].startswith("https://")
    finally:
        os.killpg(nginx.pid, signal.SIGTERM)
        nginx.wait(timeout=10)
        upstream.shutdown()
