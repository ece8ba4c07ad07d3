"""`python -m bench`: stepgrad and micrograd 0.1.0 on the same workloads, side by side."""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from micrograd.engine import Value as MicrogradValue

import autograd
from autograd import Value
from bench import networks
from bench.timing import Timing, check_same_grads, recursion_limit, time_workload
from bench.workloads import (
    Grads,
    constant_chain,
    constants,
    fan_out,
    mlp_loss,
    mlp_problem,
    relu_chain,
)


@dataclass(frozen=True)
class Sizes:
    """`ops` deep chains and fan-out uses; an MLP inputs → hidden → 1 over `batch` rows."""

    ops: int
    inputs: int
    hidden: int
    batch: int
    deep: int

    @property
    def micrograd_depth(self) -> int:
        """A recursion limit for micrograd's backward: no graph here is 2·ops nodes deep."""
        return 2 * self.ops + 1_000


DEFAULT = Sizes(ops=100_000, inputs=8, hidden=32, batch=64, deep=1_000_000)
QUICK = Sizes(ops=1_000, inputs=4, hidden=8, batch=4, deep=10_000)
NETWORKS = {DEFAULT: (100, [784, 128, 256, 10], 100), QUICK: (10, [16, 8, 8, 4], 10)}
"""Per size: the points of micrograd's demo step, the MLP of the MNIST sample rows, and the
side of the decision-boundary grid."""


@dataclass(frozen=True)
class Row:
    """One workload: stepgrad's code and micrograd's (None: micrograd cannot run it).

    `same_work` is False where the two compute different things, so their gradients
    are not compared.
    """

    name: str
    stepgrad: Callable[[], Grads]
    micrograd: Callable[[], Grads] | None
    same_work: bool = True


def rows(sizes: Sizes) -> list[Row]:
    """The workloads at `sizes`; rows marked "Σ node" use stepgrad's idiomatic `autograd.sum`."""
    cs = constants(sizes.ops)
    mlp = mlp_problem(sizes.inputs, sizes.hidden, sizes.batch)
    net = f"MLP {sizes.inputs}-{sizes.hidden}-1, batch {sizes.batch}"

    def same_code(name: str, workload: Callable[..., Grads], *args: object) -> Row:
        return Row(name, partial(workload, Value, *args), partial(workload, MicrogradValue, *args))

    def sigma_node(name: str, workload: Callable[..., Grads], arg: object) -> Row:
        return Row(
            name,
            partial(workload, Value, arg, total=autograd.sum),
            partial(workload, MicrogradValue, arg),
        )

    return [
        same_code(f"W2 chain relu(y·w + b), {sizes.ops:,} ops", relu_chain, sizes.ops),
        same_code(f"W2 chain relu(y·w + b), {sizes.ops // 10:,} ops", relu_chain, sizes.ops // 10),
        same_code(f"chain y·0.9999 + 0.0001, {sizes.ops:,} ops", constant_chain, sizes.ops),
        same_code(f"W3 fan-out Σ x·c_i, {sizes.ops:,} uses, binary +", fan_out, cs),
        sigma_node(f"fan-out Σ x·c_i, {sizes.ops:,} uses, Σ node", fan_out, cs),
        same_code(f"{net}, binary +", mlp_loss, mlp),
        sigma_node(f"{net}, Σ node", mlp_loss, mlp),
        Row(
            f"deep chain relu(y·w + b), {sizes.deep:,} ops",
            partial(relu_chain, Value, sizes.deep),
            None,
        ),
    ]


def network_rows(sizes: Sizes) -> list[Row]:
    """micrograd's demo step, and one MNIST-sized sample: each library's own `nn` code;
    then W1 and W4 again, replayed by a program that `autograd.trace` recorded once; and
    the outputs of a decision-boundary grid, all points at once (`Module.predict`).

    These rows hold their models (135,000 parameters in each library for MNIST), so they
    are made after the engine rows have run: live objects make every full garbage
    collection longer, and the engine rows should not pay for them.
    """
    points, shape, side = NETWORKS[sizes]
    grid = networks.boundary_grid(side)
    demo = networks.demo_problem(points)
    sample = networks.mnist_problem(shape)
    mlp = "-".join(map(str, shape))
    micrograd_sample = partial(networks.micrograd_sample, networks.micrograd_model(sample), sample)
    demo_model, sample_model = networks.stepgrad_model(demo), networks.stepgrad_model(sample)
    demo_program = networks.demo_program(demo_model, demo)
    sample_program = networks.sample_program(sample_model, sample)
    return [
        Row(
            f"W1 demo step: MLP 2-16-16-1, {points} moons, hinge + L2, SGD",
            partial(networks.stepgrad_demo_step, networks.stepgrad_model(demo), demo),
            partial(networks.micrograd_demo_step, networks.micrograd_model(demo), demo),
        ),
        Row(
            f"W4 MLP {mlp}, one sample, squared loss",
            partial(networks.stepgrad_sample, networks.stepgrad_model(sample), sample, "squared"),
            micrograd_sample,
        ),
        Row(
            f"MLP {mlp}, one sample, cross-entropy ‡",
            partial(
                networks.stepgrad_sample, networks.stepgrad_model(sample), sample, "cross_entropy"
            ),
            micrograd_sample,
            same_work=False,
        ),
        Row(
            "W1 demo step, traced program replay",
            partial(networks.program_demo_step, demo_program, demo_model, demo),
            partial(networks.micrograd_demo_step, networks.micrograd_model(demo), demo),
        ),
        Row(
            f"W4 MLP {mlp}, one sample, traced program replay",
            partial(networks.program_sample, sample_program, sample_model, sample),
            micrograd_sample,
        ),
        Row(
            f"decision boundary: {side}x{side} grid through MLP 2-16-16-1, batch",
            partial(networks.stepgrad_boundary, networks.stepgrad_model(demo), np.array(grid)),
            partial(networks.micrograd_boundary, networks.micrograd_model(demo), grid),
        ),
    ]


def measure(row: Row, repeat: int, depth: int) -> tuple[Timing, Timing | None]:
    """Time stepgrad's repetitions, then micrograd's, and check their gradients agree.

    micrograd runs with the recursion limit raised to `depth`, stepgrad at Python's default.
    """
    ours = time_workload(row.stepgrad, repeat)
    if row.micrograd is None:
        return ours, None
    with recursion_limit(depth):
        theirs = time_workload(row.micrograd, repeat)
    if row.same_work:
        check_same_grads(row.name, ours.grads, theirs.grads)
    return ours, theirs


WIDTH = 60
"""Characters for the workload names column."""
HEADER = ("stepgrad s", "GC", "micrograd s", "GC", "micrograd/stepgrad")


def format_row(name: str, width: int, cells: Sequence[str]) -> str:
    """`name` padded to `width`, then the cells right-aligned under `HEADER`."""
    columns = (c.rjust(len(h)) for c, h in zip(cells, HEADER, strict=True))
    return "  ".join([name.ljust(width), *columns]).rstrip()


def cells(ours: Timing, theirs: Timing | None) -> list[str]:
    """Seconds per repetition and GC share of each library, and micrograd / stepgrad."""
    mine = [f"{ours.seconds:.4f}", f"{ours.gc_share:.0%}"]
    if theirs is None:
        return [*mine, "not run", "", ""]
    ratio = theirs.seconds / ours.seconds
    return [*mine, f"{theirs.seconds:.4f}", f"{theirs.gc_share:.0%}", f"{ratio:.2f}x"]


def preamble(repeat: int) -> str:
    """The Python version, the GC state and the method, printed above the table."""
    micrograd = importlib.metadata.version("micrograd")
    return (
        f"stepgrad vs micrograd {micrograd} on {platform.python_implementation()} "
        f"{platform.python_version()}, one process; stepgrad's core: {autograd.CORE}\n"
        f"GC on: {gc.isenabled()}, thresholds {gc.get_threshold()} (not changed)\n"
        f"s: seconds per repetition of graph build + backward, mean of {repeat} in a row\n"
        "GC: the share of those seconds spent in garbage collection\n"
    )


FOOTNOTE = (
    "Leaf gradients of both libraries agree to 1e-9 relative on every row that runs both,\n"
    "except ‡: stepgrad's softmax cross-entropy against micrograd's squared loss (it has no exp).\n"
    "W1-W4: the four workloads the README's speed figures name (W2 at 10^5 and 10^4 ops).\n"
    "Traced program replay: the same step replayed by an autograd.trace program, traced once\n"
    "before timing (the trace is not timed).\n"
    "Decision boundary: stepgrad's model.predict traces the model (timed) and runs the program\n"
    "over every point at once with numpy; micrograd builds a graph per point, as its demo does.\n"
    "Σ node rows: stepgrad sums with one n-ary autograd.sum node, micrograd with binary +.\n"
    "micrograd is not run on the deep chain: its backward recurses once per node, so it raises\n"
    "RecursionError at Python's default recursion limit (1000) and needs the limit raised, as\n"
    "it is for its rows above; stepgrad's backward is iterative and runs at the default limit."
)


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, time every row, and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (10^3 ops), a smoke test")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions per library and row")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    sizes = QUICK if args.quick else DEFAULT
    print(preamble(args.repeat))
    print(format_row("workload", WIDTH, HEADER))
    for make in (rows, network_rows):
        for row in make(sizes):
            timings = measure(row, args.repeat, sizes.micrograd_depth)
            print(format_row(row.name, WIDTH, cells(*timings)), flush=True)
    print()
    print(FOOTNOTE)


if __name__ == "__main__":
    main()
