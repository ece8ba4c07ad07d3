"""SGD, Adam and LinearLR against their update rules by hand and against torch.optim."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value
from nn.optim import SGD, Adam, LinearLR, Optimizer

SAME = {"rel": 1e-12, "abs": 1e-12}
INIT = [0.5, -1.25, 2.0, 0.1]
CENTRES = [1.0, -2.0, 0.5, 3.0]


def objective(w: list[Value]) -> Value:
    """A small smooth function with bounded curvature: quadratic bowls plus coupling terms."""
    bowls = autograd.sum(
        (0.5 * (i + 1)) * (wi - c) ** 2 for i, (wi, c) in enumerate(zip(w, CENTRES))
    )
    return bowls + (w[0] * w[1]).tanh() + (w[2] ** 2 + 1.0).log()


def torch_objective(torch, w):
    scales = torch.tensor([0.5 * (i + 1) for i in range(len(CENTRES))])
    bowls = (scales * (w - torch.tensor(CENTRES)) ** 2).sum()
    return bowls + torch.tanh(w[0] * w[1]) + torch.log(w[2] ** 2 + 1.0)


CONFIGS = [
    (SGD, "SGD", {"lr": 0.1}),
    (SGD, "SGD", {"lr": 0.1, "momentum": 0.9}),
    (SGD, "SGD", {"lr": 0.1, "weight_decay": 0.05}),
    (SGD, "SGD", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.1}),
    (Adam, "Adam", {"lr": 0.05}),
    (Adam, "Adam", {}),
    (Adam, "Adam", {"lr": 0.05, "weight_decay": 0.1}),
    (Adam, "Adam", {"lr": 0.02, "betas": (0.5, 0.9), "eps": 1e-6, "weight_decay": 0.01}),
]
per_config = pytest.mark.parametrize(
    ("ours", "theirs", "options"),
    CONFIGS,
    ids=[f"{name}-{'-'.join(options) or 'defaults'}" for _, name, options in CONFIGS],
)


def follow_torch_with_our_gradients(torch, ours, theirs, options, init, steps=25) -> None:
    """Step both optimizers with the same gradients (ours); parameters must agree each step."""
    w = [Value(x) for x in init]
    optimizer = ours(w, **options)
    tw = torch.tensor(init)
    reference = getattr(torch.optim, theirs)([tw], **options)
    for _ in range(steps):
        optimizer.zero_grad()
        objective(w).backward()
        tw.grad = torch.tensor([p.grad for p in w])
        optimizer.step()
        reference.step()
        assert [p.data for p in w] == pytest.approx(tw.tolist(), **SAME)


@per_config
def test_same_gradients_give_torchs_parameters(ours, theirs, options, torch) -> None:
    follow_torch_with_our_gradients(torch, ours, theirs, options, INIT)


@per_config
def test_minimizing_in_both_engines_gives_the_same_path(ours, theirs, options, torch) -> None:
    """Each engine computes its own gradients; 40 steps stay together to 1e-12."""
    w = [Value(x) for x in INIT]
    optimizer = ours(w, **options)
    tw = torch.tensor(INIT, requires_grad=True)
    reference = getattr(torch.optim, theirs)([tw], **options)
    first = objective(w).data
    for _ in range(40):
        optimizer.zero_grad()
        loss = objective(w)
        loss.backward()
        optimizer.step()
        reference.zero_grad()
        torch_objective(torch, tw).backward()
        reference.step()
        assert [p.data for p in w] == pytest.approx(tw.tolist(), **SAME)
    assert objective(w).data < first


inits = st.lists(st.floats(-3.0, 3.0), min_size=4, max_size=4)


@given(
    init=inits,
    lr=st.floats(1e-3, 0.2),
    momentum=st.just(0.0) | st.floats(0.0, 0.95),
    weight_decay=st.just(0.0) | st.floats(0.0, 0.2),
)
def test_sgd_matches_torch_for_any_options(init, lr, momentum, weight_decay, torch) -> None:
    options = {"lr": lr, "momentum": momentum, "weight_decay": weight_decay}
    follow_torch_with_our_gradients(torch, SGD, "SGD", options, init, steps=10)


@given(
    init=inits,
    lr=st.floats(1e-4, 0.2),
    beta1=st.floats(0.0, 0.99),
    beta2=st.floats(0.0, 0.9999),
    eps=st.sampled_from([1e-8, 1e-6, 1e-3]),
    weight_decay=st.just(0.0) | st.floats(0.0, 0.2),
)
def test_adam_matches_torch_for_any_options(
    init, lr, beta1, beta2, eps, weight_decay, torch
) -> None:
    options = {"lr": lr, "betas": (beta1, beta2), "eps": eps, "weight_decay": weight_decay}
    follow_torch_with_our_gradients(torch, Adam, "Adam", options, init, steps=10)


# The update rules by hand, on floats.


def test_plain_sgd_is_the_lectures_rule() -> None:
    """w ← w - η ∂E/∂w, exactly."""
    w = [Value(x) for x in INIT]
    objective(w).backward()
    expected = [p.data - 0.1 * p.grad for p in w]
    SGD(w, lr=0.1).step()
    assert [p.data for p in w] == expected


def test_momentum_accumulates_a_velocity() -> None:
    """With a constant gradient g: b = g, (1 + μ) g, (1 + μ + μ²) g."""
    w = Value(1.0)
    optimizer = SGD([w], lr=0.1, momentum=0.5, weight_decay=0.0)
    for _ in range(3):
        w.grad = 2.0
        optimizer.step()
    assert optimizer.velocities == [2.0 * (1 + 0.5 + 0.25)]
    assert w.data == pytest.approx(1.0 - 0.1 * 2.0 * (1 + 1.5 + 1.75), **SAME)


def test_weight_decay_adds_decay_times_the_parameter_to_the_gradient() -> None:
    w = Value(2.0)
    w.grad = 0.5
    SGD([w], lr=0.1, weight_decay=0.25).step()
    assert w.data == 2.0 - 0.1 * (0.5 + 0.25 * 2.0)


def test_adam_follows_the_papers_algorithm() -> None:
    """Kingma & Ba: m̂ = m / (1 - β₁ᵗ), v̂ = v / (1 - β₂ᵗ), p ← p - lr m̂ / (√v̂ + eps)."""
    grads = [0.3, -1.2, 0.05, 2.0, -0.7]
    lr, beta1, beta2, eps = 0.01, 0.9, 0.999, 1e-8
    w = Value(1.5)
    optimizer = Adam([w], lr=lr, betas=(beta1, beta2), eps=eps)
    p, m, v = 1.5, 0.0, 0.0
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        p -= lr * (m / (1 - beta1**t)) / (math.sqrt(v / (1 - beta2**t)) + eps)
        w.grad = g
        optimizer.step()
        assert w.data == pytest.approx(p, rel=1e-14, abs=1e-14)
    assert optimizer.steps == len(grads)


def test_adams_first_step_moves_each_parameter_by_about_lr() -> None:
    w = [Value(1.0), Value(1.0), Value(1.0)]
    for p, g in zip(w, [1e-3, -5.0, 1e3]):
        p.grad = g
    Adam(w, lr=0.01).step()
    assert [p.data for p in w] == pytest.approx([0.99, 1.01, 0.99], rel=1e-5)


def test_zero_grad_sets_every_gradient_to_zero_and_keeps_the_data() -> None:
    w = [Value(x) for x in INIT]
    objective(w).backward()
    optimizer = Adam(w)
    assert all(p.grad != 0.0 for p in w)
    optimizer.zero_grad()
    assert [p.grad for p in w] == [0.0] * 4
    assert [p.data for p in w] == INIT


def test_state_is_plain_lists_of_floats_in_parameter_order() -> None:
    w = [Value(x) for x in INIT]
    sgd, adam = SGD(w, lr=0.1, momentum=0.9), Adam(w)
    assert sgd.parameters == w and sgd.parameters is not w
    assert sgd.velocities == []
    objective(w).backward()
    grads = [p.grad for p in w]
    sgd.step()
    adam.step()
    assert sgd.velocities == grads
    for state in (sgd.velocities, adam.means, adam.squares):
        assert type(state) is list and len(state) == 4
        assert all(type(x) is float for x in state)
    assert all(type(p.data) is float for p in w)


def test_parameters_may_be_any_iterable() -> None:
    w = [Value(1.0), Value(2.0)]
    assert SGD(iter(w), lr=0.1).parameters == w
    assert SGD((p for p in w), lr=0.1).parameters == w


def test_a_diverging_step_raises_and_changes_nothing() -> None:
    w = [Value(1.0), Value(2.0)]
    w[0].grad, w[1].grad = 1.0, 1e300
    with pytest.raises(OverflowError, match="SGD: step would make parameter 1 -inf"):
        SGD(w, lr=1e10).step()
    assert [p.data for p in w] == [1.0, 2.0]


# The learning-rate schedule.


@pytest.mark.parametrize(
    ("lr", "options"),
    [
        (1.0, {}),
        (0.3, {"start_factor": 0.25, "end_factor": 1.0, "total_iters": 8}),
        (0.05, {"start_factor": 1.0, "end_factor": 0.0, "total_iters": 5}),
        (2.0, {"start_factor": 0.5, "end_factor": 0.5, "total_iters": 3}),
    ],
)
def test_linear_lr_matches_torchs_sequence(lr: float, options: dict, torch) -> None:
    optimizer = SGD([Value(0.0)], lr=lr)
    schedule = LinearLR(optimizer, **options)
    tw = torch.zeros(1, requires_grad=True)
    reference = torch.optim.SGD([tw], lr=lr)
    torch_options = {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 100} | options
    torch_schedule = torch.optim.lr_scheduler.LinearLR(reference, **torch_options)
    for _ in range(torch_options["total_iters"] + 5):
        assert schedule.get_last_lr() == pytest.approx(torch_schedule.get_last_lr(), **SAME)
        assert optimizer.lr == schedule.get_last_lr()[0]
        optimizer.step()
        reference.step()
        schedule.step()
        torch_schedule.step()
    assert optimizer.lr == pytest.approx(lr * torch_options["end_factor"], **SAME)


def test_linear_lr_defaults_are_micrographs_demo_decay() -> None:
    """micrograd's demo: at step k, lr = 1.0 - 0.9 k / 100, then p.data -= lr * p.grad."""
    w = [Value(x) for x in INIT]
    by_hand = list(INIT)
    optimizer = SGD(w, lr=1.0)
    schedule = LinearLR(optimizer)
    for k in range(100):
        assert optimizer.lr == 1.0 - 0.9 * k / 100
        optimizer.zero_grad()
        objective(w).backward()
        by_hand = [x - (1.0 - 0.9 * k / 100) * p.grad for x, p in zip(by_hand, w)]
        optimizer.step()
        schedule.step()
        assert [p.data for p in w] == by_hand
    end = 1.0 - 0.9 * 100 / 100
    assert schedule.get_last_lr() == [end] and end == pytest.approx(0.1, **SAME)
    schedule.step()
    assert optimizer.lr == end and schedule.last_epoch == 101


def test_making_a_schedule_sets_the_first_lr_as_torch_does() -> None:
    optimizer = Adam([Value(0.0)], lr=0.2)
    schedule = LinearLR(optimizer, start_factor=0.5, end_factor=1.0, total_iters=4)
    assert optimizer.lr == 0.1 and schedule.get_last_lr() == [0.1] and schedule.base_lr == 0.2


# Errors name the option and the value.


def sgd(**options) -> SGD:
    return SGD([Value(1.0)], **{"lr": 0.1} | options)


def adam(**options) -> Adam:
    return Adam([Value(1.0)], **options)


def linear(**options) -> LinearLR:
    return LinearLR(sgd(), **options)


ERRORS = [
    (lambda: sgd(lr=0.0), ValueError, r"SGD: lr must be > 0, got 0\.0"),
    (lambda: sgd(lr=-0.1), ValueError, r"SGD: lr must be > 0, got -0\.1"),
    (lambda: sgd(lr=math.nan), ValueError, "SGD: lr: expected a finite number, got nan"),
    (lambda: sgd(lr="0.1"), TypeError, "SGD: lr: expected a real number, got '0.1'"),
    (lambda: sgd(lr=True), TypeError, "SGD: lr: expected a real number, got True"),
    (lambda: sgd(momentum=-0.5), ValueError, r"SGD: momentum must be >= 0, got -0\.5"),
    (lambda: sgd(weight_decay=-1), ValueError, r"SGD: weight_decay must be >= 0, got -1\.0"),
    (lambda: SGD([Value(1.0)]), TypeError, "missing 1 required keyword-only argument: 'lr'"),
    (lambda: SGD([Value(1.0)], 0.1), TypeError, "positional argument"),
    (lambda: adam(lr=0), ValueError, r"Adam: lr must be > 0, got 0\.0"),
    (lambda: adam(betas=(1.0, 0.999)), ValueError, r"Adam: betas\[0\] must be in \[0, 1\)"),
    (lambda: adam(betas=(0.9, -0.1)), ValueError, r"Adam: betas\[1\] must be in \[0, 1\), got"),
    (lambda: adam(betas=(0.9,)), TypeError, r"Adam: betas must be a pair .*, got \(0\.9,\)"),
    (lambda: adam(betas=0.9), TypeError, "Adam: betas must be a pair"),
    (lambda: adam(eps=0.0), ValueError, r"Adam: eps must be > 0, got 0\.0"),
    (lambda: adam(weight_decay=-0.1), ValueError, "Adam: weight_decay must be >= 0"),
    (lambda: SGD([Value(1.0), 2.0], lr=0.1), TypeError, r"SGD: parameter 1 is 2\.0 \(float\)"),
    (lambda: Adam(Value(1.0)), TypeError, "Adam: parameters must be an iterable of Values"),
    (lambda: Adam([]), ValueError, "Adam: got no parameters to optimize"),
    (lambda: Adam([Value(1.0) * 2.0]), ValueError, "Adam: parameter 0 was computed by the op"),
    (lambda: Adam([v := Value(1.0), v]), ValueError, "Adam: parameter 1 appears earlier"),
    (lambda: Optimizer([Value(1.0)], lr=0.1), TypeError, "abstract method"),
    (lambda: LinearLR(object()), TypeError, "LinearLR: expected an Optimizer"),
    (lambda: linear(start_factor=0.0), ValueError, r"LinearLR: start_factor must be in \(0, 1\]"),
    (lambda: linear(start_factor=1.5), ValueError, "LinearLR: start_factor must be in"),
    (lambda: linear(end_factor=-0.1), ValueError, r"LinearLR: end_factor must be in \[0, 1\]"),
    (lambda: linear(total_iters=0), ValueError, "LinearLR: total_iters must be >= 1, got 0"),
    (lambda: linear(total_iters=10.0), TypeError, "LinearLR: total_iters must be an int"),
]


@pytest.mark.parametrize(("call", "error", "message"), ERRORS)
def test_bad_options_raise_an_error_that_names_them(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    "make", [lambda ps: SGD(ps, lr=1e300, momentum=0.9), lambda ps: Adam(ps, lr=1e300)]
)
def test_a_failed_step_changes_no_state(make) -> None:
    p = Value(1.0)
    optimizer = make([p])
    p.grad = 1.0
    optimizer.step()
    state = {
        k: (list(v) if isinstance(v, list) else v)
        for k, v in vars(optimizer).items()
        if k != "parameters"
    }
    p.grad = 1e300
    with pytest.raises(OverflowError, match="No parameter was changed"):
        optimizer.step()
    after = {
        k: (list(v) if isinstance(v, list) else v)
        for k, v in vars(optimizer).items()
        if k != "parameters"
    }
    assert after == state
