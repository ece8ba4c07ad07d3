"""Cython's decorators as plain Python does them, for when Cython is not installed:
value.py and replay.py then run as ordinary Python, unchanged."""

compiled = False


def cclass(cls: type) -> type:
    return cls


final = no_gc = cfunc = inline = cclass


def freelist(size: int):
    return cclass


def annotation_typing(enabled: bool):
    return cclass


def declare(kind: object, value: object) -> object:
    """`x = cython.declare(cython.int, 3)`: compiled, a C variable; here, the value."""
    return value


# The C types replay.py names outside annotations, as the Python types of their values.
int = int
double = float
