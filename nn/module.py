"""`Module`: what every model shares — its parameters by name, zero_grad, and calling it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from autograd import Value, no_grad, zero_grad
from autograd import trace as trace_program

if TYPE_CHECKING:
    import torch


TRACE_FROM = 64
"""`predict` traces the model for this many inputs or more: tracing builds the graph
twice, which costs about as much as computing a few dozen outputs one by one."""


class Module(ABC):
    """A model made of parameters (leaf Values) and of other modules.

    Subclasses say what they hold through `children()` (modules, in order) and
    `own_parameters()` (Values, in order); `parameters()` lists everything depth first,
    which for an MLP is layer by layer, neuron by neuron, weights then bias.
    """

    def children(self) -> list[tuple[str, Module]]:
        """The modules this one is made of, with their names, in order."""
        return []

    def own_parameters(self) -> list[tuple[str, Value]]:
        """The parameters this module holds itself (not through its children)."""
        return []

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """Every parameter with a dotted name, e.g. `layers.0.neurons.3.w.2`."""
        yield from self.own_parameters()
        for prefix, child in self.children():
            for name, parameter in child.named_parameters():
                yield f"{prefix}.{name}", parameter

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of `named_parameters` (without making the names)."""
        found: list[Value] = []
        self.add_parameters_to(found)
        return found

    def add_parameters_to(self, found: list[Value]) -> None:
        """Append every parameter to `found`, this module's own first, then its children's.

        One list for the whole model: an MLP's parameters are copied once, not once per
        level, which counts for 136,000 of them."""
        found += (parameter for _, parameter in self.own_parameters())
        for _, child in self.children():
            child.add_parameters_to(found)

    def label_parameters(self) -> None:
        """Label every parameter with its name: drawings group a model's nodes by module."""
        for name, parameter in self.named_parameters():
            parameter.label = name

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 before the next backward pass."""
        zero_grad(self.parameters())

    def __call__(self, x):
        return self.forward(x)

    def to_torch(self) -> torch.nn.Sequential:
        """This model as PyTorch modules with the same float64 parameters: a
        `torch.nn.Sequential` of Linear layers and activations (see `nn.pytorch.to_torch`;
        needs `pip install 'stepgrad[torch]'`)."""
        from nn import pytorch

        return pytorch.to_torch(self)

    @classmethod
    def from_torch(cls, module: torch.nn.Module) -> Module:
        """The model of this class that computes what the torch `module` computes, a
        Sequential of Linear layers and activations (see `nn.pytorch.from_torch`)."""
        from nn import pytorch

        return pytorch.from_torch(module, into=cls)

    def predict(self, inputs: Sequence[Sequence[float]], *, trace: bool = True) -> list:
        """The outputs for many inputs, computed on floats with no graph per input.

        Each output equals `self(x).data` exactly (the same table functions on the same
        numbers), at a fraction of the cost: for drawing decision boundaries and testing.
        From `TRACE_FROM` inputs on, the model is traced once and its program runs on all
        of them at once (`Program.forward_batch`, with numpy when it is installed; a 2-d
        numpy array of inputs goes in as it is); otherwise, or with `trace=False`, each
        input runs through `predictor()`. An input the graph path refuses is refused with
        the graph path's own error.
        """
        if trace and len(inputs) >= TRACE_FROM:
            outputs = self._traced_outputs(inputs)
            if outputs is not None:
                return outputs
        run = self.predictor()
        return [run(x) for x in inputs]

    def _traced_outputs(self, inputs: Sequence[Sequence[float]]) -> list | None:
        """The outputs from the model's program, or None where only `predictor` can say
        what to do: an input it refuses, or a model whose graph depends on the data."""
        array = getattr(inputs, "ndim", None) == 2
        try:
            program = trace_program(self, [list(inputs[0])])
            return program.forward_batch(inputs if array else [[x] for x in inputs])
        except (TypeError, ValueError, ArithmeticError):
            return None

    def predictor(self) -> Callable[[Sequence[float]], object]:
        """A function of one input (floats) to the output as floats, with the parameters'
        current values captured: it does not see later updates.

        It validates as the graph path does by letting the graph path judge: where the
        float path meets anything but the right number of ints and floats, or a result
        that is not finite (which `relu` or `tanh` would hide in the next layer), it runs
        that input through the graph under `no_grad` (the model as it is then), which
        raises the error `self(x)` raises, or gives the output for other real numbers
        such as a Fraction.
        """
        compute = self.float_path()

        def run(x: Sequence[float]) -> object:
            try:
                return compute(x)
            except (NeedsGraph, TypeError, ValueError, ArithmeticError):
                with no_grad():
                    return _floats(self(x))

        return run

    @abstractmethod
    def float_path(self) -> Callable[[Sequence[float]], object]:
        """`forward` on floats, with the parameters' current values captured. It need not
        say what is wrong, only notice it: it raises `NeedsGraph` (or lets Python's own
        TypeError, ValueError or ArithmeticError out) where its input is not the right
        number of ints and floats or a result is not finite, and `predictor` then hands
        the input to the graph path."""

    @abstractmethod
    def forward(self, x):
        """The module's output for the input x (floats or Values)."""


class NeedsGraph(Exception):
    """Raised by a float path for an input only the graph path can judge (see `predictor`)."""


def _floats(output: Value | list[Value]) -> float | list[float]:
    return [y.data for y in output] if isinstance(output, list) else output.data
