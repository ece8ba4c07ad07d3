"""`nn` stands on `autograd`'s public names only (and its public testing toolkit),
`autograd` knows nothing of `nn`, and neither reads an environment variable that the README
does not document for users."""

from __future__ import annotations

import ast
from pathlib import Path

import autograd

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = set(autograd.__all__) | {"sum", "draw", "checks"}
"""autograd's public names: sum and draw are public but not in __all__ (the builtin sum;
draw imports graphviz when first used), and so is the module `checks`, whose checks and
error messages nn shares."""


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


def environment_reads(tree: ast.AST) -> list[str | None]:
    """The environment variables a module reads, by `os.environ[name]`,
    `os.environ.get(name)`, `name in os.environ` or `os.getenv(name)`; None for any other
    use of the environment (a name that is not a literal, `from os import environ`, the
    whole mapping)."""
    names: list[str | None] = []
    keys: dict[ast.AST, ast.AST | None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            keys[node.value] = node.slice
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            key = node.args[0] if node.args else None
            keys[node.func if node.func.attr == "getenv" else node.func.value] = key
        elif isinstance(node, ast.Compare) and isinstance(node.ops[0], (ast.In, ast.NotIn)):
            keys[node.comparators[0]] = node.left
    for node in ast.walk(tree):
        if isinstance(node, ast.alias) and node.name in ("environ", "environb", "getenv"):
            names.append(None)
        elif isinstance(node, ast.Attribute) and node.attr in ("environ", "environb", "getenv"):
            key = keys.get(node)
            names.append(key.value if isinstance(key, ast.Constant) else None)
    return names


CI_SWITCHES = {"STEPGRAD_STRICT", "STEPGRAD_MAX_EPOCHS"}
"""Variables that `make test` sets for the tests and the notebooks, which the README
mentions but which are not settings of the library."""


def test_the_library_reads_only_environment_variables_documented_for_users() -> None:
    """Test and CI switches live in the tests, the notebooks and the Makefile; the library
    reads only variables that the README documents for users, by name."""
    readme = (ROOT / "README.md").read_text()
    for package in ("autograd", "nn"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for name in environment_reads(ast.parse(path.read_text())):
                where = path.relative_to(ROOT).as_posix()
                assert name is not None, f"{where} reads the environment, not one variable"
                assert name not in CI_SWITCHES, f"{where} reads the CI switch {name}"
                assert f"`{name}" in readme, f"{where} reads {name}, which README does not document"
