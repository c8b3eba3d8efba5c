"""The quality figures as a plain-text table, one block per model version (`labelassist report`)."""

from __future__ import annotations

from app.models.quality import LabelQuality, QualityReport, VersionQuality

COLUMNS = (
    "label",
    "tag",
    "suggested",
    "committed",
    "as is",
    "edited",
    "deleted",
    "dismissed",
    "missed",
    "acceptance",
    "precision",
    "recall",
    "best",
    "F1",
    "edit IoU",
)


def percent(v: float | None) -> str:
    return "—" if v is None else f"{v:.0%}"


def label_cells(q: LabelQuality, threshold: float) -> list[str]:
    """One row: the counts, then precision and recall at `threshold`, then the best threshold and its F1."""
    at, best = q.at(threshold), q.best
    return [
        q.label or "all labels",
        q.tag or "—",
        *(str(n) for n in (q.suggested, q.committed, q.as_is, q.edited, q.deleted, q.dismissed, q.missed)),
        percent(q.acceptance),
        percent(at.precision if at else None),
        percent(at.recall if at else None),
        f"{best.threshold:.2f}" if best else "—",
        f"{best.f1:.2f}" if best and best.f1 is not None else "—",
        "—" if q.edit_iou is None else f"{q.edit_iou:.2f}",
    ]


def version_heading(v: VersionQuality) -> str:
    return f"{v.deployment}: {v.title} — first answered {v.first_seen[:16].replace('T', ' ')} UTC"


def version_summary(v: VersionQuality, report: QualityReport) -> str:
    timing = (
        "—"
        if v.seconds_per_image is None
        else f"{v.seconds_per_image:.1f} s per image ({v.timed_images} timed)"
    )
    alone = report.seconds_per_image_unassisted
    without = "—" if alone is None else f"{alone:.1f} s per image ({report.unassisted_images} timed)"
    return (
        f"images answered {v.answered}, worked on {v.worked}; labelling time with its suggestions {timing}, "
        f"with no model {without}"
    )


def render(report: QualityReport, threshold: float) -> str:
    """Every version's table; precision and recall at `threshold` (the slider's position)."""
    blocks = []
    for d in report.deployments:
        if not d.versions:
            blocks.append(f"{d.name}: no answers yet")
        for v in d.versions:
            rows = [list(COLUMNS)] + [label_cells(q, threshold) for q in (*v.labels, v.total)]
            widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
            lines = [
                "  ".join(
                    c.ljust(w) if i < 2 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(r, widths, strict=True))
                )
                for r in rows
            ]
            blocks.append("\n".join([version_heading(v), version_summary(v, report), *lines]))
    notes = (
        f"Precision and recall at threshold {threshold:.2f}; best: the strictest threshold with the highest F1. "
        f"Pauses over {report.idle_seconds:.0f} s between two edits count as idle."
    )
    return "\n\n".join([*blocks, notes]) if blocks else "No deployment has answered in this project yet."
