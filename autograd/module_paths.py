"""Which `nn` module each node of a graph was made in, read from the labels `nn` gives.

`nn` labels a model's parameters with their dotted names (`Module.label_parameters`):
"layers.0.neurons.3.w.2" is weight 2 of neuron 3 of layer 0. What comes before the
parameter's own name is its module's path, pairs of a name and an index, one pair per
level: "layers.0" is a layer, "layers.0.neurons.3" a neuron in it. `autograd` never
imports `nn`; it reads the format only. The scene boxes nodes by these paths, and the
drawing nests its clusters by them.

>>> module_of("layers.0.neurons.3.w.2")
'layers.0.neurons.3'
>>> module_depth("layers.0.neurons.3"), outer_module("layers.0.neurons.3", 1)
(2, 'layers.0')
"""

from __future__ import annotations

from collections.abc import Iterable

from autograd.value import Value


def module_paths(order: Iterable[Value]) -> dict[Value, str]:
    """The `nn` module each node was made in, for the nodes made in one.

    A parameter's label names its module ("layers.0.neurons.3.w.2" is in
    "layers.0.neurons.3"); a node made from a parameter is in that parameter's module; and
    a node of a table op whose parents all are in one module, one of them made from a
    parameter, is in it too: the activation of a weighted sum, or the next + of a neuron
    written with binary ops. What a loss does with a model's output stays outside.
    """
    paths: dict[Value, str] = {}
    direct: set[Value] = set()
    for node in order:
        parents = node.parents
        if not parents:
            path = module_of(node.label)
            if path is not None:
                paths[node] = path
        elif paths:
            owner = next((paths[p] for p in parents if not p.parents and p in paths), None)
            first = paths.get(parents[0])
            if owner is not None:
                paths[node] = owner
                direct.add(node)
            elif (
                first is not None
                and node.op.base is None
                and all(p.parents and paths.get(p) == first for p in parents)
                and any(p in direct for p in parents)
            ):
                paths[node] = first
    return paths


def module_of(label: str) -> str | None:
    """The module path in a parameter's label: "layers.0.neurons.3.w.2" and
    "layers.0.neurons.3.b" -> "layers.0.neurons.3"; None for labels not of that form."""
    if not label or not isinstance(label, str):
        return None
    parts = label.split(".")
    parts = parts[:-2] if parts[-1].isdigit() else parts[:-1]
    if not parts or len(parts) % 2 or not all(part.isdigit() for part in parts[1::2]):
        return None
    return ".".join(parts)


def module_depth(path: str) -> int:
    """How deep a module path is: "" 0, "layers.0" 1, "layers.0.neurons.3" 2."""
    return path.count(".") // 2 + 1 if path else 0


def outer_module(path: str, depth: int) -> str:
    """The module `depth` deep that holds the module `path` ("layers.0" for
    "layers.0.neurons.3" and depth 1), or `path` itself when it is no deeper."""
    return ".".join(path.split(".")[: 2 * depth])
