"""The side-by-side table of one peer-bench run: for each scenario, LabelAssist's median next to each peer's and
the ratio (ours ÷ theirs: below 1 means we are faster or smaller).

    python -m bench.peer_table RESULTS.jsonl [--latest N]

Reads the JSON lines the shared harness (../shared/peer-bench/bench.py) appends; only runs that ended "ok"
count, and with --latest only the newest N of them per tool and scenario (the rows of this run).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

OURS = "ours"
PEERS = ("labelme", "xanylabeling", "labelimg")
NAMES = {"labelme": "labelme", "xanylabeling": "X-AnyLabeling", "labelimg": "LabelImg", OURS: "LabelAssist"}
SCENARIOS = ("start", "start_nocache", "dir200", "dir2000", "ann50", "ann500", "ann2000")
FIGURES = (
    ("t_map", "window mapped", "s", 2),
    ("t_ready", "idle", "s", 2),
    ("rss_ready_mb", "RSS at idle", "MiB", 0),
)


def load(path: Path, latest: int) -> dict[tuple[str, str], list[dict]]:
    """The ok runs per (tool, scenario), oldest first, the newest `latest` of them when latest > 0."""
    runs: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue  # a line cut short by a killed run
        if isinstance(row, dict) and row.get("status") == "ok":
            runs[(row.get("tool", ""), row.get("scenario", ""))].append(row)
    return {k: v[-latest:] if latest > 0 else v for k, v in runs.items()}


def median(rows: list[dict], key: str) -> float | None:
    values = [r[key] for r in rows if isinstance(r.get(key), (int, float))]
    return statistics.median(values) if values else None


def table(runs: dict[tuple[str, str], list[dict]]) -> str:
    """One Markdown table: a row per scenario and figure, our figure, the peers' and our ratio to each."""
    tools = [t for t in PEERS if any(k[0] == t for k in runs)]
    head = ["scenario", "figure", *(NAMES[t] for t in tools), NAMES[OURS], *(f"÷ {NAMES[t]}" for t in tools)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for scenario in SCENARIOS:
        if (OURS, scenario) not in runs:
            continue
        for key, title, unit, digits in FIGURES:
            ours = median(runs[(OURS, scenario)], key)
            if ours is None:
                continue
            theirs = [median(runs.get((t, scenario), []), key) for t in tools]
            shown = [f"{v:.{digits}f} {unit}" if v is not None else "–" for v in (*theirs, ours)]
            ratios = [f"{ours / v:.2f}" if v else "–" for v in theirs]
            lines.append("| " + " | ".join([scenario, title, *shown, *ratios]) + " |")
    n = {len(v) for v in runs.values()}
    lines.append("")
    lines.append(
        f"medians of {'/'.join(str(x) for x in sorted(n))} ok runs per cell; ratio = LabelAssist ÷ peer"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument(
        "--latest", type=int, default=0, help="only the newest N ok runs per tool and scenario"
    )
    args = parser.parse_args(argv)
    if not args.results.is_file():
        print(f"no results at {args.results}: run the peer bench first", file=sys.stderr)
        return 1
    runs = load(args.results, args.latest)
    if not any(k[0] == OURS for k in runs):
        print(f"{args.results} has no ok run of LabelAssist", file=sys.stderr)
        return 1
    print(table(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
