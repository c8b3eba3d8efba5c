"""The quality report as one self-contained HTML page: the tables and the plots as inline SVG, no scripts,
no fonts or images fetched from anywhere."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from app.models.quality import QualityReport
from app.report import figures, svg
from app.report.table import COLUMNS, label_cells, version_heading, version_summary

STYLE = """
body { font-family: sans-serif; margin: 24px; color: #212121; max-width: 1200px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; } h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #e0e0e0; padding: 3px 8px; text-align: right; }
th:nth-child(-n+2), td:nth-child(-n+2) { text-align: left; }
tr.total td { font-weight: bold; background: #f5f5f5; }
.plots { display: flex; flex-wrap: wrap; gap: 12px; }
p.note { color: #616161; font-size: 13px; }
"""


def render(report: QualityReport, project: str, threshold: float) -> str:
    """The whole page; precision and recall in the tables are at `threshold`."""
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = [
        f"<h1>Model quality — {escape(project)}</h1>",
        f'<p class="note">Made {made}. Precision and recall at threshold {threshold:.2f}; <i>best</i> is the '
        "strictest threshold with the highest F1. A pause of more than "
        f"{report.idle_seconds:.0f} s between two edits by one labeller counts as idle.</p>",
    ]
    for d in report.deployments:
        body.append(f"<h2>{escape(d.name)}</h2>")
        if not d.versions:
            body.append('<p class="note">No answers yet.</p>')
        for v in d.versions:
            body.append(f"<h3>{escape(version_heading(v))}</h3>")
            body.append(f'<p class="note">{escape(version_summary(v, report))}</p>')
            body.append(
                _table([label_cells(q, threshold) for q in v.labels], label_cells(v.total, threshold))
            )
            plots = [figures.threshold_figure(v, threshold), figures.acceptance_figure(v)]
            body.append(_plots(plots))
        usage = [figures.calls_figure(d), figures.latency_figure(d)]
        if len(d.versions) >= 2:
            usage.append(figures.comparison_figure(d.versions[-2], d.versions[-1]))
        body.append(_plots(usage))
    if not report.deployments:
        body.append("<p>No deployment in this project yet.</p>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Model quality — {escape(project)}</title><style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _table(rows: list[list[str]], total: list[str]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
    cells = [
        f"<tr{' class=total' if row is total else ''}>"
        + "".join(f"<td>{escape(c)}</td>" for c in row)
        + "</tr>"
        for row in [*rows, total]
    ]
    return f"<table><tr>{head}</tr>{''.join(cells)}</table>"


def _plots(plots: list[figures.Figure]) -> str:
    return '<div class="plots">' + "".join(svg.render(f) for f in plots) + "</div>"
