"""custom_op: an op declared by a user joins the table, Value, drawing, stepping and checks."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

import autograd
from autograd import OPS, CustomOp, Stepper, Value, custom_op, gradcheck


@pytest.fixture
def cube() -> Iterator[CustomOp]:
    @custom_op(symbol="³", rule="d(x³)/dx = 3x²", local_grads=lambda out, x: 3 * x * x)
    def cube(x: float) -> float:
        return x * x * x

    yield cube
    cube.remove()


@pytest.fixture
def scaled_softplus() -> Iterator[CustomOp]:
    """A one-input op with a param: softplus_β(x) = ln(1 + e^(βx)) / β."""

    @custom_op(
        rule="d/dx ln(1 + e^(βx)) / β = σ(βx)",
        local_grads=lambda out, x, beta: 1.0 / (1.0 + math.exp(-beta * x)),
        valid=lambda x, beta: beta > 0.0,
        domain="β > 0",
        param_ranges={"beta": (0.5, 3.0)},
    )
    def scaled_softplus(x: float, *, beta: float = 1.0) -> float:
        return math.log1p(math.exp(beta * x)) / beta

    yield scaled_softplus
    scaled_softplus.remove()


def test_a_custom_op_is_a_value_method_and_a_function(cube: CustomOp) -> None:
    x = Value(2.0, label="x")
    y = x.cube()
    z = cube(x)
    assert y.data == z.data == 8.0 and y.op is z.op is OPS["cube"] is cube.op
    (y + z).backward()
    assert x.grad == 24.0
    assert cube.op.arity == 1 and cube.op.symbol == "³" and cube.op.param_defaults == {}
    assert "d(x³)/dx = 3x²" in x.cube.__doc__ and cube.__name__ == "cube"
    assert gradcheck(cube, [-1.3])


def test_params_are_keyword_only_parameters(scaled_softplus: CustomOp) -> None:
    op = scaled_softplus.op
    assert op.param_defaults == {"beta": 1.0} and op.param_ranges == {"beta": (0.5, 3.0)}
    x = Value(0.5)
    assert x.scaled_softplus().data == pytest.approx(math.log1p(math.exp(0.5)))
    y = x.scaled_softplus(beta=2.0)
    y.backward()
    assert y.params == (2.0,) and x.grad == pytest.approx(1 / (1 + math.exp(-1.0)))
    with pytest.raises(
        ValueError, match=r"scaled_softplus: x = 0.5, beta = -1.0 is outside the domain β > 0"
    ):
        x.scaled_softplus(beta=-1.0)


def test_any_number_of_inputs() -> None:
    @custom_op(
        symbol="rms",
        rule="∂√(Σx²/n)/∂x_i = x_i / (n · rms)",
        local_grads=lambda out, *xs: [x / (len(xs) * out) for x in xs],
        singularity=lambda *xs: math.sqrt(sum(x * x for x in xs)),
    )
    def rms(*xs: float) -> float:
        return math.sqrt(sum(x * x for x in xs) / len(xs))

    try:
        a, b = Value(3.0), Value(4.0)
        out = rms(a, b)
        out.backward()
        assert out.data == pytest.approx(math.sqrt(12.5))
        assert (a.grad, b.grad) == pytest.approx((3 / (2 * out.data), 4 / (2 * out.data)))
        assert not hasattr(Value, "rms") and gradcheck(rms, [0.3, -1.2, 2.0])
    finally:
        rms.remove()


def test_drawn_and_stepped_with_its_symbol(cube: CustomOp) -> None:
    x = Value(-0.5, label="x")
    y = x.cube() * 2
    y.label = "y"
    y.backward()
    source = autograd.draw(y).source
    assert "³" in source and "0.75 × 2 = 1.5" in source
    equations = [step.equation for step in Stepper(y)]
    assert any(e.startswith("n1 = ³(x) = ³(-0.5) = -0.125") for e in equations), equations
    assert any("δ_x += δ_n1 · ∂n1/∂x = 2 · 0.75 = 1.5" in e for e in equations), equations


def test_declaring_a_name_again_replaces_the_custom_op(cube: CustomOp) -> None:
    @custom_op(rule="d(x³)/dx = 3x² (again)", local_grads=lambda out, x: 3 * x * x)
    def cube(x: float) -> float:
        return x**3

    try:
        assert OPS["cube"] is cube.op and cube.op.rule.endswith("(again)")
        assert Value(2.0).cube().op is cube.op
    finally:
        cube.remove()


def test_names_of_the_table_and_of_value_are_refused() -> None:
    for name in ("tanh", "swish", "backward", "data", "not a name"):
        with pytest.raises(ValueError, match=f"custom_op.*{name}"):
            custom_op(name=name, rule="r", local_grads=lambda out, x: 1.0)(lambda x: x)
    with pytest.raises(ValueError, match="custom_op data: Value already has an attribute"):
        custom_op(name="data", rule="r", local_grads=lambda out, a, b: (1.0, 1.0))(
            lambda a, b: a + b
        )
    assert Value(2.0).data == 2.0
    assert "backward" not in OPS and OPS["tanh"].rule.startswith("tanh'")


def test_bad_signatures_and_bad_derivatives_are_clear_errors() -> None:
    declare = custom_op(rule="r", local_grads=lambda out, x: 1.0)
    with pytest.raises(TypeError, match="custom_op f: inputs are positional parameters"):

        def f(x, y=1.0):
            return x

        declare(f)
    with pytest.raises(TypeError, match="custom_op g: takes either fixed inputs or"):

        def g(x, *xs):
            return x

        declare(g)
    with pytest.raises(TypeError, match="custom_op h: the forward function needs at least one"):

        def h(*, beta=1.0):
            return beta

        declare(h)

    for options, error, message in [
        ({"valid": lambda x: x > 0}, TypeError, "custom_op k: valid= needs domain="),
        ({"param_ranges": {"bet": (0, 1)}}, TypeError, "param_ranges names 'bet', not a param"),
        ({"param_ranges": {"beta": (1, 0)}}, ValueError, "the range of beta is empty: 1 > 0"),
    ]:
        with pytest.raises(error, match=message):

            def k(x, *, beta=1.0):
                return x

            custom_op(rule="r", local_grads=lambda out, x, beta: 1.0, **options)(k)
    with pytest.raises(TypeError, match="the param beta needs a number as its default"):

        def m(x, *, beta=None):
            return x

        declare(m)

    @custom_op(rule="wrong count", local_grads=lambda out, a, b: (1.0,))
    def twice(a: float, b: float) -> float:
        return a + b

    @custom_op(rule="not numbers", local_grads=lambda out, x: "1")
    def text(x: float) -> float:
        return x

    try:
        with pytest.raises(TypeError, match=r"twice: local_grads returned 1 derivative\(s\) for 2"):
            twice(Value(1.0), Value(2.0))
        with pytest.raises(TypeError, match="text: local_grads must return numbers, got '1'"):
            Value(1.0).text()
    finally:
        twice.remove()
        text.remove()


def test_remove_takes_the_op_away(cube: CustomOp) -> None:
    cube.remove()
    assert "cube" not in OPS and not hasattr(Value, "cube")
    cube.remove()


def test_a_variadic_op_with_too_few_derivatives_is_named() -> None:
    @custom_op(symbol="Σ²", rule="∂(Σ x²)/∂x_i = 2 x_i", local_grads=lambda out, *xs: [2 * xs[0]])
    def sum_of_squares(*xs: float) -> float:
        return sum(x * x for x in xs)

    try:
        with pytest.raises(TypeError, match="sum_of_squares: local_grads returned 1 derivative"):
            sum_of_squares(Value(1.0), Value(2.0))
    finally:
        sum_of_squares.remove()
