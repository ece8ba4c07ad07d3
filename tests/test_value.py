"""Value: what a node holds, the operators and methods, and every error path."""

from __future__ import annotations

import gc
import math

import pytest

from autograd import OPS, Value, apply, no_grad


def test_a_leaf_holds_its_data_and_nothing_else() -> None:
    v = Value(3, label="x")
    assert (v.data, v.grad, v.parents, v.local_grads, v.op, v.params, v.label) == (
        3.0,
        0.0,
        (),
        (),
        None,
        (),
        "x",
    )
    assert type(v.data) is float
    assert not hasattr(v, "m")


def test_values_take_attributes_of_your_own_as_micrograds_do() -> None:
    """EurekaLabs' AdamW keeps its moments on the parameters (p.m, p.v)."""
    p = Value(0.5)
    p.m, p.v, p._vis_color = 0.1, 0.01, "red"
    q = p * 2.0
    q.backward()
    assert (p.m, p.v, p._vis_color, p.grad) == (0.1, 0.01, "red", 2.0)


def test_micrograds_children_argument_is_refused_not_taken_as_a_label() -> None:
    a, b = Value(1.0), Value(2.0)
    with pytest.raises(TypeError, match=r"label must be a str, got \(Value.*\(tuple\).*_children"):
        Value(3.0, (a, b))
    with pytest.raises(TypeError, match=r"Value: label must be a str, got 5 \(int\)$"):
        Value(3.0, label=5)


def test_a_graph_is_not_pickled_across_processes() -> None:
    import copy
    import pickle

    x = Value(1.0)
    y = x * 2.0
    for attempt in (lambda: pickle.dumps(y), lambda: copy.deepcopy(x)):
        with pytest.raises(TypeError, match=r"cannot be pickled or copied.*nn.checkpoint.save"):
            attempt()


def test_a_custom_forward_that_returns_no_real_number_is_an_error() -> None:
    from autograd import custom_op

    @custom_op(rule="a mistake", local_grads=lambda out, x: 1.0)
    def twisted(x):
        return complex(x, 2.0)

    try:
        with pytest.raises(TypeError, match=r"twisted: the forward function returned \(1\+2j\)"):
            Value(1.0).twisted()
    finally:
        twisted.remove()


def test_a_custom_forward_may_return_an_int() -> None:
    from autograd import custom_op

    @custom_op(rule="H'(x) = 0 for x ≠ 0", local_grads=lambda out, x: 0.0)
    def heaviside(x):
        return 1 if x > 0 else 0

    try:
        y = Value(2.0).heaviside()
        assert y.data == 1.0 and type(y.data) is float
    finally:
        heaviside.remove()


def test_data_and_grad_are_assignable() -> None:
    v = Value(1.0)
    v.data, v.grad = 2.5, -1.0
    assert (v.data, v.grad) == (2.5, -1.0)


def test_a_node_records_parents_and_local_derivatives() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    assert c.parents == (a, b)
    assert c.local_grads == (-3.0, 2.0)
    assert c.op is OPS["mul"]


def test_using_a_value_twice_keeps_both_edges() -> None:
    a = Value(3.0)
    square = a * a
    assert square.parents == (a, a)
    square.backward()
    assert a.grad == 6.0


@pytest.mark.parametrize(
    ("expression", "data", "grads"),
    [
        (lambda a, b: a + b, 5.0, (1.0, 1.0)),
        (lambda a, b: a - b, -1.0, (1.0, -1.0)),
        (lambda a, b: a * b, 6.0, (3.0, 2.0)),
        (lambda a, b: a / b, 2 / 3, (1 / 3, -2 / 9)),
        (lambda a, b: a**b, 8.0, (12.0, 8 * math.log(2))),
        (lambda a, b: -a + abs(-b), 1.0, (-1.0, 1.0)),
        (lambda a, b: +a, 2.0, (1.0, 0.0)),
    ],
)
def test_operators_between_values(expression, data: float, grads: tuple[float, float]) -> None:
    a, b = Value(2.0), Value(3.0)
    out = expression(a, b)
    out.backward()
    assert out.data == pytest.approx(data)
    assert (a.grad, b.grad) == pytest.approx(grads)


@pytest.mark.parametrize(
    ("expression", "data", "grad"),
    [
        (lambda x: x + 1, 3.0, 1.0),
        (lambda x: 1 + x, 3.0, 1.0),
        (lambda x: x - 1, 1.0, 1.0),
        (lambda x: 1 - x, -1.0, -1.0),
        (lambda x: x * 3, 6.0, 3.0),
        (lambda x: 3 * x, 6.0, 3.0),
        (lambda x: x / 4, 0.5, 0.25),
        (lambda x: 4 / x, 2.0, -1.0),
        (lambda x: x**3, 8.0, 12.0),
        (lambda x: x**-1, 0.5, -0.25),
        (lambda x: 2.0**x, 4.0, 4 * math.log(2)),
    ],
)
def test_operators_with_numbers(expression, data: float, grad: float) -> None:
    x = Value(2.0)
    out = expression(x)
    out.backward()
    assert out.data == pytest.approx(data)
    assert x.grad == pytest.approx(grad)
    assert out.parents == (x,)


def test_every_one_input_op_is_a_method() -> None:
    x = Value(0.5)
    for op in OPS.values():
        if op.arity == 1:
            assert getattr(x, op.name).__doc__.startswith(op.rule)
    assert x.swish().data == x.silu().data


def test_method_params_by_position_and_keyword() -> None:
    x = Value(-2.0)
    assert x.leaky_relu().data == pytest.approx(-0.02)
    assert x.leaky_relu(0.1).data == pytest.approx(-0.2)
    assert x.leaky_relu(alpha=0.2).data == pytest.approx(-0.4)
    assert x.elu(alpha=2.0).data == pytest.approx(2.0 * math.expm1(-2.0))
    assert x.pow(2).data == 4.0
    assert x.leaky_relu(0.1).params == (0.1,)


def test_nodes_form_no_reference_cycles() -> None:
    """Refcounting alone frees a graph: nothing is left for the cycle collector."""
    gc.collect()
    gc.disable()
    try:
        x = Value(1.0)
        y = ((x * 2).tanh() + x).exp()
        y.backward()
        del x, y
        assert gc.collect() == 0
    finally:
        gc.enable()


@pytest.mark.parametrize("bad", ["1", None, [1.0], 1j, True])
def test_non_numbers_are_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match=r"Value: expected a real number, got"):
        Value(bad)
    with pytest.raises(TypeError, match=r"mul: expected a Value or a real number, got"):
        Value(1.0) * bad
    with pytest.raises(TypeError, match=r"add: expected a Value or a real number, got"):
        bad + Value(1.0)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_a_value_error(bad: float) -> None:
    with pytest.raises(ValueError, match=r"Value: expected a finite number"):
        Value(bad)
    with pytest.raises(ValueError, match=r"add: expected a finite number"):
        Value(1.0) + bad


def test_nan_put_into_data_by_hand_is_caught_at_the_next_op() -> None:
    x = Value(1.0)
    x.data = math.nan
    with pytest.raises(ValueError, match=r"relu: an input is NaN \(x = nan\)"):
        x.relu()


@pytest.mark.parametrize(
    ("expression", "error", "message"),
    [
        (lambda: Value(-1.0).log(), ValueError, r"log: x = -1.0 is outside the domain x > 0"),
        (lambda: Value(0.0).log(), ValueError, r"log: x = 0.0 is outside the domain x > 0"),
        (lambda: Value(-4.0).sqrt(), ValueError, r"sqrt: x = -4.0 is outside the domain x ≥ 0"),
        (lambda: Value(0.0).sqrt(), ValueError, r"sqrt: the local derivatives at x = 0.0 are not"),
        (lambda: Value(0.0) ** 0.5, ValueError, r"pow: the local derivatives at x = 0.0, exp"),
        (lambda: Value(1e-200) ** -2, OverflowError, r"pow: cannot compute it at x = 1e-200"),
        (
            lambda: Value(-0.5).pow(math.inf),
            ValueError,
            r"pow: param exponent: expected a finite number",
        ),
        (lambda: Value(-0.5) ** math.inf, ValueError, r"pow: expected a finite number, got inf"),
        (lambda: Value(1.0).leaky_relu(math.nan), ValueError, r"param alpha: expected a finite"),
        (lambda: Value(10**400), ValueError, r"Value: an integer of 401 digits is too large"),
        (lambda: Value(1.0) * 10**400, ValueError, r"mul: an integer of 401 digits is too large"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, r"div: a = 1.0, b = 0.0 is outside .* b ≠ 0"),
        (lambda: 1 / Value(0.0), ZeroDivisionError, r"div: a = 1.0, b = 0.0 is outside"),
        (lambda: Value(1.0) / Value(0.0), ZeroDivisionError, r"div: a = 1.0, b = 0.0"),
        (lambda: Value(-8.0) ** 0.5, ValueError, r"pow: x = -8.0, exponent = 0.5 is outside"),
        (lambda: Value(0.0) ** -1, ValueError, r"pow: x = 0.0, exponent = -1.0 is outside"),
        (lambda: (-2.0) ** Value(2.0), ValueError, r"power: a = -2.0, b = 2.0 is outside .* a > 0"),
        (lambda: Value(800.0).exp(), OverflowError, r"exp: x = 800.0 is outside the domain x ≤"),
        (lambda: Value(1e200) * 1e200, OverflowError, r"mul: the result at a = 1e\+200"),
        (lambda: Value(1e300) ** 2, OverflowError, r"pow: cannot compute it at x = 1e\+300"),
        (lambda: Value(1.0).leaky_relu(beta=1), TypeError, r"leaky_relu: unknown param 'beta'"),
        (lambda: Value(1.0).leaky_relu(1, 2), TypeError, r"leaky_relu: takes at most 1 param"),
        (lambda: Value(1.0).elu(alpha="1"), TypeError, r"elu: param alpha: expected a real number"),
        (lambda: apply(OPS["pow"], Value(2.0)), TypeError, r"pow: missing param 'exponent'"),
        (lambda: apply(OPS["mul"], Value(2.0)), TypeError, r"mul: takes 2 input\(s\), got 1"),
        (lambda: apply(OPS["sum"]), TypeError, r"sum: needs at least one input"),
        (lambda: apply(OPS["add"], 1.0, 2.0), TypeError, r"add: needs a Value among its inputs"),
        (lambda: apply(OPS["tanh"], Value(1.0), alpha=1), TypeError, r"tanh: unknown param"),
    ],
)
def test_errors_name_the_op_the_value_and_the_domain(expression, error, message: str) -> None:
    with pytest.raises(error, match=message):
        expression()


def test_no_grad_keeps_the_domain_checks() -> None:
    with no_grad(), pytest.raises(ValueError, match="log"):
        Value(-1.0).log()
    with no_grad():
        assert Value(0.0).sqrt().data == 0.0


def test_repr_names_data_grad_op_and_label() -> None:
    x = Value(2.0, label="x")
    assert repr(x) == "Value(data=2.0, grad=0.0, label='x')"
    assert repr(x * x) == "Value(data=4.0, grad=0.0, op='mul')"


def test_x_to_the_zero_has_derivative_zero_even_at_a_subnormal_x() -> None:
    x = Value(1e-310)
    y = x**0
    y.backward()
    assert (y.data, x.grad) == (1.0, 0.0)


def test_a_param_given_twice_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="leaky_relu: param 'alpha' given twice"):
        Value(-1.0).leaky_relu(0.1, alpha=0.5)
    assert Value(-1.0).leaky_relu(alpha=0.5).data == -0.5


def test_an_integer_too_large_to_print_names_its_size() -> None:
    with pytest.raises(ValueError, match=r"Value: an integer of about 5001 digits is too large"):
        Value(10**5000)
