"""Warn when the PyPI package `autograd` (HIPS) shares this environment.

HIPS autograd installs a top-level package also named `autograd`. Where both are
installed, `import autograd` may load theirs, or a mix of files from both.
"""

from __future__ import annotations

import importlib.metadata
import warnings


def warn_if_shadowed() -> None:
    """Warn once, at import, if a distribution named `autograd` is installed."""
    try:
        other = importlib.metadata.distribution("autograd")
    except importlib.metadata.PackageNotFoundError:
        return
    warnings.warn(
        f"the PyPI package 'autograd' {other.version} (HIPS autograd) is installed beside "
        "stepgrad; both provide a package named 'autograd', so imports may load the wrong "
        "one. Use a separate virtual environment or run: pip uninstall autograd",
        UserWarning,
        stacklevel=3,
    )
