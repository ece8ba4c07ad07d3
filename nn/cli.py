"""The `stepgrad` command: train an MLP on a dataset, or run micrograd's demo.

    stepgrad train --dataset moons --hidden 16,16 --activation relu --epochs 100 \\
        --lr 0.1 --batch-size 32 --out DIR
    stepgrad demo --out DIR

Both print a progress bar and the final accuracy, and write to DIR the saved model
(`model.json`), the history (`history.json`), the loss curve (`loss.png`) and, for 2-D
data, the decision boundary (`boundary.png`); the demo also draws the graph of one
training sample's loss (`sample.svg`) and a page that steps through its passes (`sample.html`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import autograd
from autograd import Value
from nn import data, losses, plots
from nn.checkpoint import save
from nn.layers import MLP, activations
from nn.optim import SGD, Adam, LinearLR
from nn.train import OBJECTIVES, History, capped_epochs, fit

GENERATED = {
    "moons": data.moons,
    "circles": data.circles,
    "spirals": data.spirals,
    "blobs": data.blobs,
}
DATASETS = [*GENERATED, "xor", "digits", "mnist"]


def load_dataset(args: argparse.Namespace) -> data.Dataset:
    """The dataset the options name; generated ones with their own noise unless --noise."""
    if args.dataset in GENERATED:
        noise = {} if args.noise is None else {"noise": args.noise}
        return GENERATED[args.dataset](args.samples, seed=args.seed, **noise)
    if args.dataset == "xor":
        return data.boolean("xor")
    return data.digits() if args.dataset == "digits" else data.mnist()


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if getattr(args, "optimizer", None) == "adam" and args.momentum:
        parser.error("--momentum is an option of --optimizer sgd; Adam keeps its own moments")
    try:
        return args.run(args)
    except ValueError as error:
        parser.error(str(error))


def train(args: argparse.Namespace) -> int:
    """Train an MLP as the options say, report and write the outputs."""
    dataset = load_dataset(args)
    train_set, test_set = data.train_test_split(
        dataset, test_fraction=args.test_fraction, seed=args.seed
    )
    nin = len(dataset.inputs[0])
    outputs = dataset.classes if args.loss == "cross_entropy" else 1
    model = MLP(
        nin, [*args.hidden, outputs], activation=args.activation, init=args.init, seed=args.seed
    )
    optimizer_class = Adam if args.optimizer == "adam" else SGD
    options = {"momentum": args.momentum} if args.optimizer == "sgd" else {}
    optimizer = optimizer_class(
        model.parameters(), lr=args.lr, weight_decay=args.weight_decay, **options
    )
    print(
        f"{dataset.name}: {len(train_set)} training and {len(test_set)} test examples, "
        f"{nin} inputs, {dataset.classes} classes; model {model}"
    )
    history = fit(
        model,
        train_set,
        optimizer=optimizer,
        loss=args.loss,
        epochs=capped_epochs(args.epochs),
        batch_size=args.batch_size,
        l2=args.l2,
        test=test_set,
        seed=args.seed,
        progress=not args.no_progress,
    )
    _report(history)
    _write(args.out, model, history, dataset, args.loss)
    return 0


def demo(args: argparse.Namespace) -> int:
    """micrograd's demo: an MLP 2-16-16-1 on 100 moons, hinge loss + L2, 100 full-batch
    steps of SGD with the learning rate decaying linearly from 1.0 to 0.1. Then it draws
    the loss of the sample with the smallest margin, the closest to being misclassified,
    and writes a page that steps through its passes."""
    dataset = data.moons(100, noise=0.1, seed=args.seed)
    model = MLP(2, [16, 16, 1], seed=args.seed)
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LinearLR(optimizer, start_factor=1.0, end_factor=0.1, total_iters=100)
    print(f"micrograd's demo: {model} on {len(dataset)} moons, hinge loss + 1e-4 · L2")
    history = fit(
        model,
        dataset,
        optimizer=optimizer,
        loss="hinge",
        epochs=capped_epochs(100),
        batch_size=None,
        l2=1e-4,
        schedule=schedule,
        seed=args.seed,
        progress=not args.no_progress,
    )
    _report(history)
    _write(args.out, model, history, dataset, "hinge")
    margins = [(2.0 * t - 1.0) * s for t, s in zip(dataset.targets, model.predict(dataset.inputs))]
    worst = min(range(len(dataset)), key=margins.__getitem__)
    label = 2.0 * dataset.targets[worst] - 1.0
    sample = losses.hinge([model(dataset.inputs[worst])], [label])
    sample.backward()
    _draw(sample, args.out / "sample")
    return 0


def _draw(root: Value, path: Path) -> None:
    """Write the drawing of `root` as SVG and its passes step by step as an HTML page, or
    say why not (graphviz is an optional extra)."""
    try:
        autograd.draw(root).render(path, format="svg", cleanup=True)
        autograd.Stepper(root).to_html(f"{path}.html")
    except (ImportError, RuntimeError) as error:
        print(f"no drawing of one sample's loss: {error}")
    else:
        print(f"wrote the drawing of one sample's loss to {path}.svg")
        print(f"wrote its forward and backward passes, step by step, to {path}.html")


def _report(history: History) -> None:
    line = f"after {len(history.loss)} epochs: loss {history.loss[-1]:.4f}"
    if history.accuracy[-1] is not None:
        line += f", training accuracy {history.accuracy[-1]:.1%}"
    if history.test_accuracy[-1] is not None:
        line += f", test accuracy {history.test_accuracy[-1]:.1%}"
    print(line)


def _write(out: Path, model: MLP, history: History, dataset: data.Dataset, loss: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    save(model, out / "model.json")
    (out / "history.json").write_text(json.dumps(vars(history), indent=1) + "\n")
    plots.loss_curve(history, out / "loss.png")
    written = ["model.json", "history.json", "loss.png"]
    if len(dataset.inputs[0]) == 2 and OBJECTIVES[loss].decide is not None:
        plots.decision_boundary(model, dataset, out / "boundary.png", loss=loss)
        written.append("boundary.png")
    print(f"wrote {', '.join(written)} to {out}")


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return number


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 16,16, got {text!r}") from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stepgrad", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command")

    demo_parser = commands.add_parser("demo", help="micrograd's demo: MLP 2-16-16-1 on moons")
    demo_parser.set_defaults(run=demo)
    demo_parser.add_argument("--out", type=Path, default=Path("demo-output"))
    demo_parser.add_argument("--seed", type=int, default=1)
    demo_parser.add_argument("--no-progress", action="store_true")

    train_parser = commands.add_parser("train", help="train an MLP on a dataset")
    train_parser.set_defaults(run=train)
    add = train_parser.add_argument
    add("--dataset", choices=DATASETS, default="moons")
    add("--samples", type=_positive, default=200, help="examples to generate (moons, …)")
    add("--noise", type=float, help="noise of generated datasets (default: each one's own)")
    add("--hidden", type=_sizes, default=[16, 16], help="hidden layer sizes, e.g. 16,16")
    add("--activation", choices=activations(), default="relu")
    add("--init", choices=["uniform", "xavier", "he"], default="uniform")
    add("--loss", choices=sorted(OBJECTIVES), default="cross_entropy")
    add("--optimizer", choices=["sgd", "adam"], default="sgd")
    add("--lr", type=float, default=0.1)
    add("--momentum", type=float, default=0.0)
    add("--weight-decay", type=float, default=0.0)
    add("--l2", type=float, default=0.0, help="alpha of the L2 term added to the loss")
    add("--epochs", type=_positive, default=100)
    add("--batch-size", type=_positive, default=32)
    add("--test-fraction", type=float, default=0.2)
    add("--seed", type=int, default=0)
    add("--out", type=Path, default=Path("stepgrad-output"))
    add("--no-progress", action="store_true")
    return parser


if __name__ == "__main__":
    sys.exit(main())
