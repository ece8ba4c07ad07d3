"""The README's figures: `make drawings` (`python -m autograd.figures DIR`) writes them, and
the committed ones match freshly drawn ones."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from autograd.figures import lecture_figures

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["lecture003_backward.svg", "lecture003_forward.svg"]


def texts(svg: Path) -> list[str]:
    return sorted(re.findall(r"<text[^>]*>([^<]*)</text>", svg.read_text()))


def test_the_readme_figures_are_up_to_date(dot_program: str, tmp_path: Path) -> None:
    """The committed SVGs show the same text as freshly drawn ones: `make drawings`."""
    committed = ROOT / "notebooks" / "figures"
    for fresh in map(Path, lecture_figures(str(tmp_path))):
        assert texts(fresh) == texts(committed / fresh.name) != []


def test_the_command_writes_both_views_and_prints_their_paths(
    dot_program: str, tmp_path: Path
) -> None:
    folder = tmp_path / "figures"
    result = subprocess.run(
        [sys.executable, "-m", "autograd.figures", str(folder)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert sorted(p.name for p in folder.iterdir()) == NAMES
    assert sorted(Path(line).name for line in result.stdout.splitlines()) == NAMES
    backward = " ".join(texts(folder / "lecture003_backward.svg"))
    assert "L_reg" in backward and "grad" in backward and "data" not in backward
