"""The `stepgrad` command: train an MLP on a dataset, or run micrograd's demo.

    stepgrad train --dataset moons --hidden 16,16 --activation relu --epochs 100 \\
        --lr 0.1 --batch-size 32 --out DIR
    stepgrad demo --out DIR

Both print a progress bar and the final accuracy, and write to DIR the saved model
(`model.json`), the history (`history.json`), the loss curve (`loss.png`) and, for 2-D
data, the decision boundary (`boundary.png`); the demo also draws the graph of one
training sample's loss (`sample.svg`) and a page that steps through its passes (`sample.html`).

DIR is checked before training starts. Each file is written whole or not at all, and the
files are written as one set: Ctrl-C while they are written takes effect once they are all
there. A run that diverges (exit code 1) or is interrupted by Ctrl-C (exit code 130) writes
the files of its last completed epoch and says so.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import itertools
import json
import signal
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from tqdm import tqdm

import autograd
from autograd import OPS, Value
from nn import data, losses, plots
from nn.checkpoint import save, write_atomically
from nn.layers import MLP, activations
from nn.optim import SGD, Adam, LinearLR
from nn.seeds import generator
from nn.train import (
    OBJECTIVES,
    DivergenceError,
    DivergenceWarning,
    History,
    TrainingInterrupted,
    fit,
)

GENERATED = {
    "moons": data.moons,
    "circles": data.circles,
    "spirals": data.spirals,
    "blobs": data.blobs,
}
BOOLEAN = ("xor",)
"""Truth tables: too few points to hold any out, so they train and test on all of them."""
DATASETS = [*GENERATED, *BOOLEAN, "digits", "mnist"]
SAMPLES = 200
"""How many examples a generated dataset has unless --samples says."""
TEST_FRACTION = 0.2

INTERRUPTED = 130
"""The exit code of a command stopped by Ctrl-C (SIGINT), as shells report it: 128 + 2."""


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
    except KeyboardInterrupt:
        print("interrupted: only the files reported above were saved", file=sys.stderr)
        return INTERRUPTED


def train(args: argparse.Namespace) -> int:
    """Train an MLP as the options say, report and write the outputs."""
    check_out(args.out)
    _check_dataset_options(args)
    dataset = load_dataset(args)
    nin = len(dataset.inputs[0])
    if args.dataset in BOOLEAN:
        train_set = test_set = dataset
        examples = f"all {len(dataset)} examples for training and testing (too few to hold any out)"
        test_name = f"accuracy on all {len(dataset)} examples"
    else:
        fraction = TEST_FRACTION if args.test_fraction is None else args.test_fraction
        train_set, test_set = data.train_test_split(dataset, test_fraction=fraction, seed=args.seed)
        examples = f"{len(train_set)} training and {len(test_set)} test examples"
        test_name = "test accuracy"
    outputs = dataset.classes if args.loss == "cross_entropy" else 1
    model = MLP(
        nin, [*args.hidden, outputs], activation=args.activation, init=args.init, seed=args.seed
    )
    optimizer_class = Adam if args.optimizer == "adam" else SGD
    options = {"momentum": args.momentum} if args.optimizer == "sgd" else {}
    optimizer = optimizer_class(
        model.parameters(), lr=args.lr, weight_decay=args.weight_decay, **options
    )
    print(f"{dataset.name}: {examples}, {nin} inputs, {dataset.classes} classes; model {model}")
    history, code = _fit(
        model,
        train_set,
        optimizer=optimizer,
        loss=args.loss,
        epochs=args.epochs,
        batch_size=args.batch_size,
        l2=args.l2,
        test=test_set,
        seed=args.seed,
        progress=not args.no_progress,
        trace=not args.no_trace,
    )
    if history.loss:
        _report(history, args.loss, test_name=test_name)
        _write(args.out, model, history, dataset, args.loss)
    return code


def demo(args: argparse.Namespace) -> int:
    """micrograd's demo: an MLP 2-16-16-1 on 100 moons, hinge loss + L2, 100 full-batch
    steps of SGD with the learning rate decaying linearly from 1.0 to 0.1. Then it draws
    the loss of the sample with the smallest margin, the closest to being misclassified,
    and writes a page that steps through its passes."""
    check_out(args.out)
    dataset = data.moons(100, noise=0.1, seed=args.seed)
    model = MLP(2, [16, 16, 1], seed=args.seed)
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LinearLR(optimizer, start_factor=1.0, end_factor=0.1, total_iters=100)
    print(f"micrograd's demo: {model} on {len(dataset)} moons, hinge loss + 1e-4 · L2")
    history, code = _fit(
        model,
        dataset,
        optimizer=optimizer,
        loss="hinge",
        epochs=100,
        batch_size=None,
        l2=1e-4,
        schedule=schedule,
        seed=args.seed,
        progress=not args.no_progress,
        trace=not args.no_trace,
    )
    if history.loss:
        _report(history, "hinge", test_name="test accuracy")
        _write(args.out, model, history, dataset, "hinge")
    if code:
        return code
    scores = model.predict(dataset.inputs, trace=not args.no_trace)
    margins = [(2.0 * t - 1.0) * s for t, s in zip(dataset.targets, scores)]
    worst = min(range(len(dataset)), key=margins.__getitem__)
    label = 2.0 * dataset.targets[worst] - 1.0
    sample = losses.hinge([model(dataset.inputs[worst])], [label])
    sample.backward()
    _draw(sample, args.out / "sample")
    return 0


def load_dataset(args: argparse.Namespace) -> data.Dataset:
    """The dataset the options name: a generated one with --samples examples (its own noise
    unless --noise), a truth table, or digits or mnist (all, or a random --samples)."""
    if args.dataset in GENERATED:
        noise = {} if args.noise is None else {"noise": args.noise}
        samples = SAMPLES if args.samples is None else args.samples
        return GENERATED[args.dataset](samples, seed=args.seed, **noise)
    if args.dataset in BOOLEAN:
        return data.boolean(args.dataset)
    dataset = data.digits() if args.dataset == "digits" else data.mnist()
    if args.samples is None:
        return dataset
    if args.samples > len(dataset):
        raise ValueError(f"--samples {args.samples}: {args.dataset} has {len(dataset)} examples")
    rows = sorted(generator(args.seed).sample(range(len(dataset)), args.samples))
    return data.Dataset(
        [dataset.inputs[i] for i in rows],
        [dataset.targets[i] for i in rows],
        dataset.name,
        dataset.classes,
    )


def _check_dataset_options(args: argparse.Namespace) -> None:
    """Refuse the options that the chosen dataset has no use for, before anything loads."""
    if args.noise is not None and args.dataset not in GENERATED:
        raise ValueError(
            f"--noise is for the generated datasets ({', '.join(GENERATED)}), not {args.dataset}"
        )
    if args.dataset in BOOLEAN and args.samples is not None:
        raise ValueError(f"--samples: {args.dataset} has its 4 points, no more, no fewer")
    if args.dataset in BOOLEAN and args.test_fraction is not None:
        raise ValueError(
            f"--test-fraction: {args.dataset} trains and tests on all its 4 points, "
            "too few to hold any out"
        )


def check_out(out: Path) -> None:
    """Refuse an --out that the command could not write its files to, before training.

    The directory need not exist yet: then its nearest existing parent must be a directory
    where a file can be made, as it must be when it exists.
    """
    try:
        existing = next(path for path in (out, *out.parents) if path.exists())
        if existing == out and not out.is_dir():
            raise ValueError(f"--out {out} is a file; give a directory to write the outputs to")
        if not existing.is_dir():
            raise ValueError(f"--out {out}: {existing} is a file, not a directory")
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".stepgrad-check."):
            pass
    except OSError as error:
        raise ValueError(f"--out {out}: cannot write there ({error.strerror})") from None


def _fit(model: MLP, train_set: data.Dataset, **options) -> tuple[History, int]:
    """`fit`, with the exit code: 0, or 1 if training diverged, or 130 if Ctrl-C stopped it.
    Then the history and the model are those of the last completed epoch, and it says so."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", DivergenceWarning)
        warnings.showwarning = _show_warning
        try:
            return fit(model, train_set, **options), 0
        except (DivergenceError, TrainingInterrupted) as stop:
            code = 1 if isinstance(stop, DivergenceError) else INTERRUPTED
            print(str(stop).removeprefix("fit: "), file=sys.stderr)
            if not stop.history.loss:
                print("nothing saved: no epoch was completed", file=sys.stderr)
            return stop.history, code


def _show_warning(message: Warning | str, *_) -> None:
    """A warning as one line of its own, below the progress bar."""
    tqdm.write(f"warning: {str(message).removeprefix('fit: ')}", file=sys.stderr)


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


def _report(history: History, loss: str, *, test_name: str) -> None:
    line = f"after {_count(len(history.loss), 'epoch')}: loss {history.loss[-1]:.4g}"
    if OBJECTIVES[loss].decide is None:
        line += f" (no accuracy: {_regression(loss)})"
    if history.accuracy[-1] is not None:
        line += f", training accuracy {history.accuracy[-1]:.1%}"
    if history.test_accuracy[-1] is not None:
        line += f", {test_name} {history.test_accuracy[-1]:.1%}"
    print(line)


def _regression(loss: str) -> str:
    return f"{loss} fits the class labels as numbers and decides no class"


def _write(out: Path, model: MLP, history: History, dataset: data.Dataset, loss: str) -> None:
    """Write the model, its history and its figures to `out`: each file whole or not at all,
    and all of them even if Ctrl-C comes meanwhile (it takes effect afterwards)."""
    inputs = len(dataset.inputs[0])
    if inputs != 2:
        no_boundary = f"{dataset.name} has {inputs} inputs, a boundary is drawn for 2"
    elif OBJECTIVES[loss].decide is None:
        no_boundary = _regression(loss)
    else:
        no_boundary = None
    written = ["model.json", "history.json", "loss.png"]
    with _interrupts_deferred():
        out.mkdir(parents=True, exist_ok=True)
        save(model, out / "model.json")
        text = json.dumps(vars(history), indent=1) + "\n"
        write_atomically(out / "history.json", lambda path: path.write_text(text), suffix=".json")
        write_atomically(
            out / "loss.png", lambda path: plots.loss_curve(history, path), suffix=".png"
        )
        if no_boundary is None:
            write_atomically(
                out / "boundary.png",
                lambda path: plots.decision_boundary(model, dataset, path, loss=loss),
                suffix=".png",
            )
            written.append("boundary.png")
        epochs = _count(len(history.loss), "epoch")
        print(f"wrote {', '.join(written)} (after {epochs}) to {out}")
        if no_boundary is not None:
            print(f"no boundary.png: {no_boundary}")


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back until the block is done, then raise KeyboardInterrupt if it
    came. Only the main thread receives signals; elsewhere the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


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


def offered_activations() -> list[str]:
    """The activations --activation offers: those of `nn.activations()` whose output never
    falls as the input rises from -1 to 4, as a unit's response to its input should
    (relu, tanh, sigmoid, …; silu and mish dip only below -1). That leaves out ops nn
    accepts but nobody means by an activation: neg, abs, sin, cos, sinc. "linear" and
    "prelu" are nn's own."""
    grid = [x / 4 for x in range(-4, 17)]

    def rises(name: str) -> bool:
        if name not in OPS:
            return True
        op = OPS[name]
        outputs = [op.forward(x, *op.param_defaults.values()) for x in grid]
        return all(a <= b for a, b in itertools.pairwise(outputs))

    return [name for name in activations() if rises(name)]


def _version() -> str:
    try:
        return importlib.metadata.version("stepgrad")
    except importlib.metadata.PackageNotFoundError:
        return "(not installed: pip install -e .)"


def _options(parser: argparse.ArgumentParser) -> Callable[..., None]:
    """`parser.add_argument`, whose help ends with the default when there is one."""

    def add(*names: str, help: str, **options: object) -> None:
        if options.get("default") is not None and options.get("default") is not False:
            help += " (default: %(default)s)"
        parser.add_argument(*names, help=help, **options)

    return add


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stepgrad", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command")

    demo_parser = commands.add_parser(
        "demo", help="micrograd's demo: MLP 2-16-16-1 on moons", description=demo.__doc__
    )
    demo_parser.set_defaults(run=demo)
    add = _options(demo_parser)
    add("--out", type=Path, default=Path("demo-output"), metavar="DIR", help="for the outputs")
    add("--seed", type=int, default=1, help="seed of the moons and of the initial weights")
    add("--no-progress", action="store_true", help="train without a progress bar")
    add(
        "--no-trace",
        action="store_true",
        help="build every sample's graph with Values (slow) instead of tracing the model once",
    )

    train_parser = commands.add_parser(
        "train", help="train an MLP on a dataset", description=train.__doc__
    )
    train_parser.set_defaults(run=train)
    add = _options(train_parser)
    add("--dataset", choices=DATASETS, default="moons", help="what to learn")
    add(
        "--samples",
        type=_positive,
        metavar="N",
        help=f"examples to generate for {', '.join(GENERATED)} (default: {SAMPLES}), or to "
        "draw at random from digits and mnist (default: all); xor has its 4",
    )
    add("--noise", type=float, help="noise of generated datasets (default: each one's own)")
    add("--hidden", type=_sizes, default="16,16", metavar="SIZES", help="hidden layer sizes")
    add("--activation", choices=offered_activations(), default="relu", help="of the hidden layers")
    add("--init", choices=["uniform", "xavier", "he"], default="uniform", help="initial weights")
    add("--loss", choices=sorted(OBJECTIVES), default="cross_entropy", help="what to minimize")
    add("--optimizer", choices=["sgd", "adam"], default="sgd", help="how to step")
    add("--lr", type=float, default=0.1, help="learning rate")
    add("--momentum", type=float, default=0.0, help="momentum of sgd")
    add("--weight-decay", type=float, default=0.0, help="L2 decay folded into each step")
    add("--l2", type=float, default=0.0, help="alpha of the L2 term added to the loss")
    add("--epochs", type=_positive, default=100, metavar="N", help="passes over the training set")
    add("--batch-size", type=_positive, default=32, metavar="N", help="examples per step")
    add(
        "--test-fraction",
        type=float,
        metavar="SHARE",
        help=f"share of the examples held out for testing (default: {TEST_FRACTION}); "
        "xor trains and tests on all its points",
    )
    add("--seed", type=int, default=0, help="seed of the data, the split and the weights")
    add("--out", type=Path, default=Path("stepgrad-output"), metavar="DIR", help="for the outputs")
    add("--no-progress", action="store_true", help="train without a progress bar")
    add(
        "--no-trace",
        action="store_true",
        help="build every sample's graph with Values (slow) instead of tracing the model once",
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
