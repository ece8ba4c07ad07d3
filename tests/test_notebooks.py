"""The notebook series: numbered, linked from the README, stored without outputs, and
built on the package (`make test` executes them all through nbmake)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def cells(path: Path, kind: str) -> list[dict]:
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == kind]


def test_the_series_is_numbered_one_to_ten() -> None:
    assert [p.name[:3] for p in NOTEBOOKS] == [f"{n:02d}_" for n in range(1, 11)]


def test_the_readme_links_every_notebook_with_a_line_on_what_it_teaches() -> None:
    readme = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| \[`(\w+)`\]\(notebooks/(\w+)\.ipynb\) \| (.+) \|$", readme, re.M)
    assert [(name, target) for name, target, _ in rows] == [(p.stem, p.stem) for p in NOTEBOOKS]
    assert all(len(line) > 40 for _, _, line in rows)


def test_notebooks_are_stored_without_outputs() -> None:
    for path in NOTEBOOKS:
        for cell in cells(path, "code"):
            assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


def test_notebooks_import_the_package_and_define_no_engine_code() -> None:
    engine = {"Value", "Op", "backward", "topological_order", "draw", "Stepper", "gradcheck"}
    for path in NOTEBOOKS:
        source = "\n".join(
            line
            for cell in cells(path, "code")
            for line in "".join(cell["source"]).splitlines()
            if not line.startswith("%")
        )
        tree = ast.parse(source)
        modules = {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
        } | {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        assert modules & {"autograd", "nn"}, path.name
        assert "graphviz" not in modules, path.name
        defined = {
            node.name
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))
        }
        assert not defined & engine, (path.name, defined & engine)
