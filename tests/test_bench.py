"""`python -m bench --quick`: the benchmark runs, and both libraries agree on every gradient."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path


def test_quick_benchmark_runs_with_gc_on_and_gradients_agree(micrograd) -> None:
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--repeat", "2"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"GC on: True, thresholds {gc.get_threshold()} (not changed)" in result.stdout
    rows = [line for line in result.stdout.splitlines() if line.rstrip().endswith("x")]
    assert len(rows) == 13
    assert all(float(line.split()[-1].rstrip("x")) > 0 for line in rows)
    assert "deep chain" in result.stdout and "not run" in result.stdout
