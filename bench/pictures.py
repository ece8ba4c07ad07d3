"""`python -m bench.pictures`: how long drawing and stepping take at the size of real networks.

Each graph is drawn with `autograd.draw` and rendered to SVG by `dot`; one training sample
of micrograd's demo MLP is written as a stepper page, and a step of that page is timed in
headless Chromium when playwright and Debian's chromium are there. Every figure is printed
beside its budget, with the garbage collector on as users run it.
"""

from __future__ import annotations

import argparse
import itertools
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import autograd
from autograd import Stepper, Value
from nn import MLP
from nn.data import moons

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def demo_loss() -> Value:
    """micrograd's demo loss: MLP 2-16-16-1 on 100 moons, hinge loss summed with the
    builtin `sum`, plus 1e-4 · Σ p² over the parameters."""
    data = moons(100, noise=0.1, seed=1)
    model = MLP(2, [16, 16, 1], seed=1337)
    scores = [model(x) for x in data.inputs]
    hinge = [(1 + -(2.0 * t - 1.0) * s).relu() for t, s in zip(data.targets, scores)]
    return sum(hinge) * (1.0 / len(hinge)) + 1e-4 * sum(p * p for p in model.parameters())


def unlabelled_mlp_loss() -> Value:
    """The same demo loss written as micrograd writes it, with no labels: each neuron is
    `sum((wi * xi for ...), b)` on plain Values, so no module groups its nodes."""
    rng = random.Random(0)
    sizes = [2, 16, 16, 1]
    layers = [
        [([Value(rng.uniform(-1, 1)) for _ in range(n)], Value(0.0)) for _ in range(m)]
        for n, m in itertools.pairwise(sizes)
    ]
    data = moons(100, noise=0.1, seed=1)
    losses = []
    for x, t in zip(data.inputs, data.targets):
        out: list = [Value(v) for v in x]
        for depth, layer in enumerate(layers):
            acts = [sum((w * v for w, v in zip(ws, out)), b) for ws, b in layer]
            out = acts if depth == len(layers) - 1 else [a.relu() for a in acts]
        losses.append((1 + -(2.0 * t - 1.0) * out[0]).relu())
    return sum(losses) * (1.0 / len(losses))


def mnist_sample() -> Value:
    """One MNIST-shaped sample through an MLP 784-128-256-10, softmax cross-entropy."""
    from nn import losses

    rng = random.Random(0)
    model = MLP(784, [128, 256, 10], seed=0)
    return losses.cross_entropy(model([rng.random() for _ in range(784)]), 3)


def chain(length: int) -> Value:
    """`length` ops in one chain outside any module, tanh and * 1.0001 in turn."""
    y = Value(0.1, label="x")
    for i in range(length):
        y = y.tanh() if i % 2 else y * 1.0001
    return y


def random_dag(size: int, seed: int = 0) -> Value:
    """About `size` nodes of random ops over earlier nodes (fan-out everywhere), and the
    sum of those no op used, so that every node reaches the root."""
    rng = random.Random(seed)
    nodes = [Value(rng.uniform(-1, 1)) for _ in range(10)]
    used: set[Value] = set()
    made = len(nodes)
    while made < size - 1:
        a, b = rng.choice(nodes[-50:]), rng.choice(nodes)
        used.update((a, b))
        kind = rng.randrange(3)
        nodes.append(a + b if kind == 0 else (a * b).tanh() if kind == 1 else (a - b).tanh())
        made += 1 if kind == 0 else 2
    return autograd.sum([node for node in nodes if node not in used])


def demo_sample() -> Value:
    """One sample through micrograd's demo MLP and its hinge loss."""
    model = MLP(2, [16, 16, 1], seed=1337)
    return (1 + -1.0 * model([0.5, -0.3])).relu()


GRAPHS: dict[str, tuple[Callable[[], Value], float]] = {
    "demo loss (nn, builtin sum, L2)": (demo_loss, 5.0),
    "demo loss, unlabelled micrograd-style": (unlabelled_mlp_loss, 5.0),
    "MNIST sample 784-128-256-10": (mnist_sample, 5.0),
    "chain of 10^6 ops": (lambda: chain(1_000_000), 10.0),
    "random DAG of 10^4 nodes": (lambda: random_dag(10_000), 10.0),
}
"""Each graph, and the seconds its drawing and SVG may take together."""


def measure_drawing(make: Callable[[], Value]) -> tuple[int, float, float, str]:
    root = make()
    root.backward()
    nodes = len(autograd.topological_order(root))
    started = time.perf_counter()
    drawing = autograd.draw(root)
    drawn = time.perf_counter()
    drawing.pipe(format="svg")
    rendered = time.perf_counter()
    return nodes, drawn - started, rendered - drawn, drawing.scene.note


def measure_page(folder: Path) -> tuple[int, float, float, Path]:
    stepper = Stepper(demo_sample(), learning_rate=0.1)
    started = time.perf_counter()
    path = Path(stepper.to_html(str(folder / "demo.html")))
    return len(stepper), time.perf_counter() - started, path.stat().st_size / 1e6, path


def measure_step(page_path: Path) -> float | None:
    """Milliseconds per step, stepping the page's slider through every step."""
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if chromium is None:
        return None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1108, "height": 900})
        page.goto(page_path.as_uri())
        page.wait_for_selector(".stepgrad-viewer.sg-ready")
        milliseconds = page.evaluate(
            """() => { const s = document.querySelector('.sg-slider'); const t = performance.now();
            for (let k = 0; k <= Number(s.max); k += 1) {
                s.value = k; s.dispatchEvent(new Event('input')); }
            return (performance.now() - t) / (Number(s.max) + 1); }"""
        )
        browser.close()
    return milliseconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pictures", description=__doc__)
    parser.parse_args(argv)
    print(f"{'graph':<40} {'nodes':>9} {'draw s':>7} {'dot s':>6} {'budget':>7}  note")
    over = 0
    for name, (make, budget) in GRAPHS.items():
        nodes, drawing, rendering, note = measure_drawing(make)
        total = drawing + rendering
        over += total > budget
        mark = "" if total <= budget else "  OVER BUDGET"
        print(
            f"{name:<40} {nodes:>9,} {drawing:>7.2f} {rendering:>6.2f} {budget:>6.0f}s  "
            f"{note}{mark}"
        )
    with tempfile.TemporaryDirectory() as folder:
        steps, seconds, megabytes, path = measure_page(Path(folder))
        print(
            f"\nstepper page, one demo sample: {steps:,} steps, {seconds:.2f} s (budget 5 s), "
            f"{megabytes:.2f} MB (budget 3 MB)"
        )
        over += seconds > 5 or megabytes > 3
        milliseconds = measure_step(path)
    if milliseconds is None:
        print("a step in Chromium: not measured (needs playwright and chromium)")
    else:
        print(f"a step in headless Chromium: {milliseconds:.2f} ms (budget 50 ms)")
        over += milliseconds > 50
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
