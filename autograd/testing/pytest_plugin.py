"""stepgrad's pytest plugin (installed with stepgrad): profiles and fixtures.

It registers the hypothesis profiles `dev`, `ci` and `thorough` (select one with
`--hypothesis-profile`), and gives tests the fixtures `gradcheck` (`autograd.gradcheck`)
and `check_op` (`autograd.testing.check_op`), so a test of your own op needs no imports:

    def test_cube(check_op):
        check_op(cube)

Without hypothesis installed the plugin registers nothing, and `check_op` says what to
install.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

import pytest

from autograd.gradcheck import gradcheck as _gradcheck

HYPOTHESIS = importlib.util.find_spec("hypothesis") is not None
if HYPOTHESIS:
    importlib.import_module("autograd.testing.profiles")


@pytest.fixture
def gradcheck() -> Callable[..., bool]:
    """`autograd.gradcheck`: backward against central differences."""
    return _gradcheck


@pytest.fixture
def check_op() -> Callable[..., None]:
    """`autograd.testing.check_op`: hypothesis searches an op's domain for a wrong derivative."""
    if not HYPOTHESIS:
        pytest.fail("check_op needs hypothesis: pip install 'stepgrad[test]'")
    from autograd.testing.checks import check_op

    return check_op
