"""Whether new nodes record their parents: `no_grad` and `enable_grad`, as in PyTorch.

Under `no_grad()` an op still computes its value, but the node keeps no parents and no
local derivatives: nothing to backpropagate through, and nothing kept alive.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

recording: contextvars.ContextVar[bool] = contextvars.ContextVar("recording", default=True)
"""True where new nodes record parents; each thread and asyncio task has its own."""


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Within this block (in this thread or task) new nodes record no parents.

    >>> from autograd import Value
    >>> x = Value(3.0)
    >>> with no_grad():
    ...     y = x * x
    >>> y.data, y.parents
    (9.0, ())
    """
    token = recording.set(False)
    try:
        yield
    finally:
        recording.reset(token)


@contextlib.contextmanager
def enable_grad() -> Iterator[None]:
    """Record parents again inside a `no_grad()` block, as `torch.enable_grad` does."""
    token = recording.set(True)
    try:
        yield
    finally:
        recording.reset(token)
