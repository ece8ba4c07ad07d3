"""gradcheck: passes right rules, catches a wrong one and says where."""

from __future__ import annotations

import dataclasses
import math

import pytest

from autograd import OPS, GradcheckError, Value, apply, gradcheck, no_grad


def test_passes_a_correct_function_of_floats_and_values() -> None:
    assert gradcheck(lambda x, y: (x * y).tanh() + x**3 / y, [0.3, Value(0.7)])


WRONG_TANH = dataclasses.replace(OPS["tanh"], local_grads=lambda out, x: (1.0 - out,))


def test_catches_a_deliberately_wrong_rule() -> None:
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda x: apply(WRONG_TANH, x), [0.8])
    message = str(caught.value)
    backward = 1.0 - math.tanh(0.8)
    assert "1 of 1 partial derivatives disagree" in message
    assert f"input 0 (x = 0.8): backward {backward!r}" in message
    assert "finite differences 0.559055" in message  # tanh'(0.8) = 1 - tanh(0.8)² = 0.5590552
    assert "worst error" in message


def test_reports_only_the_inputs_that_disagree() -> None:
    with pytest.raises(GradcheckError, match=r"1 of 2 .* at input 1") as caught:
        gradcheck(lambda a, b: a.tanh() + apply(WRONG_TANH, b), [0.1, 0.9])
    assert "input 0" not in str(caught.value)


def test_can_return_false_instead_of_raising() -> None:
    assert gradcheck(lambda x: apply(WRONG_TANH, x), [0.8], raise_exception=False) is False


def test_tolerances_are_torch_style() -> None:
    slightly_wrong = dataclasses.replace(OPS["exp"], local_grads=lambda out, x: (out * 1.0005,))
    f = lambda x: apply(slightly_wrong, x)  # noqa: E731
    assert gradcheck(f, [1.0], rtol=1e-3)
    assert not gradcheck(f, [1.0], rtol=1e-4, raise_exception=False)


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


def test_eps_must_be_positive() -> None:
    with pytest.raises(ValueError, match="gradcheck: eps must be a positive number, got 0"):
        gradcheck(lambda x: x * x, [1.0], eps=0)
