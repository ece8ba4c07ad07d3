"""`python -m autograd`: the multivariate chain rule of the lectures, computed and checked.

z1 = sin x, z2 = x³, y = z1⁴ e^z2 + 5 z1 + 7 z2. The input x reaches y along two paths,
so backward adds two messages into x.grad, and the result matches the hand-derived
dy/dx = (4 z1³ e^z2 + 5) cos x + (z1⁴ e^z2 + 7) 3x².
"""

from __future__ import annotations

import argparse
import importlib.metadata
import math

import autograd
from autograd import Value, edges, gradcheck


def chain_rule_example(x: Value) -> Value:
    """y(x) from seed 002, with each intermediate labelled as on the slide."""
    z1 = x.sin()
    z1.label = "z1"
    z2 = x**3
    z2.label = "z2"
    y = z1**4 * z2.exp() + 5 * z1 + 7 * z2
    y.label = "y"
    return y


def main(argv: list[str] | None = None) -> None:
    """Print the example, or with --version the version and which core runs."""
    parser = argparse.ArgumentParser(prog="python -m autograd", description=__doc__)
    parser.add_argument("--version", action="store_true", help="the version and the core")
    if parser.parse_args(argv).version:
        print(f"stepgrad {importlib.metadata.version('stepgrad')}, core: {autograd.CORE}")
        return
    x = Value(0.5, label="x")
    y = chain_rule_example(x)
    y.backward()
    z1, z2 = math.sin(x.data), x.data**3
    by_hand = (4 * z1**3 * math.exp(z2) + 5) * math.cos(x.data) + (
        z1**4 * math.exp(z2) + 7
    ) * 3 * x.data**2

    print("Multivariate chain rule (lecture 002): z1 = sin x, z2 = x³, y = z1⁴ e^z2 + 5 z1 + 7 z2")
    print(f"  x = {x.data}   y = {y.data:.6f}")
    print("  messages into x, one per use (local derivative × upstream gradient):")
    for edge in edges(y):
        if edge.parent is x:
            print(
                f"    from {edge.consumer.label} ({edge.consumer.op.name}): "
                f"{edge.local_grad:.6f} × {edge.consumer.grad:.6f} = {edge.message:.6f}"
            )
    print(f"  dy/dx by backward       = {x.grad:.12f}  (the messages summed with +=)")
    print(f"  dy/dx by hand           = {by_hand:.12f}")
    print(f"  gradcheck (finite diff) = {gradcheck(chain_rule_example, [x.data])}")


if __name__ == "__main__":
    main()
