"""`python -m autograd`, the demo that `make demo` runs."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest


def test_demo_prints_the_chain_rule_with_matching_gradients() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "autograd"], capture_output=True, text=True, check=True
    )
    out = result.stdout
    backward = re.search(r"dy/dx by backward\s+= (\S+)", out).group(1)
    by_hand = re.search(r"dy/dx by hand\s+= (\S+)", out).group(1)
    assert backward == by_hand == "10.121138461031"
    messages = re.findall(r"from (z1|z2) \(\w+\): (\S+) × (\S+) = (\S+)", out)
    assert [m[0] for m in messages] == ["z1", "z2"]
    for _, local_grad, upstream, message in messages:
        assert float(local_grad) * float(upstream) == pytest.approx(float(message), abs=1e-5)
    assert sum(float(m[3]) for m in messages) == pytest.approx(float(backward), abs=1e-5)
    assert "gradcheck (finite diff) = True" in out
