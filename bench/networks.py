"""The `nn` workloads of the benchmark: micrograd's demo step and one MNIST-sized sample.

Each is written twice, as each library's users write it: stepgrad with `nn.MLP`, its
losses and optimizer; micrograd with `micrograd.nn.MLP` and the loss of its demo notebook.
Both models get the same weights (the parameter orders match: layer by layer, neuron by
neuron, weights then bias), so their gradients must agree.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from autograd import Program, trace
from bench.workloads import Grads
from nn import MLP, losses
from nn.data import moons
from nn.optim import SGD


@dataclass(frozen=True)
class Problem:
    """A network shape, its initial weights, and a batch of inputs with targets."""

    sizes: list[int]
    weights: list[float]
    inputs: list[list[float]]
    targets: list[float]


def demo_problem(points: int) -> Problem:
    """micrograd's demo: MLP 2-16-16-1 on `points` moons with labels -1 and +1."""
    data = moons(points, noise=0.1, seed=1)
    model = MLP(2, [16, 16, 1], seed=1)
    weights = [p.data for p in model.parameters()]
    return Problem([2, 16, 16, 1], weights, data.inputs, [2.0 * t - 1.0 for t in data.targets])


def mnist_problem(sizes: Sequence[int]) -> Problem:
    """One random 'image' of sizes[0] pixels in [0, 1] and a class, for an MLP of `sizes`."""
    rng = random.Random(4)
    model = MLP(sizes[0], list(sizes[1:]), init="he", seed=4)
    image = [rng.random() for _ in range(sizes[0])]
    return Problem(list(sizes), [p.data for p in model.parameters()], [image], [3.0])


def stepgrad_model(problem: Problem) -> MLP:
    model = MLP(problem.sizes[0], problem.sizes[1:], seed=0)
    for p, w in zip(model.parameters(), problem.weights, strict=True):
        p.data = w
    return model


def micrograd_model(problem: Problem):
    from micrograd.nn import MLP as MicrogradMLP

    model = MicrogradMLP(problem.sizes[0], problem.sizes[1:])
    for p, w in zip(model.parameters(), problem.weights, strict=True):
        p.data = w
    return model


def stepgrad_demo_step(model: MLP, problem: Problem, lr: float = 1.0) -> Grads:
    """Forward over the batch, hinge loss + 1e-4 · L2, backward, one SGD step."""
    scores = [model(x) for x in problem.inputs]
    loss = losses.hinge(scores, problem.targets) + losses.l2(model.parameters(), alpha=1e-4)
    model.zero_grad()
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    SGD(model.parameters(), lr=lr).step()
    return grads


def demo_program(model: MLP, problem: Problem) -> Program:
    """The loss of `stepgrad_demo_step` traced once, with the batch's points as inputs (the
    ±1 labels stay constants: each picks how its hinge term is wired)."""
    parameters = model.parameters()

    def loss(*points: list) -> object:
        scores = [model(x) for x in points]
        return losses.hinge(scores, problem.targets) + losses.l2(parameters, alpha=1e-4)

    return trace(loss, problem.inputs)


def program_demo_step(program: Program, model: MLP, problem: Problem, lr: float = 1.0) -> Grads:
    """`stepgrad_demo_step` with the traced program replayed instead of a graph built."""
    model.zero_grad()
    program.backward(problem.inputs)
    grads = [p.grad for p in model.parameters()]
    SGD(model.parameters(), lr=lr).step()
    return grads


def micrograd_demo_step(model, problem: Problem, lr: float = 1.0) -> Grads:
    """The step of micrograd's demo notebook, as written there."""
    from micrograd.engine import Value

    inputs = [list(map(Value, x)) for x in problem.inputs]
    scores = list(map(model, inputs))
    hinge = [(1 + -y * s).relu() for y, s in zip(problem.targets, scores)]
    data_loss = sum(hinge) * (1.0 / len(hinge))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    loss = data_loss + reg_loss
    model.zero_grad()
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    for p in model.parameters():
        p.data -= lr * p.grad
    return grads


def stepgrad_sample(model: MLP, problem: Problem, loss: str) -> Grads:
    """One sample forward, `loss` ("cross_entropy" or "squared"), and backward."""
    (image,), (target,) = problem.inputs, problem.targets
    logits = model(image)
    if loss == "cross_entropy":
        value = losses.cross_entropy(logits, int(target))
    else:
        value = losses.sse(logits, _one_hot(int(target), len(logits))) * 2.0
    model.zero_grad()
    value.backward()
    return [p.grad for p in model.parameters()]


def sample_program(model: MLP, problem: Problem) -> Program:
    """The squared loss of `stepgrad_sample` traced once, with the image as its input."""
    (image,), (target,) = problem.inputs, problem.targets
    one_hot = _one_hot(int(target), problem.sizes[-1])
    return trace(lambda x: losses.sse(model(x), one_hot) * 2.0, [image])


def program_sample(program: Program, model: MLP, problem: Problem) -> Grads:
    """`stepgrad_sample` (squared loss) with the traced program replayed."""
    model.zero_grad()
    program.backward(problem.inputs)
    return [p.grad for p in model.parameters()]


def micrograd_sample(model, problem: Problem) -> Grads:
    """One sample forward, Σ (z_i - y_i)² (micrograd has no exp), and backward."""
    (image,), (target,) = problem.inputs, problem.targets
    logits = model(image)
    value = sum((z - y) ** 2 for z, y in zip(logits, _one_hot(int(target), len(logits))))
    model.zero_grad()
    value.backward()
    return [p.grad for p in model.parameters()]


def _one_hot(target: int, classes: int) -> list[float]:
    return [1.0 if i == target else 0.0 for i in range(classes)]


def boundary_grid(resolution: int) -> list[list[float]]:
    """The points of a `resolution` × `resolution` grid over [-2, 2]², row by row: where a
    decision-boundary plot evaluates the model."""
    ticks = [-2.0 + 4.0 * i / (resolution - 1) for i in range(resolution)]
    return [[x, y] for y in ticks for x in ticks]


def stepgrad_boundary(model: MLP, grid: object) -> Grads:
    """The grid's outputs by `model.predict`, which traces the model and runs its program
    over all the points at once (`grid` is a numpy array, as `decision_boundary` passes)."""
    return model.predict(grid)


def micrograd_boundary(model, grid: list[list[float]]) -> Grads:
    """The grid's outputs as micrograd's demo notebook computes them: a graph per point."""
    from micrograd.engine import Value

    return [model([Value(x), Value(y)]).data for x, y in grid]
