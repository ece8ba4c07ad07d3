"""The compiled replay: every op, replayed at the edges of its domain, is its node bit for bit.

On the compiled core `Program` replays through `autograd.replay` (C kernels for the common
ops, the table's functions for the others); on the plain core through its Python passes.
Either way a replay gives what building the node and calling backward gives, or raises
the same error. tests/test_core.py compares the two cores' replays of whole programs.
"""

from __future__ import annotations

import math

import pytest

import autograd
from autograd import OPS, Value, apply, replay, trace
from autograd.ops import EXP_MAX

COMPILED = autograd.CORE.startswith("compiled")
EDGES = [
    0.0,
    -0.0,
    5e-324,
    -2.2250738585072014e-308,
    1e-300,
    0.49999999999999994,
    0.5,
    -0.5,
    1.0,
    -2.0,
    20.0,
    -40.0,
    EXP_MAX,
    math.nextafter(EXP_MAX, math.inf),
    -745.5,
    1e308,
]
"""Points where a kernel changes branch (tanh' at |x| = 0.5, σ at 0), leaves its domain
(ln at 0, e^x past EXP_MAX), underflows or overflows."""
PARAMS = {"pow": [2.0, 0.5, -1.0, 3.0], "leaky_relu": [0.1], "elu": [1.0]}


def cases(name: str) -> list:
    """Functions of two inputs that use the op `name` once: with Values, and with a number
    in each of its inputs."""
    op = OPS[name]
    if op.arity == 1:
        choices = PARAMS.get(name, [None])
        names = list(op.param_defaults)
        return [lambda a, b, c=c: apply(op, a, **({names[0]: c} if names else {})) for c in choices]
    if op.arity == 2:
        return [
            lambda a, b: apply(op, a, b),
            lambda a, b: apply(op, a, 1.5),
            lambda a, b: apply(op, 1.5, b),
        ]
    return [lambda a, b: apply(op, a, b, b, a), lambda a, b: apply(op, a, b, 0.5, -2.0)]


def outcome(run):
    try:
        return [float.hex(x) for x in run()]
    except (ArithmeticError, ValueError) as error:
        return (type(error), str(error))


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_replays_as_its_node_at_the_edges_of_its_domain(name: str) -> None:
    for fn in cases(name):
        program = trace(fn, [1.0, 1.25])
        assert (program._replay is not None) is COMPILED
        for x in EDGES:
            for y in EDGES[::3]:

                def replayed(x=x, y=y, program=program):
                    out, (dx, dy) = program.backward([x, y], input_grads=True)
                    return out, dx, dy

                def built(x=x, y=y, fn=fn):
                    a, b = Value(x, label="a"), Value(y, label="b")
                    node = fn(a, b)
                    node.backward()
                    return node.data, a.grad, b.grad

                expected = outcome(built)
                assert outcome(replayed) == expected, (name, x, y)
                if COMPILED and isinstance(expected, list):
                    root = program._output_slots[0]
                    found = program._replay.backward(program.parameters, (x, y), root)
                    assert found is not None, f"{name} fell back to Python at {x}, {y}"


def test_the_ops_networks_spend_their_time_in_have_kernels() -> None:
    """The others run the table's Python functions: correct, and slower."""
    assert {"dot", "relu", "tanh", "sigmoid", "add", "sub", "mul", "div"} <= replay.KERNELS


def test_a_pass_that_fails_at_a_later_parameter_puts_back_the_grads_it_added() -> None:
    """The compiled pass adds to each parameter's grad in turn: when a later one would
    overflow, it puts back the earlier ones, and raises the engine's error."""
    w, v = Value(0.5, label="w"), Value(1.0, label="v")
    w.grad, v.grad = 0.5, 1.5e308
    program = trace(lambda x: x * w + x * v, [1.0])
    with pytest.raises(OverflowError, match="the gradient of 'v'"):
        program.backward([1e308])
    assert (w.grad, v.grad) == (0.5, 1.5e308)
    assert program.backward([1.0]) == 1.5 and (w.grad, v.grad) == (1.5, 1.5e308)
