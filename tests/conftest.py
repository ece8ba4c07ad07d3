"""Shared test setup: the hypothesis profile and strict mode for optional dependencies.

`make test` sets STEPGRAD_STRICT=1: there a missing optional dependency (torch) fails
the tests that need it, and any skipped test fails the run. A plain `pytest` without
torch skips those tests with a reason instead.
"""

from __future__ import annotations

import importlib
import os
import shutil
from types import ModuleType

import pytest
from hypothesis import settings

import autograd

STRICT = os.environ.get("STEPGRAD_STRICT") == "1"

pytest_plugins = ["pytester"]

settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))  # registered by stepgrad's plugin

if not getattr(autograd, "__stepgrad__", False):
    raise ImportError(
        f"'autograd' was imported from {autograd.__file__}, which is not stepgrad's engine "
        "(is HIPS autograd installed?): pip uninstall autograd"
    )


def require(name: str) -> ModuleType:
    """Import an optional test dependency; skip without it, or fail in strict mode."""
    if STRICT:
        return importlib.import_module(name)
    return pytest.importorskip(name, reason=f"{name} is not installed (pip install -e '.[test]')")


@pytest.fixture(scope="session")
def torch() -> ModuleType:
    torch = require("torch")
    torch.set_default_dtype(torch.float64)
    return torch


@pytest.fixture(scope="session")
def micrograd() -> ModuleType:
    return require("micrograd")


def program(name: str, package: str) -> str:
    """The path of a program that `make test` installs from Debian's `package`; skip
    without it, or fail in strict mode."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is missing: sudo apt-get install {package}"
        if STRICT:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def dot_program() -> str:
    """Graphviz's dot, which rendering tests need."""
    return program("dot", "graphviz")


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, for the test in a real browser."""
    return program("chromium", "chromium")


_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if STRICT and report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if STRICT and _skipped:
        print(f"\nSTEPGRAD_STRICT=1: {len(_skipped)} test(s) skipped, which fails the run:")
        for nodeid in _skipped:
            print(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser(chromium: str):
    """Headless Chromium through playwright, for the pages a user opens."""
    sync_api = require("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
