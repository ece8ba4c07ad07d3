"""`nn` stands on `autograd`'s public names only (and its public testing toolkit), and
`autograd` knows nothing of `nn`."""

from __future__ import annotations

import ast
from pathlib import Path

import autograd

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = set(autograd.__all__) | {"sum", "draw"}
"""autograd's public names: sum and draw are public but not in __all__ (the builtin sum;
draw imports graphviz when first used)."""


def imports(package: str) -> list[tuple[str, str, str | None]]:
    """(file, module, name) for every import in the package's modules, and for every
    attribute read from the name `autograd` (`autograd.dot` counts as importing dot)."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found += [(path.name, alias.name, None) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                found += [(path.name, node.module, alias.name) for alias in node.names]
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "autograd"
            ):
                found.append((path.name, "autograd", node.attr))
    return found


def test_nn_uses_only_public_autograd_names() -> None:
    private = [
        (file, module, name)
        for file, module, name in imports("nn")
        if (module.startswith("autograd.") and not module.startswith("autograd.testing"))
        or (module == "autograd" and name not in (None, *PUBLIC))
    ]
    assert private == []
    assert any(module == "autograd" for _, module, _ in imports("nn"))


def test_autograd_does_not_import_nn() -> None:
    assert [m for _, m, _ in imports("autograd") if m == "nn" or m.startswith("nn.")] == []
