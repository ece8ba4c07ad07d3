"""The warning when HIPS autograd, which installs a package of the same name, is present."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest

from autograd import _origin


class FakeDistribution:
    version = "1.7.0"


def test_warns_when_hips_autograd_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.metadata, "distribution", lambda name: FakeDistribution())
    with pytest.warns(UserWarning, match=r"'autograd' 1\.7\.0 \(HIPS autograd\).*pip uninstall"):
        _origin.warn_if_shadowed()


def test_silent_when_it_is_not() -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import autograd"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_import_needs_no_optional_dependency() -> None:
    optional = "{'graphviz', 'hypothesis', 'ipywidgets', 'anywidget', 'torch', 'numpy'}"
    code = f"import sys, autograd; print(sorted({optional} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr
