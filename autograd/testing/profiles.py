"""Hypothesis settings profiles for gradient tests: `dev`, `ci` and `thorough`.

- `dev`: 50 examples, for a quick loop while you write a rule;
- `ci`: hypothesis' default 100 examples, derandomized (the same examples on every run,
  no example database), so a CI run fails or passes the same way each time;
- `thorough`: 2,000 examples, for a search before a release.

None has a deadline: building a graph and differencing it takes variable time. Select one
with `pytest --hypothesis-profile=ci` or `settings.load_profile("ci")`.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis.errors import InvalidArgument

PROFILES = {
    "dev": settings(deadline=None, max_examples=50),
    "ci": settings(
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    ),
    "thorough": settings(deadline=None, max_examples=2000),
}


def register_profiles() -> None:
    """Register the profiles, leaving alone any profile of these names already registered."""
    for name, profile in PROFILES.items():
        try:
            settings.get_profile(name)
        except InvalidArgument:
            settings.register_profile(name, profile)
