"""Run Graphviz's `dot` as a child process, bounded in time, never left behind.

`dot` can take minutes on a large graph, and an interrupted render must not leave it
running: `run_dot` starts it in its own process group, and on a timeout, a
KeyboardInterrupt (Ctrl-C, or Jupyter's Kernel > Interrupt) or any other exception while
waiting, kills that group and reaps the child before raising. This module needs only the
standard library.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import signal
import subprocess

from autograd import checks

INSTALL = "install Graphviz's dot program: sudo apt-get install graphviz (or graphviz.org/download)"
STDERR_LIMIT = 2000
"""How many characters of dot's complaint a RenderError quotes."""

_NAME = re.compile(r"[a-z0-9_:]+")


class GraphvizMissing(RuntimeError):
    """Rendering needs Graphviz's `dot` program, and it is not installed."""


class RenderTimeout(TimeoutError):
    """`dot` did not finish within the time bound; it was killed."""


class RenderError(RuntimeError):
    """`dot` exited with an error, which the message quotes."""


def run_dot(
    source: str, *, format: str = "svg", timeout: float = 30.0, engine: str = "dot"
) -> bytes:
    """The output of `engine -T<format>` given the DOT `source` (utf-8) on stdin.

    Raises GraphvizMissing if `engine` is not installed, RenderError if it fails, and
    RenderTimeout if it runs longer than `timeout` seconds. On a timeout or any exception
    while waiting (KeyboardInterrupt stays KeyboardInterrupt) the child's process group is
    killed and the child reaped first, so no `dot` outlives the call.
    """
    _check_name("format", format)
    _check_name("engine", engine)
    _check_timeout(timeout)
    data = source.encode("utf-8")
    try:
        child = subprocess.Popen(
            [engine, f"-T{format}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise GraphvizMissing(
            f"draw: rendering needs Graphviz ({engine} not found): {INSTALL}"
        ) from None
    with child:
        try:
            out, err = child.communicate(data, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(child)
            raise RenderTimeout(
                f"draw: {engine} did not finish within {timeout:g} s; draw fewer nodes with "
                "max_nodes=, or pass a larger timeout="
            ) from None
        except BaseException:
            _kill(child)
            raise
    if child.returncode != 0:
        complaint = err.decode("utf-8", errors="replace").strip()[:STDERR_LIMIT]
        raise RenderError(f"draw: {engine} failed (exit status {child.returncode}): {complaint}")
    return out


def _check_name(argument: str, value: object) -> None:
    """Format and engine names go on a command line: only [a-z0-9_:] may pass."""
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise ValueError(
            f"draw: {argument} must be a non-empty string of a-z, 0-9, _ and :, not {value!r}"
        )


def _check_timeout(timeout: object) -> None:
    """A time bound is a positive finite number of seconds (`0 < nan` is False)."""
    if not checks.is_real(timeout) or not 0 < timeout < math.inf:
        raise ValueError(
            f"draw: timeout must be a positive finite number of seconds, not {timeout!r}"
        )


def _kill(child: subprocess.Popen) -> None:
    """SIGKILL the child's process group, then wait so the child is reaped."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()
