"""The stacks the real-process tests share: one per backend, for the whole session.

``make test`` spreads the suite over worker processes (pytest-xdist). The modules of this folder
run in one worker, one after the other, as the whole suite did before: the stacks of the
session fixtures below start once, not once per worker, and two workers never start this
folder's stacks at once on a small machine. The other workers take the in-process modules, a
module at a time.
"""

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadScopeScheduling
from xdist.workermanage import WorkerController

from haicap_shared import testing as shared_testing

from .stack_support import DemoStack, SharedStacks, Stack, fresh_stack

REAL_PROCESS_LANE = f"{Path(__file__).parent.name}/"
"""The node id prefix of this folder's modules, which one worker runs together."""


class LaneScheduling(LoadScopeScheduling):
    """pytest-xdist's load by scope, a scope being a module, or every module of :data:`REAL_PROCESS_LANE`.

    NOTE: xdist's own ``--dist loadgroup`` reads ``xdist_group`` marks by rewriting node ids,
    which pytest 9.2's structured ids no longer allow (pytest-xdist issue 1386): its groups are
    silently ignored. The scope is taken from the node id here instead.
    """

    _lane_first = False

    def _split_scope(self, nodeid: str) -> str:
        return REAL_PROCESS_LANE if nodeid.startswith(REAL_PROCESS_LANE) else nodeid.split("::", 1)[0]

    def _assign_work_unit(self, node: WorkerController) -> None:
        if not self._lane_first:
            # NOTE: the longest unit first, so that no worker is left with it at the end.
            self._lane_first = True
            if REAL_PROCESS_LANE in self.workqueue:
                self.workqueue.move_to_end(REAL_PROCESS_LANE, last=False)
        super()._assign_work_unit(node)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> LaneScheduling | None:
    """``--dist loadfile`` (``make test``), with this folder's modules as one unit."""
    return LaneScheduling(config, log) if config.getvalue("dist") == "loadfile" else None


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
