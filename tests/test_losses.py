"""Every loss against its closed form on floats and against PyTorch (float64): values and
the gradients of the predictions. Then stability at the extremes, graph size, and errors.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value
from nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    l2,
    mse,
    sse,
)

VALUE = {"rel": 1e-12, "abs": 1e-12}
GRAD = {"rel": 1e-9, "abs": 1e-12}

reals = st.floats(-10.0, 10.0)
probabilities = st.floats(1e-6, 1.0 - 1e-6)
unit = st.floats(0.0, 1.0)
logits = st.floats(-30.0, 30.0)
labels = st.sampled_from([1.0, -1.0])


def pairs(predictions: st.SearchStrategy[float], targets: st.SearchStrategy[float]):
    """Equal-length lists of 1 to 6 predictions and targets."""
    return st.integers(1, 6).flatmap(
        lambda n: st.tuples(
            st.lists(predictions, min_size=n, max_size=n),
            st.lists(targets, min_size=n, max_size=n),
        )
    )


def run(loss: Callable[..., Value], rs: list[float], *args, **options) -> list[float]:
    """[loss, ∂loss/∂r for each r]: the loss of leaf Values made from rs, after backward."""
    values = [Value(r) for r in rs]
    out = loss(values, *args, **options)
    out.backward()
    return [out.data, *(v.grad for v in values)]


def run_torch(torch, loss: Callable, rs: list, *args, **options) -> list[float]:
    """[loss, ∂loss/∂r for each r] from PyTorch."""
    x = torch.tensor(rs, requires_grad=True)
    out = loss(x, *args, **options)
    out.backward()
    return [out.item(), *x.grad.tolist()]


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# Per sample: the loss and its derivative with respect to the prediction, written naively.
CLOSED_FORMS = {
    "mse": (mse, reals, reals, lambda r, y: (r - y) ** 2, lambda r, y: 2.0 * (r - y)),
    "binary_cross_entropy": (
        binary_cross_entropy,
        probabilities,
        unit,
        lambda p, y: -(y * math.log(p) + (1.0 - y) * math.log(1.0 - p)),
        lambda p, y: (p - y) / (p * (1.0 - p)),
    ),
    "binary_cross_entropy_with_logits": (
        binary_cross_entropy_with_logits,
        logits,
        unit,
        lambda z, y: y * math.log(1.0 + math.exp(-z)) + (1.0 - y) * math.log(1.0 + math.exp(z)),
        lambda z, y: sigmoid(z) - y,
    ),
    "hinge": (
        hinge,
        st.floats(-3.0, 3.0),
        labels,
        lambda s, y: max(0.0, 1.0 - y * s),
        lambda s, y: -y if 1.0 - y * s > 0.0 else 0.0,
    ),
}


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
@given(data=st.data())
def test_elementwise_loss_matches_closed_form(name: str, reduction: str, data) -> None:
    loss, predictions, targets, value, derivative = CLOSED_FORMS[name]
    rs, ys = data.draw(pairs(predictions, targets))
    n = len(rs) if reduction == "mean" else 1
    out, *grads = run(loss, rs, ys, reduction=reduction)
    assert out == pytest.approx(sum(value(r, y) for r, y in zip(rs, ys)) / n, **VALUE)
    assert grads == pytest.approx([derivative(r, y) / n for r, y in zip(rs, ys)], **GRAD)


@given(pairs(reals, reals))
def test_sse_is_half_the_summed_square_with_the_error_as_gradient(case) -> None:
    rs, ys = case
    out, *grads = run(sse, rs, ys)
    assert out == pytest.approx(0.5 * sum((r - y) ** 2 for r, y in zip(rs, ys)), **VALUE)
    assert grads == pytest.approx([r - y for r, y in zip(rs, ys)], **VALUE)


def test_sse_through_a_sigmoid_unit_gives_the_lectures_derivatives() -> None:
    """Lecture 4: s = wx + b, y = σ(s), L = ½(y - t)², dL/dw = (y - t) σ'(s) x."""
    w, b, x, t = Value(0.5), Value(-0.25), 2.0, 1.0
    y = (w * x + b).sigmoid()
    loss = sse(y, t)
    loss.backward()
    s = 0.5 * x - 0.25
    delta = (sigmoid(s) - t) * sigmoid(s) * (1.0 - sigmoid(s))
    assert loss.data == pytest.approx(0.5 * (sigmoid(s) - t) ** 2, **VALUE)
    assert (w.grad, b.grad) == pytest.approx((delta * x, delta), **VALUE)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@given(case=pairs(reals, reals))
def test_mse_and_sse_match_torch(case, reduction: str, torch) -> None:
    rs, ys = case
    y = torch.tensor(ys)
    expected = run_torch(torch, torch.nn.functional.mse_loss, rs, y, reduction=reduction)
    assert run(mse, rs, ys, reduction=reduction) == pytest.approx(expected, **VALUE)
    half_sum = run_torch(torch, lambda x, y: 0.5 * ((x - y) ** 2).sum(), rs, y)
    assert run(sse, rs, ys) == pytest.approx(half_sum, **VALUE)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@given(case=pairs(probabilities, unit))
def test_binary_cross_entropy_matches_torch(case, reduction: str, torch) -> None:
    ps, ys = case
    F = torch.nn.functional
    expected = run_torch(torch, F.binary_cross_entropy, ps, torch.tensor(ys), reduction=reduction)
    out, *grads = run(binary_cross_entropy, ps, ys, reduction=reduction)
    assert out == pytest.approx(expected[0], **VALUE)
    assert grads == pytest.approx(expected[1:], **GRAD)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@given(case=pairs(logits, unit))
def test_binary_cross_entropy_with_logits_matches_torch(case, reduction: str, torch) -> None:
    zs, ys = case
    F = torch.nn.functional
    y = torch.tensor(ys)
    expected = run_torch(torch, F.binary_cross_entropy_with_logits, zs, y, reduction=reduction)
    out, *grads = run(binary_cross_entropy_with_logits, zs, ys, reduction=reduction)
    assert out == pytest.approx(expected[0], **VALUE)
    assert grads == pytest.approx(expected[1:], **GRAD)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@given(case=pairs(st.floats(-3.0, 3.0), labels))
def test_hinge_matches_torch(case, reduction: str, torch) -> None:
    ss, ys = case

    def reference(s, y):
        margins = torch.relu(1.0 - y * s)
        return margins.mean() if reduction == "mean" else margins.sum()

    expected = run_torch(torch, reference, ss, torch.tensor(ys))
    assert run(hinge, ss, ys, reduction=reduction) == pytest.approx(expected, **VALUE)


@given(ws=st.lists(reals, min_size=1, max_size=6), alpha=st.floats(0.0, 1.0))
def test_l2_is_alpha_times_the_sum_of_squares(ws: list[float], alpha: float, torch) -> None:
    out, *grads = run(l2, ws, alpha=alpha)
    assert out == pytest.approx(alpha * sum(w * w for w in ws), **VALUE)
    assert grads == pytest.approx([2.0 * alpha * w for w in ws], **VALUE)
    expected = run_torch(torch, lambda w: alpha * (w**2).sum(), ws)
    assert [out, *grads] == pytest.approx(expected, **VALUE)


def test_l2_default_alpha_and_a_single_parameter() -> None:
    w = Value(3.0)
    out = l2(w)
    out.backward()
    assert (out.data, w.grad) == pytest.approx((9e-4, 6e-4), **VALUE)


def test_hinge_plus_l2_is_micrographs_demo_loss(micrograd) -> None:
    """micrograd's demo: mean of relu(1 - y·score) plus alpha · Σ p², alpha = 1e-4."""
    scores, ys, params = [0.3, -1.7, 2.5, -0.2], [1.0, 1.0, -1.0, -1.0], [0.5, -1.5, 2.0]
    from micrograd.engine import Value as MicrogradValue

    m_scores, m_params = [MicrogradValue(s) for s in scores], [MicrogradValue(p) for p in params]
    losses = [(1 + -y * s).relu() for y, s in zip(ys, m_scores)]
    m_total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in m_params)
    m_total.backward()
    s_scores, s_params = [Value(s) for s in scores], [Value(p) for p in params]
    total = hinge(s_scores, ys) + l2(s_params)
    total.backward()
    assert total.data == pytest.approx(m_total.data, **VALUE)
    assert [v.grad for v in s_scores + s_params] == pytest.approx(
        [v.grad for v in m_scores + m_params], **VALUE
    )


def one_hot_softmax_error(z: list[float], t: int) -> list[float]:
    exps = [math.exp(x) for x in z]
    return [e / sum(exps) - (i == t) for i, e in enumerate(exps)]


@given(st.lists(st.floats(-20.0, 20.0), min_size=1, max_size=6), st.data())
def test_cross_entropy_of_one_sample_matches_closed_form(z: list[float], data) -> None:
    t = data.draw(st.integers(0, len(z) - 1))
    out, *grads = run(cross_entropy, z, t)
    assert out == pytest.approx(-math.log(math.exp(z[t]) / sum(map(math.exp, z))), **VALUE)
    assert grads == pytest.approx(one_hot_softmax_error(z, t), **GRAD)
    assert out == pytest.approx(-autograd.log_softmax(z)[t].data, **VALUE)


batches = st.tuples(st.integers(1, 4), st.integers(1, 5)).flatmap(
    lambda shape: st.tuples(
        st.lists(
            st.lists(st.floats(-20.0, 20.0), min_size=shape[1], max_size=shape[1]),
            min_size=shape[0],
            max_size=shape[0],
        ),
        st.lists(st.integers(0, shape[1] - 1), min_size=shape[0], max_size=shape[0]),
    )
)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@given(batch=batches)
def test_cross_entropy_of_a_batch_matches_closed_form_and_torch(batch, reduction, torch) -> None:
    rows, ts = batch
    n = len(rows) if reduction == "mean" else 1
    values = [[Value(z) for z in row] for row in rows]
    out = cross_entropy(values, ts, reduction=reduction)
    out.backward()
    grads = [[v.grad for v in row] for row in values]
    closed = sum(math.log(sum(map(math.exp, row))) - row[t] for row, t in zip(rows, ts)) / n
    assert out.data == pytest.approx(closed, **VALUE)
    for row, t, grad in zip(rows, ts, grads):
        assert grad == pytest.approx([g / n for g in one_hot_softmax_error(row, t)], **GRAD)
    x = torch.tensor(rows, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(x, torch.tensor(ts), reduction=reduction)
    expected.backward()
    assert out.data == pytest.approx(expected.item(), **VALUE)
    for grad, expected_grad in zip(grads, x.grad.tolist()):
        assert grad == pytest.approx(expected_grad, **GRAD)


def test_cross_entropy_of_one_sample_matches_torch_unbatched(torch) -> None:
    z = [0.5, -1.0, 2.0, 0.0]
    expected = run_torch(torch, torch.nn.functional.cross_entropy, z, torch.tensor(2))
    assert run(cross_entropy, z, 2) == pytest.approx(expected, **VALUE)
    assert run(cross_entropy, z, 2, reduction="sum") == pytest.approx(expected, **VALUE)


def test_targets_that_are_values_get_gradients_too(torch) -> None:
    rs, ys = [1.0, -2.0, 0.5], [0.0, 1.0, 2.0]
    r_values, y_values = [Value(r) for r in rs], [Value(y) for y in ys]
    out = mse(r_values, y_values)
    out.backward()
    r, y = torch.tensor(rs, requires_grad=True), torch.tensor(ys, requires_grad=True)
    expected = torch.nn.functional.mse_loss(r, y)
    expected.backward()
    assert out.data == pytest.approx(expected.item(), **VALUE)
    assert [v.grad for v in y_values] == pytest.approx(y.grad.tolist(), **VALUE)
    assert [v.grad for v in r_values] == pytest.approx(r.grad.tolist(), **VALUE)


def test_numbers_as_predictions_become_leaves_and_scalars_are_one_sample() -> None:
    assert mse(3.0, 1.0).data == 4.0
    assert sse([3.0], 1).data == 2.0
    assert hinge(0.5, -1).data == 1.5
    assert cross_entropy([0.0, 0.0], 1).data == pytest.approx(math.log(2.0), **VALUE)


# Stability at the extremes.


def test_binary_cross_entropy_with_logits_is_finite_for_huge_logits(torch) -> None:
    zs, ys = [1e4, 1e4, -1e4, -1e4], [1.0, 0.0, 1.0, 0.0]
    F = torch.nn.functional
    ours = run(binary_cross_entropy_with_logits, zs, ys, reduction="sum")
    assert ours == [2e4, 0.0, 1.0, -1.0, 0.0]
    expected = run_torch(
        torch, F.binary_cross_entropy_with_logits, zs, torch.tensor(ys), reduction="sum"
    )
    assert ours == pytest.approx(expected, **VALUE)


@pytest.mark.parametrize(("t", "loss", "grads"), [(0, 0.0, [0.0, 0.0]), (1, 2000.0, [1.0, -1.0])])
def test_cross_entropy_is_exact_for_huge_logits(t: int, loss, grads, torch) -> None:
    z = [1000.0, -1000.0]
    assert run(cross_entropy, z, t) == [loss, *grads]
    expected = run_torch(torch, torch.nn.functional.cross_entropy, z, torch.tensor(t))
    assert [loss, *grads] == pytest.approx(expected, **VALUE)


@pytest.mark.parametrize("p", [0.0, 1e-50, 1.0])
@pytest.mark.parametrize("y", [0.0, 0.5, 1.0])
def test_binary_cross_entropy_clamps_the_log_at_minus_100_like_torch(p, y, torch) -> None:
    """ln p < -100 counts as -100, with no gradient through it: the loss stays finite.

    The value is PyTorch's. The gradient is the derivative of the clamped expression:
    (1 - y) / (1 - p) at p ≈ 0 and -y / p at p = 1; PyTorch's (p - y) / max(p (1 - p), 1e-12)
    differs there, so only the values are compared with it.
    """
    out, grad = run(binary_cross_entropy, [p], [y])
    expected = torch.nn.functional.binary_cross_entropy(torch.tensor([p]), torch.tensor([y]))
    assert out == pytest.approx(expected.item(), **VALUE)
    assert out == pytest.approx(100.0 * abs(y - p), **VALUE)
    assert grad == pytest.approx((1.0 - y) / (1.0 - p) if p < 0.5 else -y / p, **VALUE)


def test_binary_cross_entropy_clamps_only_below_minus_100() -> None:
    p = math.exp(-99.0)
    assert binary_cross_entropy(Value(p), 1.0).data == pytest.approx(99.0, **VALUE)


# The graph: a few nodes per sample and one Σ node.


def nodes(loss: Value) -> list[str]:
    return [node.op.name if node.op else "leaf" for node in autograd.topological_order(loss)]


three = [0.9, 0.2, 0.6]


@pytest.mark.parametrize(
    ("make", "size", "sum_inputs"),
    [
        (lambda v: sse(v, [1.0, 0.0, 1.0]), 3 + 3 * 2 + 2, 3),
        (lambda v: mse(v, [1.0, 0.0, 1.0]), 3 + 3 * 2 + 2, 3),
        (lambda v: binary_cross_entropy(v, [1.0, 0.0, 1.0]), 3 + 3 * 5 + 2, 6),
        (lambda v: binary_cross_entropy_with_logits(v, [1.0, 0.0, 1.0]), 3 + 3 * 5 + 2, 6),
        (lambda v: hinge(v, [1, -1, 1]), 3 + 3 * 2 + 2, 3),
        (lambda v: cross_entropy([v, v], [0, 2]), 3 + 2 * 2 + 2, 2),
        (lambda v: l2(v), 3 + 3 + 2, 3),
    ],
    ids=["sse", "mse", "bce", "bce_with_logits", "hinge", "cross_entropy", "l2"],
)
def test_each_loss_is_one_sum_node_over_a_few_nodes_per_sample(make, size, sum_inputs) -> None:
    loss = make([Value(x) for x in three])
    names = nodes(loss)
    assert len(names) == size
    assert names.count("sum") == 1
    [total] = [
        node for node in autograd.topological_order(loss) if node.op and node.op.name == "sum"
    ]
    assert len(total.parents) == sum_inputs


def test_a_single_sample_needs_no_sum_node() -> None:
    assert nodes(mse(Value(0.5), 1.0)) == ["leaf", "sub", "pow"]
    assert nodes(cross_entropy([Value(1.0), Value(2.0)], 0)) == ["leaf", "leaf", "logsumexp", "sub"]


# Errors name the loss and the value.


ERRORS = [
    (lambda: mse([Value(1.0)], [1.0, 2.0]), ValueError, r"mse: 1 prediction\(s\) but 2 target"),
    (lambda: sse([], []), ValueError, "sse: needs at least one prediction"),
    (lambda: hinge([Value(1.0), 2.0], 1), ValueError, r"hinge: 2 prediction\(s\) but 1 target"),
    (lambda: mse(Value(1.0), 1.0, reduction="none"), ValueError, "reduction must be 'mean' or"),
    (lambda: mse("ab", "cd"), TypeError, "mse: predictions must be a Value, a number or a seq"),
    (lambda: mse([Value(1.0)], [None]), TypeError, "mse: target 0: expected a Value or a"),
    (lambda: mse([Value(1.0)], [True]), TypeError, "mse: target 0: .*, got True"),
    (lambda: mse([Value(1.0)], [math.nan]), ValueError, "mse: target 0: expected a finite"),
    (lambda: sse([1.0, math.inf], [0.0, 0.0]), ValueError, "sse: prediction 1: .*, got inf"),
    (
        lambda: binary_cross_entropy([Value(0.5), Value(1.5)], [1.0, 0.0]),
        ValueError,
        r"binary_cross_entropy: probability 1 is 1.5, outside \[0, 1\]; for scores",
    ),
    (
        lambda: binary_cross_entropy(Value(-0.25), 1.0),
        ValueError,
        r"binary_cross_entropy: probability 0 is -0.25, outside \[0, 1\]",
    ),
    (
        lambda: binary_cross_entropy(Value(0.5), 2.0),
        ValueError,
        r"binary_cross_entropy: target 0 is 2.0, outside \[0, 1\]",
    ),
    (
        lambda: binary_cross_entropy_with_logits(Value(3.0), -1.0),
        ValueError,
        r"binary_cross_entropy_with_logits: target 0 is -1.0, outside \[0, 1\]",
    ),
    (lambda: hinge(Value(0.5), 0.0), ValueError, "hinge: label 0 is 0.0; labels must be the"),
    (lambda: hinge(Value(0.5), Value(1.0)), ValueError, "hinge: label 0 is Value"),
    (
        lambda: cross_entropy([Value(1.0), Value(2.0), Value(3.0)], 3),
        IndexError,
        r"cross_entropy: target 0 is class 3, but there are 3 classes \(indices 0 to 2\)",
    ),
    (lambda: cross_entropy([Value(1.0), Value(2.0)], -1), IndexError, "target 0 is class -1"),
    (lambda: cross_entropy([[1.0, 2.0]], [1.0]), TypeError, "target 0 is 1.0 .float.; expec"),
    (lambda: cross_entropy([1.0, 2.0], 1.5), TypeError, "cross_entropy: target must be a class"),
    (lambda: cross_entropy([[1.0], [2.0]], [0]), ValueError, r"2 sample\(s\) of logits but 1"),
    (lambda: cross_entropy([], []), ValueError, "cross_entropy: needs at least one sample"),
    (lambda: cross_entropy([], 0), ValueError, "cross_entropy: sample 0 has no logits"),
    (
        lambda: cross_entropy([[1.0, 2.0], [1.0]], [0, 0]),
        ValueError,
        "sample 1 has 1 logits but sample 0 has 2",
    ),
    (lambda: cross_entropy([[1.0, 2.0]], 0), TypeError, r"cross_entropy: logit 0: .*\[1.0, 2.0\]"),
    (lambda: l2([]), ValueError, "l2: needs at least one parameter"),
    (lambda: l2([Value(1.0), 2.0]), TypeError, r"l2: parameter 1 is 2.0 \(float\), not a Value"),
    (lambda: l2(Value(1.0), alpha=-0.1), ValueError, "l2: alpha must be a finite number >= 0"),
    (lambda: l2(Value(1.0), alpha="0.1"), TypeError, "l2: alpha: expected a real number"),
]


@pytest.mark.parametrize(("call", "error", "message"), ERRORS)
def test_bad_input_raises_an_error_that_names_the_loss(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()
