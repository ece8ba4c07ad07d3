"""Seeds: every random choice in `nn` takes an int seed or a `random.Random` to share."""

from __future__ import annotations

import random

Seed = int | random.Random | None


def generator(seed: Seed) -> random.Random:
    """The generator itself, or a new one from an int seed (None: seeded by the system).

    Passing one shared `random.Random` to several calls draws a fresh sequence each time;
    passing the same int gives the same sequence every time.
    """
    if isinstance(seed, random.Random):
        return seed
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool)):
        return random.Random(seed)
    raise TypeError(f"seed must be an int, a random.Random or None, got {seed!r}")
