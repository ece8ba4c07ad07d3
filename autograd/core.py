"""Which engine core runs: value.py compiled by Cython, or the same file as plain Python.

Installing stepgrad compiles autograd/value.py, ops.py and replay.py when it can (see
setup.py) and writes, beside the compiled modules, the SHA-256 of the sources they came
from. On import, the compiled modules run only if that hash still matches the sources;
otherwise, or when the environment variable STEPGRAD_PURE_PYTHON is set to anything but
"" or "0", they run as plain Python. Both give bit-identical results; the compiled core is
faster. `python -m autograd --version` says which one runs, and why.

This module imports nothing from autograd, so that setup.py can use `source_hash`.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path

COMPILED = ("ops", "value", "replay")
"""The modules compiled: the table's functions cost less to call, the node maker and
backward run as C, and so does a program's replay (see `autograd.replay`). ops.py keeps
Python floats (its type hints are not C types), and the float math of numerics.py stays
plain Python."""
SOURCES = ("ops.py", "value.py", "value.pxd", "replay.py")
HASH_FILE = "value.sha256"
FOLDER = Path(__file__).parent


def source_hash(folder: Path) -> str:
    """The SHA-256 of the core's sources in `folder`, as hex."""
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()


def pure_python_requested() -> bool:
    """True if STEPGRAD_PURE_PYTHON is set to anything but "" or "0" (read at install and
    at import alike)."""
    return os.environ.get("STEPGRAD_PURE_PYTHON", "") not in ("", "0")


def built() -> bool:
    """True if the install compiled every module of the core, beside its source."""
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    return all(
        any((FOLDER / f"{name}{suffix}").exists() for suffix in suffixes) for name in COMPILED
    )


def why_plain() -> str | None:
    """Why the core runs as plain Python, or None when the compiled core can run."""
    if pure_python_requested():
        return "STEPGRAD_PURE_PYTHON is set"
    if not built():
        return "no compiled core was built (no C compiler or no Cython at install)"
    try:
        current = (FOLDER / HASH_FILE).read_text().strip() == source_hash(FOLDER)
    except OSError:
        return "a source or the record of the build is missing (reinstall to compile again)"
    if not current:
        return "its sources changed since they were compiled (reinstall to compile them again)"
    return None


def load() -> str:
    """Import the core's modules, compiled or from their .py files, and say which."""
    reason = why_plain()
    if reason is None:
        return "compiled (Cython)"  # the import system prefers a compiled module
    for name in COMPILED:
        spec = importlib.util.spec_from_file_location(f"autograd.{name}", FOLDER / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        setattr(sys.modules["autograd"], name, module)
    return f"plain Python ({reason})"
