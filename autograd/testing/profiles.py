"""Hypothesis settings profiles for gradient tests: `dev`, `ci` and `thorough`.

- `dev`: 50 examples, for a quick loop while you write a rule;
- `ci`: hypothesis' default 100 examples, derandomized and without an example database,
  as hypothesis' own `ci` profile: the examples depend on the test and on the code
  loaded, never on a random seed or on earlier runs;
- `thorough`: 2,000 examples, for a search before a release.

None has a deadline: building a graph and differencing it takes variable time. Importing
this module registers them (stepgrad's pytest plugin does, so a conftest.py that registers
a profile of the same name afterwards wins). Select one with `pytest
--hypothesis-profile=ci` or `settings.load_profile("ci")`.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

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

for _name, _profile in PROFILES.items():
    settings.register_profile(_name, _profile)
