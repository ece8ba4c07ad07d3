"""`check_op`: hypothesis searches an op's domain for a wrong derivative."""

from __future__ import annotations

import sys
from collections.abc import Mapping

from hypothesis import given, settings
from hypothesis.errors import FailedHealthCheck, Unsatisfiable

from autograd.gradcheck import GradcheckError, gradcheck
from autograd.testing.strategies import Call, OpLike, calls, resolve_op


def check_op(
    op: OpLike,
    *,
    params: Mapping[str, float] | None = None,
    min_value: float = -10.0,
    max_value: float = 10.0,
    min_inputs: int = 1,
    max_inputs: int = 4,
    max_examples: int | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> None:
    """Check the op's local derivatives against finite differences on many calls.

    The calls are `strategies.calls(op, ...)`: inputs in [min_value, max_value] inside the
    domain (`min_inputs` to `max_inputs` of them for an op of any number of inputs), with
    the `params` given fixed and the others drawn. They keep max(1e-3, 10 eps) away from
    singular points, so that no central difference straddles a kink. On the first call
    where backward and central differences disagree, hypothesis shrinks it to a minimal
    one and raises its `GradcheckError`: both derivatives, the blamed edge, and the call
    as "Failing test case"; in Jupyter, the shrunk call's graph is drawn first, with the
    blamed edge in red. Where the disagreement is no more than the forward's own rounding explains
    (the forward loses precision there), that error says so instead of blaming the
    derivative, and still fails: see `gradcheck`. A call where the forward is finite but
    the local derivatives are not (NaN, ±inf, or `local_grads` raises) fails too, with
    `strategies.UndefinedDerivative` naming the shrunk call and what `local_grads` gave;
    only inputs where the forward itself is undefined are left out. The current
    hypothesis profile sets the number of examples unless `max_examples` does.

    >>> from autograd import OPS
    >>> check_op(OPS["tanh"], max_examples=20)
    """
    op = resolve_op(op)
    strategy = calls(
        op,
        min_value=min_value,
        max_value=max_value,
        margin=max(1e-3, 10.0 * eps),
        min_inputs=min_inputs,
        max_inputs=max_inputs,
        params=params,
    )

    # One error at one shrunk call, even where the search found two kinds of failure.
    chosen = {"report_multiple_bugs": False}
    if max_examples is not None:
        chosen["max_examples"] = max_examples

    @settings(**chosen)
    @given(call=strategy)
    def derivatives_agree(call: Call) -> None:
        gradcheck(call, call.inputs, eps=eps, atol=atol, rtol=rtol)

    try:
        derivatives_agree()
    except GradcheckError as error:
        show_in_jupyter(error)
        raise
    except (FailedHealthCheck, Unsatisfiable) as error:
        raise ValueError(
            f"check_op {op.name}: few inputs in [{min_value}, {max_value}] are inside its "
            f"domain ({op.domain}); pass min_value and max_value around it"
        ) from error


def show_in_jupyter(error: GradcheckError) -> None:
    """In a Jupyter kernel, display the failing graph with its blamed edges in red (the
    drawing needs stepgrad's `viz` extra; without it, or outside Jupyter, nothing)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "kernel") or error.report.root is None:
        return
    try:
        from autograd.drawing import draw
    except ImportError:
        return
    from IPython.display import display

    display(draw(error.report.root, blame=True))
