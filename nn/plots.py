"""PNG figures of a training run: the loss curve and a 2-D decision boundary (matplotlib)."""

from __future__ import annotations

import os

from nn.data import Dataset
from nn.module import Module
from nn.train import OBJECTIVES, History


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'stepgrad[viz]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def loss_curve(history: History, path: str | os.PathLike) -> None:
    """Training loss per epoch, with training and test accuracy beside it when known."""
    plt = _pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    epochs = range(1, len(history.loss) + 1)
    left.plot(epochs, history.loss)
    left.set(title="training loss", xlabel="epoch", yscale="log")
    for name, values in (("train", history.accuracy), ("test", history.test_accuracy)):
        if any(v is not None for v in values):
            right.plot(epochs, values, label=name)
    right.set(title="accuracy", xlabel="epoch", ylim=(0, 1.02))
    if right.lines:
        right.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def decision_boundary(
    model: Module,
    data: Dataset,
    path: str | os.PathLike,
    *,
    loss: str = "cross_entropy",
    resolution: int = 100,
) -> None:
    """The class the model gives each point of a grid over 2-D `data`, with the data on top."""
    if len(data.inputs[0]) != 2:
        raise ValueError(f"decision_boundary: needs 2-D inputs, got {len(data.inputs[0])}-D")
    decide = OBJECTIVES[loss].decide
    if decide is None:
        raise ValueError(f"decision_boundary: {loss} is a regression loss, with no classes")
    plt = _pyplot()
    xs, ys = zip(*data.inputs)
    margin = 0.25
    x0, x1 = min(xs) - margin, max(xs) + margin
    y0, y1 = min(ys) - margin, max(ys) + margin
    gx = [x0 + (x1 - x0) * i / (resolution - 1) for i in range(resolution)]
    gy = [y0 + (y1 - y0) * j / (resolution - 1) for j in range(resolution)]
    outputs = model.predict([[x, y] for y in gy for x in gx])
    classes = [
        [decide(outputs[j * resolution + i]) for i in range(resolution)] for j in range(resolution)
    ]
    figure, axes = plt.subplots(figsize=(5, 4.5))
    axes.contourf(gx, gy, classes, alpha=0.35, cmap="coolwarm")
    axes.scatter(xs, ys, c=data.targets, cmap="coolwarm", edgecolors="k", s=20)
    axes.set(title=f"decision boundary: {data.name}", xlim=(x0, x1), ylim=(y0, y1))
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
