"""`check_op`: hypothesis searches an op's domain for a wrong derivative."""

from __future__ import annotations

from hypothesis import given, settings

from autograd.gradcheck import gradcheck
from autograd.testing.strategies import Call, OpLike, calls


def check_op(
    op: OpLike,
    *,
    min_value: float = -10.0,
    max_value: float = 10.0,
    max_examples: int | None = None,
    min_inputs: int = 1,
    max_inputs: int = 4,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    **params: float,
) -> None:
    """Check the op's local derivatives against finite differences on many calls.

    The calls are `strategies.calls(op, ...)`: inputs inside the domain, away from singular
    points (`min_inputs` to `max_inputs` of them for an op of any number of inputs), with
    the params given here fixed and the others drawn. On the first call where
    backward and central differences disagree, hypothesis shrinks it to a minimal one and
    raises its `GradcheckError`: both derivatives, and the call as "Falsifying example".
    The current hypothesis profile sets the number of examples unless `max_examples` does.

    >>> from autograd import OPS
    >>> check_op(OPS["tanh"], max_examples=20)
    """
    strategy = calls(
        op,
        min_value=min_value,
        max_value=max_value,
        min_inputs=min_inputs,
        max_inputs=max_inputs,
        **params,
    )

    @given(call=strategy)
    def derivatives_agree(call: Call) -> None:
        gradcheck(call, call.inputs, eps=eps, atol=atol, rtol=rtol)

    if max_examples is not None:
        derivatives_agree = settings(max_examples=max_examples)(derivatives_agree)
    derivatives_agree()
