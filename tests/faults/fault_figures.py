"""The figures the fault suites count as they run, printed as one table at the end of the session.

Each suite adds to its own row (`count`), and sets the figures that are maxima (`peak`); the table
(tests/faults/conftest.py) shows only the suites that ran, so each suite can be run alone.
"""

from __future__ import annotations

from collections import defaultdict

# suite -> figure -> value; dicts keep the order in which the suites and figures first appeared
FIGURES: dict[str, dict[str, float]] = defaultdict(dict)
UNITS: dict[tuple[str, str], str] = {}


def count(suite: str, **figures: float) -> None:
    """Add to the suite's figures (a figure that has not appeared yet starts at 0)."""
    row = FIGURES[suite]
    for name, value in figures.items():
        row[name] = row.get(name, 0) + value


def peak(suite: str, name: str, value: float, unit: str = "") -> None:
    """Keep the largest value seen of a figure (e.g. peak memory)."""
    row = FIGURES[suite]
    row[name] = max(row.get(name, value), value)
    if unit:
        UNITS[(suite, name)] = unit


def table() -> list[str]:
    """The figures as aligned lines: suite, then `figure value` pairs."""
    lines = []
    width = max((len(s) for s in FIGURES), default=0)
    for suite, row in FIGURES.items():
        cells = []
        for name, value in row.items():
            shown = (
                f"{value:,.1f}" if isinstance(value, float) and not value.is_integer() else f"{int(value):,}"
            )
            cells.append(f"{name} {shown}{UNITS.get((suite, name), '')}")
        lines.append(f"{suite.ljust(width)}  " + " / ".join(cells))
    return lines
