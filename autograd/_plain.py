"""Cython's decorators as plain Python does them, for when Cython is not installed:
value.py then runs as ordinary Python, unchanged."""

compiled = False


def cclass(cls: type) -> type:
    return cls


final = no_gc = cclass


def freelist(size: int):
    return cclass


def annotation_typing(enabled: bool):
    return cclass
