"""stepgrad's neural networks, built on `autograd`'s public names only."""

from nn.layers import MLP, Layer, Maxout, Neuron, Perceptron, activations
from nn.module import Module

__all__ = ["MLP", "Layer", "Maxout", "Module", "Neuron", "Perceptron", "activations"]
