"""The README's figures: `make drawings` (`python -m autograd.figures DIR`) writes them, and
the committed ones match freshly drawn ones: the drawings' texts, and the quiz page's data
(all but its laid-out pictures)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from autograd.figures import lecture001_network, lecture001_quiz, lecture_figures

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["lecture001_quiz.html", "lecture003_backward.svg", "lecture003_forward.svg"]


def texts(svg: Path) -> list[str]:
    return sorted(re.findall(r"<text[^>]*>([^<]*)</text>", svg.read_text()))


def test_the_readme_figures_are_up_to_date(dot_program: str, tmp_path: Path) -> None:
    """The committed SVGs show the same text as freshly drawn ones: `make drawings`."""
    committed = ROOT / "notebooks" / "figures"
    for fresh in map(Path, lecture_figures(str(tmp_path))):
        assert texts(fresh) == texts(committed / fresh.name) != []


def page_data(page: Path) -> dict:
    """The data of a viewer's page, without the SVG of its pictures."""
    found = re.search(
        r'<script type="application/json" class="sg-data">(.*?)</script>', page.read_text()
    )
    data = json.loads(found.group(1))
    for view in data["views"]:
        del view["svg"]
    return data


def test_the_quiz_page_is_up_to_date(dot_program: str, tmp_path: Path) -> None:
    fresh = page_data(Path(lecture001_quiz(str(tmp_path))))
    assert fresh == page_data(ROOT / "notebooks" / "figures" / "lecture001_quiz.html")
    assert len(fresh["quiz"]["questions"]) == 10 and fresh["total"] == 25 + 28 + 8


def test_the_quiz_network_is_lecture_001s() -> None:
    total, weights = lecture001_network()
    assert round(total.data, 9) == 0.298371109  # E_total of Mazur's worked example
    total.backward()
    assert [w.label for w in weights] == [f"w{i}" for i in range(1, 9)]
    assert round(weights[4].data - 0.5 * weights[4].grad, 8) == 0.35891648  # w5 after a step


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
