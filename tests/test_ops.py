"""Every op of the table: its value, its derivative three ways, its domain and stability.

Each property runs over the whole table (`ALL_OPS`), so a new op is tested as soon as it
is declared, and fails here until the references in `reference.py` know it.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import mpmath
import pytest
from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st
from reference import (
    ALL_OPS,
    CLOSED_FORMS,
    LECTURE_DERIVATIVES,
    inputs,
    mpmath_function,
    split,
    torch_function,
)

from autograd import OPS, Op, Value, apply, gradcheck, with_constant

ids = [op.name for op in ALL_OPS]
per_op = pytest.mark.parametrize("op", ALL_OPS, ids=ids)


def test_every_op_has_references() -> None:
    assert set(CLOSED_FORMS) == set(OPS)
    assert set(LECTURE_DERIVATIVES) <= set(OPS)


@per_op
def test_declaration_is_complete(op: Op) -> None:
    assert op.name and op.symbol and op.rule and op.domain
    assert op.arity in (1, 2, None)
    assert all(isinstance(name, str) for name in op.param_defaults)


@per_op
def test_value_matches_closed_form(op: Op) -> None:
    @given(inputs(op, low=-5.0, high=5.0))
    def check(args: tuple[float, ...]) -> None:
        assert op.forward(*args) == pytest.approx(CLOSED_FORMS[op.name](*args), rel=1e-9, abs=1e-12)

    check()


@pytest.mark.parametrize("name", sorted(LECTURE_DERIVATIVES))
def test_derivative_matches_lecture_table(name: str) -> None:
    op = OPS[name]

    @given(inputs(op, low=-5.0, high=5.0))
    def check(args: tuple[float, ...]) -> None:
        (local_grad,) = op.local_grads(op.forward(*args), *args)
        assert local_grad == pytest.approx(LECTURE_DERIVATIVES[name](*args), rel=1e-9, abs=1e-12)

    check()


@per_op
def test_derivative_matches_finite_differences(op: Op) -> None:
    @given(inputs(op, away_from_zero=0.05))
    def check(args: tuple[float, ...]) -> None:
        values, params = split(op, args)
        assert gradcheck(lambda *xs: apply(op, *xs, **params), values)

    check()


@per_op
def test_derivative_matches_torch(op: Op, torch) -> None:
    function = torch_function(torch, op.name)
    if function is None:
        xs = [-2.0, -1e-300, 0.0, 1e-300, 3.0]
        heaviside = torch.heaviside(torch.tensor(xs), torch.tensor(1.0))
        assert [op.forward(x) for x in xs] == heaviside.tolist() == [0.0, 0.0, 1.0, 1.0, 1.0]
        return

    @given(inputs(op, low=-30.0, high=30.0, away_from_zero=1e-3))
    def check(args: tuple[float, ...]) -> None:
        values, params = split(op, args)
        leaves = [Value(x) for x in values]
        out = apply(op, *leaves, **params)
        out.backward()
        tensors = [torch.tensor(x, requires_grad=True) for x in values]
        expected = function(*tensors, *params.values())
        expected.backward()
        assert out.data == pytest.approx(expected.item(), rel=1e-9, abs=1e-12)
        for leaf, tensor in zip(leaves, tensors):
            assert leaf.grad == pytest.approx(tensor.grad.item(), rel=1e-7, abs=1e-8)

    check()


BINARY = [op for op in ALL_OPS if op.arity == 2]


@pytest.mark.parametrize("op", BINARY, ids=[op.name for op in BINARY])
@pytest.mark.parametrize("position", [0, 1])
def test_number_operand_is_a_constant(op: Op, position: int) -> None:
    """`x * 0.5` and `0.5 * x` are one node with one parent; derivatives are unchanged."""

    @given(inputs(op, away_from_zero=0.05))
    def check(args: tuple[float, ...]) -> None:
        constant = args[position]
        x = Value(args[1 - position])
        operands = [x, x]
        operands[position] = constant
        out = apply(op, *operands)
        out.backward()
        assert out.parents == (x,)
        assert out.op is with_constant(op, position) and out.op.base is op
        assert out.params == (constant,)
        assert out.data == op.forward(*args)
        assert x.grad == op.local_grads(out.data, *args)[1 - position]
        assert gradcheck(lambda v: apply(op, *[v if o is x else o for o in operands]), [x.data])

    check()


def _mpmath_derivative(f, x) -> float:
    """f'(x) by central differences in enough digits: f(x + h) - f(x - h) cancels about
    log10 |f / f'| + log10 (1 / |x|) digits, so those are added; a difference that came
    out 0 is tried again with more."""
    digits = 50 + (int(-mpmath.log10(abs(x))) if 0 < abs(x) < 1 else 0)
    refined = False
    while digits < 800:
        with mpmath.workdps(digits):
            step = mpmath.mpf(10) ** -30 * (min(abs(x), 1) if x != 0 else 1)
            slope = mpmath.diff(f, x, h=step)
            value = f(x)
        if slope == 0:
            digits += 150
            continue
        extra = int(mpmath.log10(abs(value / slope))) if value != 0 else 0
        if extra <= 0 or refined:
            break
        digits += extra
        refined = True
    return float(slope)


EVERYWHERE = [op for op in ALL_OPS if op.arity == 1 and op.valid is None]
"""One-input ops defined on all reals: finite for every finite input, unless the exact
value is beyond the largest float (leaky_relu with α > 1 at -1e308)."""


@pytest.mark.parametrize("op", EVERYWHERE, ids=[op.name for op in EVERYWHERE])
def test_finite_for_every_finite_input(op: Op) -> None:
    @given(inputs(op, low=-1.7976931348623157e308, high=1.7976931348623157e308))
    def check(args: tuple[float, ...]) -> None:
        values, params = split(op, args)
        x = Value(values[0])
        try:
            out = apply(op, x, **params)
        except OverflowError:
            exact = mpmath_function(op.name)(*map(mpmath.mpf, args))
            assert abs(exact) > sys.float_info.max
            return
        out.backward()
        assert math.isfinite(out.data) and math.isfinite(x.grad)

    check()


ONE_INPUT = [op for op in ALL_OPS if op.arity == 1]


@pytest.mark.parametrize("op", ONE_INPUT, ids=[op.name for op in ONE_INPUT])
@settings(max_examples=60)
@given(data=st.data())
def test_accurate_far_into_the_tails(op: Op, data: st.DataObject) -> None:
    """Value and derivative within 1e-12 relative of 50-digit mpmath, for |x| ≤ 500."""
    mp = mpmath
    mp.mp.dps = 50
    args = data.draw(inputs(op, low=-500.0, high=500.0))
    try:
        out = op.forward(*args)
        (local_grad,) = op.local_grads(out, *args)
    except OverflowError:
        reject()
    assume(math.isfinite(out) and math.isfinite(local_grad))
    f = mpmath_function(op.name)
    x, params = mp.mpf(args[0]), [mp.mpf(p) for p in args[1:]]
    assert out == pytest.approx(float(f(x, *params)), rel=1e-13, abs=1e-300)
    exact = _mpmath_derivative(lambda t: f(t, *params), x)
    assert local_grad == pytest.approx(exact, rel=1e-12, abs=1e-50 if x == 0 else 1e-300)


@pytest.mark.parametrize(
    ("name", "x", "value", "grad"),
    [
        ("sigmoid", -800.0, 0.0, 0.0),
        ("sigmoid", 800.0, 1.0, 0.0),
        ("softplus", 800.0, 800.0, 1.0),
        ("softplus", -800.0, 0.0, 0.0),
        ("log_sigmoid", -800.0, -800.0, 1.0),
        ("log_sigmoid", 800.0, 0.0, 0.0),
        ("silu", -800.0, -0.0, 0.0),
        ("mish", 800.0, 800.0, 1.0),
        ("elu", -800.0, -1.0, 0.0),
    ],
)
def test_saturated_values_are_exact(name: str, x: float, value: float, grad: float) -> None:
    v = Value(x)
    out = getattr(v, name)()
    out.backward()
    assert (out.data, v.grad) == (value, grad)


@pytest.mark.parametrize(
    ("name", "x", "grad"),
    [("relu", 0.0, 0.0), ("abs", 0.0, 0.0), ("step", 0.0, 0.0), ("leaky_relu", 0.0, 0.01)],
)
def test_kinks_follow_pytorch(name: str, x: float, grad: float, torch) -> None:
    v = Value(x)
    getattr(v, name)().backward()
    t = torch.tensor(x, requires_grad=True)
    if name != "step":
        getattr(torch.nn.functional, name, getattr(torch, name, None))(t).backward()
        assert t.grad.item() == grad
    assert v.grad == grad


def test_maximum_splits_a_tie_like_torch(torch) -> None:
    a, b = Value(2.0), Value(2.0)
    apply(OPS["maximum"], a, b).backward()
    ta, tb = torch.tensor(2.0, requires_grad=True), torch.tensor(2.0, requires_grad=True)
    torch.maximum(ta, tb).backward()
    assert (a.grad, b.grad) == (ta.grad.item(), tb.grad.item()) == (0.5, 0.5)


@given(st.floats(-0.2, 0.2))
def test_sinc_derivative_is_accurate_near_zero(x: float) -> None:
    """Near 0, (cos x - sin x / x) / x cancels; the series keeps 13 digits."""
    v = Value(x)
    v.sinc().backward()
    exact = sum(
        (-1) ** k * 2 * k * x ** (2 * k - 1) / math.factorial(2 * k + 1) for k in range(1, 12)
    )
    assert v.grad == pytest.approx(exact, rel=1e-13, abs=1e-300)


def test_sinc_at_zero() -> None:
    v = Value(0.0)
    out = v.sinc()
    out.backward()
    assert (out.data, v.grad) == (1.0, 0.0)


def test_exp_overflow_names_the_op() -> None:
    with pytest.raises(OverflowError, match=r"exp: x = 710\.0 is outside the domain x ≤ 709\.78"):
        Value(710.0).exp()
    assert Value(709.0).exp().data == math.exp(709.0)


def test_readme_lists_every_op() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    table = readme[readme.index("## The ops") : readme.index("Kinks follow")]
    assert [name for name in OPS if not re.search(rf"`(autograd\.)?{name}\b", table)] == []
