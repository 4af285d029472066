"""The stacks the real-process tests share: one per backend, for the whole session.

``make test`` spreads the suite over worker processes (pytest-xdist). Each worker runs a test
module whole, so a module's own stack or database is made once; the modules on the session's
stacks run together in one worker, so those stacks start once, not once per worker.
"""

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadScopeScheduling
from xdist.workermanage import WorkerController

from haicap_shared import testing as shared_testing

from .stack_support import DemoStack, SharedStacks, Stack, fresh_stack

SESSION_STACK_FIXTURES = frozenset({"shared_stacks", "demo_stack"})
"""The session fixtures below that start whole stacks (gateway, services, workers)."""

SESSION_STACK_MODULES = frozenset(
    {
        "tests/test_assets_stack.py",
        "tests/test_bounded_work_processes.py",
        "tests/test_contract_gateway.py",
        "tests/test_docs_browser.py",
        "tests/test_dossier_stack.py",
        "tests/test_events_stack.py",
        "tests/test_operations_stack.py",
        "tests/test_personnel_stack.py",
        "tests/test_procedures_stack.py",
        "tests/test_stack.py",
    }
)
"""The modules whose tests use :data:`SESSION_STACK_FIXTURES`; collecting checks the list is whole."""

SESSION_STACKS_GROUP = "session-stacks"


class ModuleScheduling(LoadScopeScheduling):
    """pytest-xdist's load-by-scope, a scope being a module, or all :data:`SESSION_STACK_MODULES` as one.

    NOTE: xdist's own ``--dist loadgroup`` reads ``xdist_group`` marks by rewriting node ids,
    which pytest 9.2's structured ids no longer allow (pytest-xdist issue 1386): its groups are
    silently ignored. The scope is taken from the node id's module here instead.
    """

    _ordered = False

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        return SESSION_STACKS_GROUP if module in SESSION_STACK_MODULES else module

    def _assign_work_unit(self, node: WorkerController) -> None:
        if not self._ordered:
            # NOTE: the longest scopes first, so that no worker is left with one at the end: the
            # session stacks' modules, then the other real-process modules (each starting a stack
            # of its own), then the in-process ones, each kind largest first as xdist queued them.
            self._ordered = True
            kinds = {scope: (scope != SESSION_STACKS_GROUP, not scope.startswith("tests/")) for scope in self.workqueue}
            for scope in sorted(self.workqueue, key=kinds.__getitem__):
                self.workqueue.move_to_end(scope)
        super()._assign_work_unit(node)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> ModuleScheduling | None:
    """``--dist loadfile`` (``make test``), with the session stacks' modules as one scope."""
    return ModuleScheduling(config, log) if config.getvalue("dist") == "loadfile" else None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    unlisted = sorted(
        {
            item.nodeid.split("::", 1)[0]
            for item in items
            if SESSION_STACK_FIXTURES & set(getattr(item, "fixturenames", ()))
            and item.nodeid.split("::", 1)[0] not in SESSION_STACK_MODULES
        }
    )
    if unlisted:
        raise pytest.UsageError(
            f"{', '.join(unlisted)} use the session's stacks: add them to SESSION_STACK_MODULES in tests/conftest.py"
        )


@pytest.fixture(scope="session")
def shared_stacks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedStacks]:
    """The shared stack of each backend, started on first use; all stopped when the session ends."""
    with ExitStack() as exits:
        yield SharedStacks(tmp_path_factory, exits)


@pytest.fixture(scope="session")
def shared_stack(shared_stacks: SharedStacks) -> Stack:
    """The shared stack on SQLite: Cao Bằng imported, the demo users made, every service and the gateway ready."""
    return shared_stacks.on("sqlite")


@pytest.fixture(scope="session", params=shared_testing.test_backends())
def demo_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoStack]:
    """The demo loaded into a stack of its own, on each backend, for the modules that read the whole demo.

    Its own: the demo would change figures the modules on the shared stack assert (Xã Quảng Lâm's
    headcount). The modules using it write only a few records of their own, never asserting a
    figure another module's records would change.
    """
    backend: str = request.param
    with fresh_stack(tmp_path_factory.mktemp(f"demo-{backend}"), backend=backend) as running:
        yield DemoStack(running, running.load_scenario("04"))
