"""Time a workload as users run it, and check that two libraries computed the same gradients.

The garbage collector stays on with its default thresholds: building a graph allocates many
GC-tracked objects, so CPython runs collections during the build, and that cost is part of what
a user waits for. It is measured (not changed) through `gc.callbacks` and reported as a share of
the time. Repetitions run back to back and their mean is reported, not their minimum, which
would pick a repetition that happened to escape a collection.
"""

from __future__ import annotations

import contextlib
import gc
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from time import perf_counter

from bench.workloads import Grads


@dataclass(frozen=True)
class Timing:
    """`seconds` per repetition (mean), the share of them spent in GC, and the last gradients."""

    seconds: float
    gc_share: float
    grads: Grads


class GradientMismatch(AssertionError):
    """Two libraries ran a workload and disagree on a leaf gradient: they did different work."""


def time_workload(run: Callable[[], Grads], repeat: int) -> Timing:
    """Run `run()` `repeat` times in a row with GC on; a full collection first, untimed.

    The collection first makes each measurement start from an empty heap, so garbage left by
    the previous workload (or library) is not collected on this one's clock.
    """
    gc.collect()
    with _gc_clock() as in_gc:
        start = perf_counter()
        for _ in range(repeat):
            grads = run()
        elapsed = perf_counter() - start
    return Timing(elapsed / repeat, in_gc[0] / elapsed, grads)


@contextlib.contextmanager
def _gc_clock() -> Iterator[list[float]]:
    """Yield a one-item list that accumulates the seconds spent in GC collections."""
    in_gc = [0.0]
    started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = perf_counter()
        else:
            in_gc[0] += perf_counter() - started[0]

    gc.callbacks.append(on_gc)
    try:
        yield in_gc
    finally:
        gc.callbacks.remove(on_gc)


@contextlib.contextmanager
def recursion_limit(limit: int) -> Iterator[None]:
    """Raise Python's recursion limit to at least `limit` within the block, then restore it.

    micrograd's backward sorts the graph by a recursive depth-first search, one Python frame per
    node on the longest path, so it needs this for deep graphs; stepgrad runs outside it.
    """
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def check_same_grads(name: str, ours: Sequence[float], theirs: Sequence[float]) -> None:
    """Raise `GradientMismatch` unless every leaf gradient agrees to 1e-9 relative."""
    if len(ours) != len(theirs):
        raise GradientMismatch(f"{name}: {len(ours)} leaf gradients vs {len(theirs)}")
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if not math.isclose(a, b, rel_tol=1e-9):
            raise GradientMismatch(f"{name}: leaf {i} has gradient {a!r} vs {b!r}")
