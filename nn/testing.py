"""Hypothesis strategies for `nn` models: random MLPs and inputs for them.

Like `autograd.testing.strategies`, this needs hypothesis (`pip install 'stepgrad[test]'`).
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from autograd import OPS
from autograd.testing.strategies import values
from nn.layers import LINEAR, MLP, activations


def mlps(
    *,
    nin: int | None = None,
    max_inputs: int = 4,
    max_layers: int = 3,
    max_width: int = 4,
    activation: Sequence[str] | None = None,
    out_activation: str = LINEAR,
    expand: bool | None = None,
) -> st.SearchStrategy[MLP]:
    """MLPs with `nin` inputs (or 1 to `max_inputs`), 1 to `max_layers` layers of 1 to
    `max_width` neurons, hidden activations drawn from `activation` (default:
    `smooth_activations()`, so that finite differences can check every example), weights
    from a drawn seed.

    `expand=None` draws whether a neuron's weighted sum is one Σ node or one node per
    multiply and add. Shrinks toward one input, one layer of one neuron, the first
    activation and seed 0.
    """
    if isinstance(activation, str):
        raise TypeError(f"mlps: activation is a list of names, got the string {activation!r}")
    names = list(activation) if activation is not None else smooth_activations()
    unknown = [name for name in names if name not in activations()]
    if not names or unknown:
        raise ValueError(
            f"mlps: activation must name activations of nn.layers.activations(), got {names!r}"
        )
    inputs = st.just(nin) if nin is not None else st.integers(1, max_inputs)
    widths = st.lists(st.integers(1, max_width), min_size=1, max_size=max_layers)
    return st.builds(
        _mlp,
        inputs,
        widths,
        st.lists(st.sampled_from(names), min_size=max_layers, max_size=max_layers),
        st.just(out_activation),
        st.booleans() if expand is None else st.just(expand),
        st.integers(0, 2**32 - 1),
    )


def smooth_activations() -> list[str]:
    """The activations with a derivative everywhere (no kink like relu's): "linear" and the
    one-input ops without singular points."""
    return [
        name
        for name in activations()
        if name == LINEAR or (name in OPS and OPS[name].singularity is None)
    ]


def _mlp(nin: int, nouts: list[int], hidden: list[str], out: str, expand: bool, seed: int) -> MLP:
    return MLP(
        nin,
        nouts,
        activation=hidden[: len(nouts) - 1],
        out_activation=out,
        expand=expand,
        seed=seed,
    )


def inputs(model: MLP, *, min_value: float = -2.0, max_value: float = 2.0) -> st.SearchStrategy:
    """Input vectors for `model`: lists of `model.config["nin"]` floats in the range."""
    n = model.config["nin"]
    return st.lists(values(min_value=min_value, max_value=max_value), min_size=n, max_size=n)
