"""Figures of training runs: loss curves and 2-D decision boundaries (matplotlib).

Every function returns its matplotlib `Figure`, which Jupyter shows inline, and saves it as
a PNG too when given a `path` (as the `stepgrad` command does). With `axes=`, a function
draws into one axes of a figure of your own instead, to put several runs side by side:

>>> import matplotlib.pyplot as plt
>>> from nn import MLP
>>> from nn.data import boolean
>>> figure, (left, right) = plt.subplots(1, 2)
>>> for axes, name in ((left, "and"), (right, "or")):
...     _ = decision_boundary(MLP(2, [2], seed=0), boolean(name), axes=axes)
>>> [axes.get_title() for axes in figure.axes]
['decision boundary: and', 'decision boundary: or']
>>> plt.close(figure)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from nn.data import Dataset
from nn.module import Module
from nn.train import OBJECTIVES, History

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.collections import PathCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'stepgrad[viz]'") from None
    return plt


def _figure(
    figsize: tuple[float, float], *, columns: int = 1, axes: Axes | None = None
) -> tuple[Figure, Axes | list[Axes]]:
    """`axes` and its figure, or a new figure with `columns` axes side by side. pyplot does
    not keep a new figure open: nothing holds it after use, and Jupyter shows it once, as
    the cell's result."""
    if axes is not None:
        return axes.figure, axes
    plt = _pyplot()
    figure, axes = plt.subplots(1, columns, figsize=figsize, layout="constrained")
    plt.close(figure)
    return figure, axes


def _finish(figure: Figure, path: str | os.PathLike | None) -> Figure:
    if path is not None:
        figure.savefig(path, dpi=100)
    return figure


def loss_curve(history: History, path: str | os.PathLike | None = None) -> Figure:
    """Training loss per epoch, with training and test accuracy beside it when known."""
    figure, (left, right) = _figure((9, 3.5), columns=2)
    _plot_losses(left, {"train": history}, title="training loss")
    epochs = range(1, len(history.loss) + 1)
    for name, values in (("train", history.accuracy), ("test", history.test_accuracy)):
        if any(v is not None for v in values):
            right.plot(epochs, values, label=name)
    right.set(title="accuracy", xlabel="epoch", ylim=(0, 1.02))
    if right.lines:
        right.legend(loc="lower right")
    return _finish(figure, path)


def loss_curves(
    histories: Mapping[str, History],
    path: str | os.PathLike | None = None,
    *,
    title: str = "training loss",
    axes: Axes | None = None,
) -> Figure:
    """The training loss per epoch of several runs on one log-scale axes, one line per
    run, labelled by its name in `histories`: to compare batch sizes or learning rates."""
    if not histories:
        raise ValueError("loss_curves: needs at least one history, got none")
    figure, axes = _figure((6, 4), axes=axes)
    _plot_losses(axes, histories, title=title)
    axes.legend()
    return _finish(figure, path)


def _plot_losses(axes: Axes, histories: Mapping[str, History], *, title: str) -> None:
    for name, history in histories.items():
        axes.plot(range(1, len(history.loss) + 1), history.loss, label=name)
    axes.set(title=title, xlabel="epoch", ylabel="loss", yscale="log")


def decision_boundary(
    model: Module,
    data: Dataset,
    path: str | os.PathLike | None = None,
    *,
    loss: str = "cross_entropy",
    resolution: int = 100,
    title: str | None = None,
    legend: bool = True,
    axes: Axes | None = None,
    trace: bool = True,
) -> Figure:
    """The class the model gives each point of a grid over 2-D `data`, with the data on top.

    `loss` says how an output means a class, as in `fit`: "cross_entropy" takes the largest
    of one output per class; "hinge" and "binary_cross_entropy" read one output > 0 as
    class 1 (so they suit a `Perceptron`'s 0 or 1 too). Each class has its own colour, in
    the regions and on the points, and a legend names them ("class 0", "class 1", …; turn
    it off with `legend=False`). The title defaults to "decision boundary: <data name>".
    The grid's outputs come from `model.predict`, which runs a traced program over all
    `resolution`² points at once (`trace=False`: one point at a time).
    """
    import numpy as np

    if len(data.inputs[0]) != 2:
        raise ValueError(f"decision_boundary: needs 2-D inputs, got {len(data.inputs[0])}-D")
    decide = OBJECTIVES[loss].decide
    if decide is None:
        raise ValueError(f"decision_boundary: {loss} is a regression loss, with no classes")
    xs, ys = zip(*data.inputs)
    margin = 0.25
    x0, x1 = min(xs) - margin, max(xs) + margin
    y0, y1 = min(ys) - margin, max(ys) + margin
    gx = [x0 + (x1 - x0) * i / (resolution - 1) for i in range(resolution)]
    gy = [y0 + (y1 - y0) * j / (resolution - 1) for j in range(resolution)]
    outputs = model.predict(np.array([[x, y] for y in gy for x in gx]), trace=trace)
    grid = [
        [decide(outputs[j * resolution + i]) for i in range(resolution)] for j in range(resolution)
    ]
    figure, axes = _figure((5, 4.5), axes=axes)
    colours = _class_colours(data.classes)
    axes.pcolormesh(gx, gy, grid, shading="nearest", alpha=0.35, **colours)
    points = axes.scatter(xs, ys, c=data.targets, edgecolors="k", s=20, **colours)
    axes.set(title=title or f"decision boundary: {data.name}", xlim=(x0, x1), ylim=(y0, y1))
    if legend:
        axes.legend(handles=_class_handles(points, data.classes), fontsize="small")
    return _finish(figure, path)


def _class_handles(points: PathCollection, classes: int) -> list[Line2D]:
    """One legend entry per class, a dot of the colour its points have, even for a class
    with no point in the data."""
    from matplotlib.lines import Line2D

    return [
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            markeredgecolor="k",
            markerfacecolor=points.cmap(points.norm(k)),
            label=f"class {k}",
        )
        for k in range(classes)
    ]


def _class_colours(classes: int) -> dict:
    """Colour options that give class k the k-th colour of matplotlib's "tab10", in the
    regions and on the points alike."""
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap

    cmap = ListedColormap(colormaps["tab10"].colors[:classes])
    return {"cmap": cmap, "vmin": -0.5, "vmax": classes - 0.5}
