"""stepgrad's scalar autograd engine: Values that remember how they were made.

>>> from autograd import Value
>>> x = Value(3.0, label="x")
>>> y = x * x + 2 * x
>>> y.backward()
>>> y.data, x.grad
(15.0, 8.0)
"""

from autograd import core

CORE = core.load()
"""Which core runs: "compiled (Cython)", or "plain Python (why)"; see autograd.core."""

from autograd._origin import warn_if_shadowed
from autograd.blame import Blame, BlamedEdge, blame
from autograd.custom import CustomOp, custom_op
from autograd.diff import GraphDiff, diff
from autograd.functions import apply, dot, log_softmax, logsumexp, maximum, softmax
from autograd.functions import sum as sum
from autograd.grad_mode import enable_grad, no_grad
from autograd.gradcheck import GradcheckError, GradcheckReport, gradcheck, gradcheck_report
from autograd.gradients import grad
from autograd.graph import Edge, edges, topological_order
from autograd.ops import OPS, Op, with_constant
from autograd.program import Program, ProgramError, trace
from autograd.quiz import Quiz
from autograd.stepping import Step, Stepper
from autograd.value import Value, zero_grad

__stepgrad__ = True

# `sum` is left out of __all__ so that `from autograd import *` keeps the builtin sum.

__all__ = [
    "OPS",
    "Blame",
    "BlamedEdge",
    "CustomOp",
    "Edge",
    "GradcheckError",
    "GradcheckReport",
    "GraphDiff",
    "Op",
    "Program",
    "ProgramError",
    "Quiz",
    "Step",
    "Stepper",
    "Value",
    "apply",
    "blame",
    "custom_op",
    "diff",
    "dot",
    "edges",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradcheck_report",
    "log_softmax",
    "logsumexp",
    "maximum",
    "no_grad",
    "softmax",
    "topological_order",
    "trace",
    "with_constant",
    "zero_grad",
]

warn_if_shadowed()


def __getattr__(name: str):
    """`autograd.draw` imports graphviz only when it is first used."""
    if name == "draw":
        from autograd.drawing import draw

        return draw
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
