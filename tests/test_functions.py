"""sum, maximum, logsumexp, softmax and log_softmax over lists of Values."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value

logits = st.lists(st.floats(-50.0, 50.0), min_size=1, max_size=8)


def test_sum_is_one_node_with_an_edge_per_term() -> None:
    a, b = Value(1.0), Value(2.0)
    s = autograd.sum([a, b, a, 4.0])
    assert s.data == 8.0
    assert s.op.symbol == "Σ" and s.parents == (a, b, a) and s.params == (4.0,)
    s.backward()
    assert (a.grad, b.grad) == (2.0, 1.0)
    t = autograd.sum([1.0, a])
    assert t.parents[1] is a and t.parents[0].data == 1.0 and t.params == ()


def test_dot_is_one_node_and_numbers_are_its_constants() -> None:
    w = [Value(0.5), Value(-2.0), Value(1.5)]
    x = [Value(1.0), Value(3.0), Value(-1.0)]
    z = autograd.dot(w, x)
    assert z.data == 0.5 - 6.0 - 1.5 and z.parents == (*w, *x) and z.params == ()
    z.backward()
    assert [v.grad for v in w] == [1.0, 3.0, -1.0] and [v.grad for v in x] == [0.5, -2.0, 1.5]
    pixels = autograd.dot(w, [1, 0.5, 0.0])
    assert pixels.parents == tuple(w) and pixels.params == (1.0, 0.5, 0.0)
    assert pixels.local_grads == (1.0, 0.5, 0.0)
    mixed = autograd.dot(w, [x[0], 2.0, x[2]])
    assert len(mixed.parents) == 6 and mixed.parents[4].data == 2.0


@pytest.mark.parametrize(
    ("weights", "inputs", "error", "message"),
    [
        ([Value(1.0)], [1.0, 2.0], ValueError, "dot: needs as many weights as inputs"),
        ([], [], ValueError, "dot: needs as many weights as inputs"),
        ([1.0], [1.0], TypeError, "dot: the weights must be Values"),
        ([Value(1.0)], ["2"], TypeError, "dot: expected a Value or a real number, got '2'"),
        ([Value(1.0)], [True], TypeError, "dot: expected a Value or a real number, got True"),
        ([Value(1.0)], [math.nan], ValueError, "dot: expected a finite number, got nan"),
    ],
)
def test_dot_errors(weights, inputs, error, message: str) -> None:
    with pytest.raises(error, match=message):
        autograd.dot(weights, inputs)


def test_sum_of_generator_and_of_nothing() -> None:
    assert autograd.sum(Value(float(i)) for i in range(4)).data == 6.0
    with pytest.raises(TypeError, match="sum: needs at least one input"):
        autograd.sum([])


def test_maximum_sends_the_gradient_to_the_larger_input() -> None:
    """The lecture's max node: a router, 1 to the winner, 0 to the loser."""
    a, b = Value(5.0), Value(3.0)
    m = autograd.maximum(a, b)
    m.backward()
    assert (m.data, a.grad, b.grad) == (5.0, 1.0, 0.0)
    c = Value(-1.0)
    autograd.maximum(c, 0.0).backward()
    assert c.grad == 0.0


@given(xs=logits)
def test_softmax_and_log_softmax_match_torch(xs: list[float], torch) -> None:
    for function, reference in [
        (autograd.softmax, torch.softmax),
        (autograd.log_softmax, torch.log_softmax),
    ]:
        values = [Value(x) for x in xs]
        outputs = function(values)
        weights = [0.3 * i - 1.0 for i in range(len(xs))]
        autograd.sum(w * o for w, o in zip(weights, outputs)).backward()
        t = torch.tensor(xs, requires_grad=True)
        expected = reference(t, 0)
        (expected * torch.tensor(weights)).sum().backward()
        assert [o.data for o in outputs] == pytest.approx(expected.tolist(), rel=1e-9, abs=1e-12)
        assert [v.grad for v in values] == pytest.approx(t.grad.tolist(), rel=1e-7, abs=1e-10)


@given(st.lists(st.floats(-1e300, 1e300), min_size=1, max_size=6))
def test_log_softmax_and_logsumexp_never_overflow(xs: list[float]) -> None:
    values = [Value(x) for x in xs]
    outputs = autograd.log_softmax(values)
    outputs[0].backward()
    assert all(math.isfinite(o.data) and o.data <= 0.0 for o in outputs)
    assert all(math.isfinite(v.grad) for v in values)
    assert math.isfinite(autograd.logsumexp(values).data)


def test_softmax_sums_to_one_and_is_shift_invariant() -> None:
    p = autograd.softmax([Value(1000.0), Value(1001.0), Value(999.0)])
    q = autograd.softmax([Value(0.0), Value(1.0), Value(-1.0)])
    assert math.fsum(v.data for v in p) == pytest.approx(1.0, abs=1e-15)
    assert [v.data for v in p] == pytest.approx([v.data for v in q], rel=1e-12)


def test_cross_entropy_gradient_is_softmax_minus_one_hot() -> None:
    """The lecture's multiclass result: ∂(-log softmax_t)/∂z_i = softmax_i - [i = t]."""
    z = [Value(0.5), Value(-1.0), Value(2.0)]
    loss = -autograd.log_softmax(z)[2]
    loss.backward()
    p = [v.data for v in autograd.softmax([0.5, -1.0, 2.0])]
    assert [v.grad for v in z] == pytest.approx([p[0], p[1], p[2] - 1.0], rel=1e-12)


@pytest.mark.parametrize("function", [autograd.softmax, autograd.log_softmax, autograd.logsumexp])
def test_functions_of_nothing_say_so(function) -> None:
    with pytest.raises(TypeError, match=r"\w+: needs at least one input"):
        function([])


def test_star_import_keeps_the_builtin_sum() -> None:
    namespace: dict[str, object] = {}
    exec("from autograd import *", namespace)
    assert "sum" not in namespace and "Value" in namespace


def test_dot_with_large_finite_derivatives() -> None:
    """Σ of the local derivatives overflows; each one is finite, so the node is fine."""
    w = [Value(1e308), Value(1e308)]
    x = [Value(1.0), Value(-1.0)]
    z = autograd.dot(w, x)
    z.backward()
    assert z.data == 0.0 and [v.grad for v in x] == [1e308, 1e308]


wide = st.lists(st.floats(-800.0, 800.0), min_size=1, max_size=6)


def _ulps(ours: float, exact) -> float:
    """How many units in the last place of the exact value (an mpmath number) ours is off."""
    exact = float(exact)
    return abs(ours - exact) / math.ulp(exact) if exact else abs(ours) / math.ulp(0.0)


@given(wide)
def test_values_are_within_the_stated_ulps_of_mpmath(xs: list[float]) -> None:
    """The README's bound: 4 ulps, plus |x_j - max x| ulps from rounding the shift x_j - m
    before e^ (e^x turns an absolute error into a relative one |x| times as large)."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 400
    exact_lse = mpmath.log(mpmath.fsum(mpmath.e ** mpmath.mpf(x) for x in xs))
    bound = 4 + max(xs) - min(xs)
    values = [Value(x) for x in xs]
    assert _ulps(autograd.logsumexp(values).data, exact_lse) <= 4
    for x, ours in zip(xs, autograd.log_softmax(values)):
        assert _ulps(ours.data, mpmath.mpf(x) - exact_lse) <= bound
    for x, ours in zip(xs, autograd.softmax(values)):
        assert _ulps(ours.data, mpmath.e ** (mpmath.mpf(x) - exact_lse)) <= bound


@given(wide)
def test_log_softmax_gradients_are_within_the_stated_bound(xs: list[float]) -> None:
    """∂ log softmax_0 / ∂x_i = [i = 0] - softmax_i: within a few ulps of 1 absolute, the
    bound the README states (1 - softmax_0 cancels when x_0 is by far the largest)."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 400
    values = [Value(x) for x in xs]
    autograd.log_softmax(values)[0].backward()
    exact_lse = mpmath.log(mpmath.fsum(mpmath.e ** mpmath.mpf(x) for x in xs))
    for i, (x, value) in enumerate(zip(xs, values)):
        exact = (1 if i == 0 else 0) - mpmath.e ** (mpmath.mpf(x) - exact_lse)
        assert abs(value.grad - float(exact)) <= 4 * 2.0**-53


def test_log_softmax_keeps_the_digits_of_a_confident_prediction() -> None:
    first, second = autograd.log_softmax([Value(36.0), Value(0.0)])
    assert first.data == -2.319522830243569e-16 and second.data == -36.0
    assert autograd.logsumexp([Value(0.0), Value(-40.0)]).data == 4.248354255291589e-18


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: autograd.sum([Value(2.0), 10**400]), r"sum: an integer of 401 digits"),
        (lambda: autograd.dot([Value(2.0)], [10**400]), r"dot: an integer of 401 digits"),
        (lambda: autograd.logsumexp([Value(2.0), 10**400]), r"logsumexp: an integer of 401"),
        (lambda: autograd.logsumexp([Value(1.0), -math.inf]), r"logsumexp: expected a finite num"),
        (lambda: autograd.logsumexp([-math.inf, Value(1.0)]), r"logsumexp: expected a finite"),
        (lambda: autograd.sum([Value(1.0), math.inf]), r"sum: expected a finite number, got inf"),
    ],
)
def test_numbers_that_are_not_finite_floats_name_the_op(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
