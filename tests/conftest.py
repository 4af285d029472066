"""The stacks the real-process tests share: one per backend, for the whole session."""

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from haicap_shared import testing as shared_testing

from .stack_support import DemoStack, SharedStacks, Stack, fresh_stack


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
