"""gradcheck: passes right rules, catches a wrong one and says where, in every mode."""

from __future__ import annotations

import dataclasses
import math

import pytest

from autograd import (
    OPS,
    GradcheckError,
    Op,
    Value,
    apply,
    gradcheck,
    gradcheck_report,
    no_grad,
)
from autograd import sum as total


def test_passes_a_correct_function_of_floats_and_values() -> None:
    assert gradcheck(lambda x, y: (x * y).tanh() + x**3 / y, [0.3, Value(0.7)])


WRONG_TANH = dataclasses.replace(OPS["tanh"], local_grads=lambda out, x: (1.0 - out,))


def test_catches_a_deliberately_wrong_rule() -> None:
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda x: apply(WRONG_TANH, x), [0.8])
    message = str(caught.value)
    backward = 1.0 - math.tanh(0.8)
    assert message.startswith("gradcheck: 1 of 1 derivatives disagree")
    assert (
        f"at input 0 (x0 = 0.8): backward gives {backward!r}, finite differences expect 0.559055"
        in message
    )
    assert "∂f/∂x0   backward 0.335963  finite differences 0.559055  error 0.223  WRONG" in message
    report = caught.value.report
    assert not report.ok and report.point == (0.8,)
    assert report.failures[0].backward == backward
    # tanh'(0.8) = 1 - tanh(0.8)² = 0.5590552
    assert report.failures[0].numerical == pytest.approx(0.5590552, abs=1e-7)


def test_reports_every_input_and_marks_the_ones_that_disagree() -> None:
    with pytest.raises(GradcheckError, match=r"1 of 3 .* at input 1") as caught:
        gradcheck(lambda a, b, c: a.tanh() + apply(WRONG_TANH, b) * c, [0.1, 0.9, 2.0])
    lines = str(caught.value).splitlines()
    assert lines[1] == "blame: 1 of 6 edges blamed"
    assert lines[2].startswith("  ✗ x1 → n4 (input 0 of tanh(0.9)): backward used ∂/∂x1 = 0.2837")
    rows = lines[4:]
    assert [row.split()[0] for row in rows] == ["∂f/∂x0", "∂f/∂x1", "∂f/∂x2"]
    assert [row.split()[-1] for row in rows] == ["ok", "WRONG", "ok"]
    (edge,) = caught.value.blame.edges
    assert edge.op is WRONG_TANH and edge.parent.data == 0.9


def test_the_report_of_a_function_of_many_inputs() -> None:
    xs = [0.1 * i - 2.0 for i in range(40)]
    report = gradcheck_report(lambda *v: total(x.sin() * x for x in v), xs)
    assert report.ok and len(report.comparisons) == 40
    for x, comparison in zip(xs, report.comparisons):
        assert comparison.backward == pytest.approx(math.sin(x) + x * math.cos(x), abs=1e-15)


def test_random_directions_compare_directional_derivatives() -> None:
    def f(*v: Value) -> Value:
        return total(x * x for x in v)

    xs = [float(i) for i in range(100)]
    report = gradcheck_report(f, xs, directions=3, seed=1)
    assert report.ok and len(report.comparisons) == 3
    for c in report.comparisons:
        assert c.input is None and sum(d * d for d in c.direction) == pytest.approx(1.0)
        assert c.backward == pytest.approx(sum(2 * x * d for x, d in zip(xs, c.direction)))
    again = gradcheck_report(f, xs, directions=3, seed=1)
    assert [c.direction for c in again.comparisons] == [c.direction for c in report.comparisons]
    assert "∇f · v" in str(report) and "v = (" in str(report)


def test_random_directions_catch_a_wrong_rule_among_many_inputs() -> None:
    xs = [0.01 * i for i in range(50)]
    f = lambda *v: total(v) + apply(WRONG_TANH, v[17])  # noqa: E731
    assert gradcheck(f, xs, raise_exception=False) is False
    with pytest.raises(GradcheckError, match="at a random direction"):
        gradcheck(f, xs, directions=2)


def test_can_return_false_instead_of_raising() -> None:
    assert gradcheck(lambda x: apply(WRONG_TANH, x), [0.8], raise_exception=False) is False


def test_tolerances_are_torch_style() -> None:
    slightly_wrong = dataclasses.replace(OPS["exp"], local_grads=lambda out, x: (out * 1.0005,))
    f = lambda x: apply(slightly_wrong, x)  # noqa: E731
    assert gradcheck(f, [1.0], rtol=1e-3)
    assert not gradcheck(f, [1.0], rtol=1e-4, raise_exception=False)
    comparison = gradcheck_report(f, [1.0], atol=0.5, rtol=0.0).comparisons[0]
    assert comparison.tolerance == 0.5 and comparison.ok


def versine_grad(x: float) -> float:
    """d/dx (1 - cos x) / x² = (x sin x - 2 (1 - cos x)) / x³, which cancels near 0 as
    the forward does: there its series -x/12 + x³/180 - x⁵/6720, exact in floats."""
    if abs(x) < 0.05:
        return x * (-1.0 / 12.0 + x * x * (1.0 / 180.0 - x * x / 6720.0))
    return (x * math.sin(x) - 2.0 * (1.0 - math.cos(x))) / x**3


def versine(grad: float = 1.0) -> Op:
    """(1 - cos x) / x², written as it reads: 1 - cos x cancels for small x, so near
    x = 1e-4 the forward keeps 8 of a float's 16 digits. `grad` scales its derivative."""
    return Op(
        name="versine",
        symbol="vers",
        arity=1,
        forward=lambda x: (1.0 - math.cos(x)) / (x * x),
        local_grads=lambda out, x: (grad * versine_grad(x),),
        rule="d/dx (1 - cos x) / x² = (x sin x - 2 (1 - cos x)) / x³",
    )


def test_a_right_derivative_where_f_loses_precision_is_not_blamed() -> None:
    """Finite differences at x = 1e-4 are off by 8e-4, as f's rounding noise of 2e-9
    divided by eps = 1e-6 makes them: the report says so, and the check still fails
    (finite differences cannot confirm the derivative there)."""
    f = lambda x: apply(versine(), x)  # noqa: E731
    with pytest.raises(GradcheckError) as caught:
        gradcheck(f, [1e-4])
    message = str(caught.value)
    assert message.startswith(
        "gradcheck: 1 of 1 derivatives disagree with finite differences, but f's own "
        "rounding explains it: near input 0 (x0 = 0.0001), f = 0.5 keeps about 8 significant "
        "digits (rounding noise 1.9e-09), which moves central differences with eps=1e-06 by "
        "up to 0.0041, more than the disagreement 0.000808"
    )
    assert "f's own conditioning" in message and "backward gives" not in message
    assert "UNCHECKED: f's rounding moves finite differences by ±0.0041" in message
    (comparison,) = caught.value.report.failures
    assert comparison.unchecked and comparison.verdict == "UNCHECKED"
    assert comparison.noise == pytest.approx(1.9e-9, rel=0.1)
    assert comparison.backward == pytest.approx(-1e-4 / 12, rel=1e-12)
    assert gradcheck(f, [1e-4], raise_exception=False) is False
    assert gradcheck(f, [1.0]) and gradcheck(f, [0.1])


@pytest.mark.parametrize(("grad", "x"), [(1.01, 1.0), (1.01, 0.3), (-1.0, 0.01), (1e3, 1e-4)])
def test_a_wrong_derivative_is_blamed_where_f_is_accurate_or_noisy(grad: float, x: float) -> None:
    """Off by 1% where f keeps its digits, and by far more than f's rounding explains
    where it does not: the derivative is blamed."""
    with pytest.raises(GradcheckError, match="disagree; worst error") as caught:
        gradcheck(lambda v: apply(versine(grad), v), [x])
    assert "backward gives" in str(caught.value) and "conditioning" not in str(caught.value)
    assert [c.verdict for c in caught.value.report.failures] == ["WRONG"]


def test_f_rounding_is_reported_with_a_wrong_derivative_when_it_matters() -> None:
    """At x = 1e-5 f keeps about 6 digits: its rounding moves finite differences by ~0.7,
    more than the tolerance, yet far less than a derivative that is off by 10."""
    wrong = dataclasses.replace(versine(), local_grads=lambda out, x: (10.0,))
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda v: apply(wrong, v), [1e-5])
    assert "f's own rounding moves finite differences by up to 0.7" in str(caught.value)
    assert "not enough to explain this" in str(caught.value)


def test_the_rounding_of_accurate_functions_is_tiny() -> None:
    """Wherever a built-in op keeps its digits, its estimated rounding noise is a few ulps,
    so a derivative off by 0.05% is still blamed."""
    slightly_wrong = dataclasses.replace(OPS["exp"], local_grads=lambda out, x: (out * 1.0005,))
    report = gradcheck_report(lambda x: apply(slightly_wrong, x), [5.0], rtol=1e-4)
    (comparison,) = report.failures
    assert comparison.verdict == "WRONG"
    assert 0.0 < comparison.noise < 8 * math.ulp(math.exp(5.0))
    assert comparison.rounding < 1e-6


def test_f_must_return_a_value() -> None:
    with pytest.raises(TypeError, match=r"gradcheck: f must return a Value, got 1\.0"):
        gradcheck(lambda x: 1.0, [0.5])


def test_works_inside_no_grad() -> None:
    with no_grad():
        assert gradcheck(lambda x: x * x, [1.0])


@pytest.mark.parametrize("bad", ["1.5", True, None])
def test_inputs_must_be_numbers(bad: object) -> None:
    with pytest.raises(TypeError, match="Value: expected a real number"):
        gradcheck(lambda x: x * x, [bad])


def test_eps_and_directions_must_make_sense() -> None:
    with pytest.raises(ValueError, match="gradcheck: eps must be a positive number, got 0"):
        gradcheck(lambda x: x * x, [1.0], eps=0)
    with pytest.raises(ValueError, match="gradcheck: f needs at least one input"):
        gradcheck(lambda: Value(1.0), [])
    for bad in (0, True, -2, 2.5):
        with pytest.raises(ValueError, match="directions must be a positive int or None"):
            gradcheck(lambda x: x * x, [1.0], directions=bad)
