"""backward(): accumulation, repeated calls, zero_grad, no_grad, depth and width."""

from __future__ import annotations

import contextvars
import math
import threading

import pytest

import autograd
from autograd import Value, no_grad, zero_grad


def lecture_graph() -> tuple[Value, Value, Value]:
    """Seed 002: z1 = sin x, z2 = x³, y = z1⁴ e^z2 + 5 z1 + 7 z2 (x used twice)."""
    x = Value(0.5)
    z1, z2 = x.sin(), x**3
    return x, z1, z1**4 * z2.exp() + 5 * z1 + 7 * z2


def test_fan_out_sums_the_messages_of_every_use() -> None:
    x, _, y = lecture_graph()
    y.backward()
    s, c = math.sin(0.5), math.cos(0.5)
    z2 = 0.125
    expected = (4 * s**3 * math.exp(z2) + 5) * c + (s**4 * math.exp(z2) + 7) * 3 * 0.25
    assert x.grad == pytest.approx(expected, rel=1e-14)
    assert y.grad == 1.0


def test_backward_twice_doubles_leaves_exactly() -> None:
    x, z1, y = lecture_graph()
    y.backward()
    once, z1_once = x.grad, z1.grad
    y.backward()
    assert x.grad == 2 * once
    assert z1.grad == z1_once


def test_backward_twice_is_exact_where_messages_round() -> None:
    """0.1 + 0.2 rounds: adding the second pass message by message would not give 2g."""
    x = Value(1.0)
    y = x * 0.1 + x * 0.2
    y.backward()
    once = x.grad
    y.backward()
    assert x.grad == 2 * once


def test_backward_from_an_intermediate_node() -> None:
    """Each call's grads are d root / d node for that call's root."""
    x = Value(2.0)
    h = x * x
    y = h * 3.0
    y.backward()
    assert (h.grad, x.grad) == (3.0, 12.0)
    h.backward()
    assert (h.grad, x.grad) == (1.0, 16.0)


def test_a_node_made_under_no_grad_is_a_constant_leaf() -> None:
    x = Value(2.0)
    with no_grad():
        c = x * x
    y = c * x
    y.backward()
    assert (c.parents, c.grad, x.grad) == ((), 2.0, 4.0)


def test_enable_grad_records_inside_no_grad() -> None:
    x = Value(2.0)
    with no_grad(), autograd.enable_grad():
        y = x * x
    assert y.parents == (x, x)


def test_backward_matches_torch_accumulation(torch) -> None:
    t = torch.tensor(0.5, requires_grad=True)
    for _ in range(3):
        (t.sin() ** 4 * (t**3).exp() + 5 * t.sin() + 7 * t**3).backward()
    x, _, y = lecture_graph()
    for _ in range(3):
        y.backward()
    assert x.grad == pytest.approx(t.grad.item(), rel=1e-14)


def test_zero_grad_resets_the_given_values() -> None:
    a, b = Value(1.0), Value(2.0)
    (a * b).backward()
    zero_grad([a, b])
    assert (a.grad, b.grad) == (0.0, 0.0)
    (a * b).backward()
    assert (a.grad, b.grad) == (2.0, 1.0)


def test_backward_of_a_leaf_seeds_one() -> None:
    x = Value(4.0)
    x.backward()
    assert x.grad == 1.0


def test_no_grad_records_no_parents_and_restores_recording() -> None:
    x = Value(2.0)
    with no_grad():
        y = x * x + 1
    assert (y.data, y.parents, y.local_grads) == (5.0, (), ())
    z = x * x
    assert z.parents == (x, x)


def test_no_grad_is_local_to_its_thread_and_context() -> None:
    recorded = {}

    def other_thread() -> None:
        recorded["thread"] = (Value(1.0) * 2).parents != ()

    with no_grad():
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        recorded["inside"] = (Value(1.0) * 2).parents != ()
        recorded["copied context"] = contextvars.copy_context().run(
            lambda: (Value(1.0) * 2).parents != ()
        )
    assert recorded == {"thread": True, "inside": False, "copied context": False}


def test_no_grad_restores_recording_after_an_error() -> None:
    with pytest.raises(ValueError), no_grad():
        Value(-1.0).log()
    assert (Value(1.0) * 2).parents != ()


def test_a_chain_a_million_deep_backpropagates_exactly() -> None:
    x = Value(1.0)
    y = x
    for _ in range(10**6):
        y = y * 1.0
    y = y * 3.0
    y.backward()
    assert x.grad == 3.0
    assert y.data == 3.0
    del y


def test_a_value_used_a_hundred_thousand_times() -> None:
    x = Value(0.5)
    y = autograd.sum([x] * 10**5)
    y.backward()
    assert len(y.parents) == 10**5
    assert x.grad == 1e5
    z = autograd.sum(x * float(i % 7) for i in range(10**5))
    zero_grad([x])
    z.backward()
    assert x.grad == sum(float(i % 7) for i in range(10**5))


def test_an_overflowing_gradient_is_an_error_not_an_infinity() -> None:
    """Every value is finite, but d root / d x = 1e300 · tanh'(1) · 1e300 is not."""
    x = Value(1e-300, label="x")
    root = (x * 1e300).tanh() * 1e300
    with pytest.raises(
        OverflowError, match=r"backward: the gradient of 'x' \(data 1e-300\) would be inf"
    ):
        root.backward()


def test_a_failed_pass_leaves_every_grad_as_it_was() -> None:
    x = Value(1e-10, label="x")
    w = Value(2.0, label="w")
    hidden = x * w
    y = hidden * 1e308 + hidden * 1e308
    w.grad, x.grad, hidden.grad = 5.0, -1.0, 7.0
    with pytest.raises(OverflowError, match=r"gradient of .* would be inf.*as it was before"):
        y.backward()
    assert (w.grad, x.grad, hidden.grad, y.grad) == (5.0, -1.0, 7.0, 0.0)


def test_adding_a_pass_to_a_leaf_is_checked_too() -> None:
    a = Value(1.0, label="a")
    y = a * 1e308
    y.backward()
    with pytest.raises(OverflowError, match=r"gradient of 'a' \(data 1.0\) would be inf"):
        y.backward()
    assert a.grad == 1e308


def test_passes_in_threads_over_one_graph_add_up() -> None:
    """Four threads each backpropagate one 10^5-node root into w: 4 × 10 = 40."""
    w = Value(1.0, label="w")
    y = w * 10.0
    for _ in range(100_000):
        y = y + 0.0
    roots = [y, y, y, y]
    others = [(w * float(k)).tanh() for k in range(4)]
    barrier = threading.Barrier(len(roots) + len(others))

    def run(root: Value) -> None:
        barrier.wait()
        root.backward()

    threads = [threading.Thread(target=run, args=(r,)) for r in roots + others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = 40.0 + sum(k * (1 - math.tanh(k) ** 2) for k in range(4))
    assert w.grad == pytest.approx(expected, rel=1e-12)
