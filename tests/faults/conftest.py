"""The fault suites: kills, bad images, a server under attack, a lying network, fuzzed parsers, secrets.

Each runs alone and briefly in `make test`; `make soak` sets the sizes below to their full values:
FAULT_KILLS (app kills), FAULT_FUZZ_BODIES (bodies per fuzzed parser), FAULT_CONCURRENT (simultaneous
requests to the server). The figures they count are printed as one table after the run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fault_figures import FIGURES, table  # noqa: E402


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    terminalreporter.section("fault figures")
    for line in table():
        terminalreporter.write_line(line)
