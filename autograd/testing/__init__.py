"""Property-based gradient testing with hypothesis: strategies, `check_op`, profiles.

- `autograd.testing.strategies`: `values`, `calls` and `graphs`, examples read from the op
  table (domains, singular points, params), so they cover your own ops too;
- `autograd.testing.check_op(op)`: hypothesis searches the op's domain for an input where
  backward and finite differences disagree, or where the op's derivative is not finite
  (`UndefinedDerivative`), and shrinks it to a minimal one;
- `autograd.testing.profiles`: the hypothesis settings profiles `dev`, `ci` and `thorough`.

These need hypothesis (`pip install 'stepgrad[test]'`); they are imported when first used,
so `import autograd.testing` alone imports nothing more. Installing stepgrad also installs
a pytest plugin: the profiles and the fixtures `check_op` and `gradcheck`.
"""

from __future__ import annotations

import importlib
import importlib.util

__all__ = ["UndefinedDerivative", "check_op", "profiles", "strategies"]


def __getattr__(name: str):
    if name not in __all__:
        raise AttributeError(f"module 'autograd.testing' has no attribute {name!r}")
    if importlib.util.find_spec("hypothesis") is None:
        raise ImportError(f"autograd.testing.{name} needs hypothesis: pip install 'stepgrad[test]'")
    if name == "check_op":
        return importlib.import_module("autograd.testing.checks").check_op
    if name == "UndefinedDerivative":
        return importlib.import_module("autograd.testing.strategies").UndefinedDerivative
    return importlib.import_module(f"autograd.testing.{name}")
