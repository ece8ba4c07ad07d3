"""Figures: returned for Jupyter, saved when given a path, composable through `axes=`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require

from nn import MLP, Perceptron, plots
from nn.data import Dataset, blobs, boolean
from nn.train import History

PNG = b"\x89PNG\r\n\x1a\n"

plt = require("matplotlib.pyplot")


def history(losses: list[float], *, test: bool = False) -> History:
    accuracy = [0.5 + 0.1 * i for i in range(len(losses))]
    return History(
        loss=losses,
        accuracy=accuracy,
        test_accuracy=accuracy if test else [None] * len(losses),
    )


@pytest.fixture(autouse=True)
def no_figure_left_open() -> Iterator[None]:
    yield
    assert plt.get_fignums() == [], "a plot left a figure open in pyplot"


def test_loss_curve_returns_its_figure_without_writing_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    figure = plots.loss_curve(history([1.0, 0.5, 0.25], test=True))
    loss_axes, accuracy_axes = figure.axes
    assert loss_axes.get_title() == "training loss" and loss_axes.get_yscale() == "log"
    assert list(loss_axes.lines[0].get_ydata()) == [1.0, 0.5, 0.25]
    assert [line.get_label() for line in accuracy_axes.lines] == ["train", "test"]
    assert list(tmp_path.iterdir()) == []


def test_loss_curve_leaves_out_an_unknown_test_accuracy() -> None:
    _, accuracy_axes = plots.loss_curve(history([1.0, 0.5])).axes
    assert [line.get_label() for line in accuracy_axes.lines] == ["train"]


def test_loss_curve_saves_a_png_to_a_path(tmp_path: Path) -> None:
    figure = plots.loss_curve(history([1.0, 0.5]), tmp_path / "loss.png")
    assert (tmp_path / "loss.png").read_bytes()[:8] == PNG
    assert len(figure.axes) == 2


def test_loss_curves_draws_one_labelled_line_per_run_on_one_axes(tmp_path: Path) -> None:
    runs = {"batch": history([1.0, 0.9, 0.8]), "online": history([1.0, 0.4])}
    figure = plots.loss_curves(runs, tmp_path / "runs.png", title="batch sizes")
    (axes,) = figure.axes
    assert axes.get_title() == "batch sizes"
    assert [line.get_label() for line in axes.lines] == ["batch", "online"]
    assert [list(line.get_xdata()) for line in axes.lines] == [[1, 2, 3], [1, 2]]
    assert [text.get_text() for text in axes.get_legend().get_texts()] == ["batch", "online"]
    assert (tmp_path / "runs.png").read_bytes()[:8] == PNG


def test_loss_curves_draws_into_given_axes() -> None:
    figure, (left, right) = plt.subplots(1, 2)
    plt.close(figure)
    assert plots.loss_curves({"a": history([1.0])}, axes=right) is figure
    assert not left.lines and len(right.lines) == 1


def test_loss_curves_needs_a_history() -> None:
    with pytest.raises(ValueError, match="at least one history"):
        plots.loss_curves({})


def test_decision_boundaries_side_by_side_with_their_titles(tmp_path: Path) -> None:
    figure, axes = plt.subplots(1, 3)
    plt.close(figure)
    for ax, name in zip(axes, ("and", "or", "xor")):
        drawn = plots.decision_boundary(
            Perceptron(2, seed=0), boolean(name), loss="hinge", title=name.upper(), axes=ax
        )
        assert drawn is figure
    assert [ax.get_title() for ax in figure.axes] == ["AND", "OR", "XOR"]
    assert all(len(ax.collections) == 2 for ax in figure.axes)  # the regions, the points
    assert list(tmp_path.iterdir()) == []


def test_decision_boundary_colours_each_class_the_same_in_regions_and_points() -> None:
    data = blobs(30, centers=[[-2.0, 0.0], [0.0, 2.0], [2.0, 0.0]], noise=0.1, seed=0)
    figure = plots.decision_boundary(MLP(2, [3], seed=0), data, resolution=20)
    (axes,) = figure.axes
    regions, points = axes.collections
    assert axes.get_title() == "decision boundary: blobs"
    assert set(regions.get_array().ravel()) == {0, 1, 2}
    assert regions.cmap.N == points.cmap.N == 3
    assert points.norm.vmin == regions.norm.vmin == -0.5
    assert points.norm.vmax == regions.norm.vmax == 2.5


def test_decision_boundary_has_a_legend_of_the_classes_in_their_colours() -> None:
    data = blobs(30, centers=[[-2.0, 0.0], [0.0, 2.0], [2.0, 0.0]], noise=0.1, seed=0)
    (axes,) = plots.decision_boundary(MLP(2, [3], seed=0), data, resolution=20).axes
    legend = axes.get_legend()
    assert [text.get_text() for text in legend.get_texts()] == ["class 0", "class 1", "class 2"]
    _, points = axes.collections
    colours = [tuple(handle.get_markerfacecolor()) for handle in legend.legend_handles]
    assert colours == [tuple(points.cmap(points.norm(k))) for k in range(3)]
    assert len(set(colours)) == 3


def test_decision_boundary_leaves_out_the_legend_when_told() -> None:
    (axes,) = plots.decision_boundary(MLP(2, [2], seed=0), boolean("xor"), legend=False).axes
    assert axes.get_legend() is None


def test_decision_boundary_saves_a_png_to_a_path(tmp_path: Path) -> None:
    plots.decision_boundary(MLP(2, [2], seed=0), boolean("xor"), tmp_path / "b.png")
    assert (tmp_path / "b.png").read_bytes()[:8] == PNG


def test_decision_boundary_refuses_what_it_cannot_draw() -> None:
    three_d = Dataset([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]], [0, 1], "cube", classes=2)
    with pytest.raises(ValueError, match="needs 2-D inputs, got 3-D"):
        plots.decision_boundary(MLP(3, [2], seed=0), three_d)
    with pytest.raises(ValueError, match="mse is a regression loss"):
        plots.decision_boundary(MLP(2, [1], seed=0), boolean("and"), loss="mse")
