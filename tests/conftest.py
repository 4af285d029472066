"""The stacks the real-process tests share: one per backend, for the whole session."""

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from .stack_support import SharedStacks, Stack


@pytest.fixture(scope="session")
def shared_stacks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedStacks]:
    """The shared stack of each backend, started on first use; all stopped when the session ends."""
    with ExitStack() as exits:
        yield SharedStacks(tmp_path_factory, exits)


@pytest.fixture(scope="session")
def shared_stack(shared_stacks: SharedStacks) -> Stack:
    """The shared stack on SQLite: Cao Bằng imported, the demo users made, every service and the gateway ready."""
    return shared_stacks.on("sqlite")
