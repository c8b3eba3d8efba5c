"""The quality plots as data: what the Deployments page draws with pyqtgraph and `labelassist report` draws as
SVG, built once here from the figures the store computed (app/models/quality.py). No Qt."""

from __future__ import annotations

from dataclasses import dataclass

from app.models.quality import AcceptancePoint, DeploymentQuality, VersionQuality

PRECISION, RECALL, F1 = "#1565c0", "#2e7d32", "#9e9e9e"
VERSION_COLORS = ("#8e24aa", "#ef6c00")  # the older and the newer of two versions side by side


@dataclass(frozen=True)
class Series:
    name: str
    x: tuple[float, ...]
    y: tuple[float | None, ...]  # None leaves a gap
    color: str
    bars: bool = False  # bars centred on x (side by side when several series are bars)


@dataclass(frozen=True)
class Marker:
    """A vertical line across the plot, e.g. the slider's threshold."""

    x: float
    label: str
    color: str = "#c62828"


@dataclass(frozen=True)
class Figure:
    title: str
    x_label: str
    y_label: str
    series: tuple[Series, ...] = ()
    markers: tuple[Marker, ...] = ()
    x_ticks: tuple[tuple[float, str], ...] = ()  # names of categories on the x axis
    y_max: float | None = 1.0  # None: fit the data
    note: str = ""  # said instead when there is nothing to draw
    legend_below: bool = False  # where the lines leave room for it: bottom left rather than top right

    @property
    def empty(self) -> bool:
        return not any(any(v is not None for v in s.y) for s in self.series)


def threshold_figure(v: VersionQuality, current: float | None = None) -> Figure:
    """Precision, recall and F1 at every slider step; the current threshold and the best one marked."""
    points = v.total.curve
    x = tuple(p.threshold for p in points)
    markers = []
    if current is not None:
        markers.append(Marker(current, f"slider {current:.2f}"))
    if v.total.best is not None:
        markers.append(Marker(v.total.best.threshold, f"best {v.total.best.threshold:.2f}", F1))
    return Figure(
        title=f"Precision and recall by threshold — {v.title}",
        x_label="confidence threshold",
        y_label="",
        series=(
            Series("precision", x, tuple(p.precision for p in points), PRECISION),
            Series("recall", x, tuple(p.recall for p in points), RECALL),
            Series("F1", x, tuple(p.f1 for p in points), F1),
        ),
        markers=tuple(markers),
        note="" if points else "No worked images yet",
        legend_below=True,
    )


def acceptance_figure(v: VersionQuality) -> Figure:
    """Acceptance per day, or per run of images when all decisions fall on one day."""
    by_day = len(v.acceptance_by_day) > 1
    points: tuple[AcceptancePoint, ...] = v.acceptance_by_day if by_day else v.acceptance_by_images
    unit = "day" if by_day else ("image" if v.images_per_point == 1 else f"{v.images_per_point} images")
    return Figure(
        title=f"Acceptance per {unit} — {v.title}",
        x_label="day" if by_day else "images, in the order they were decided on",
        y_label="committed / decided",
        series=(Series("acceptance", _index(points), tuple(p.acceptance for p in points), PRECISION),),
        x_ticks=_ticks(tuple(p.period for p in points)),
        note="No decisions yet",
    )


def calls_figure(d: DeploymentQuality) -> Figure:
    """Calls (bars) per minute, hour or day."""
    x = _index(d.calls)
    return Figure(
        title=f"Calls per {d.calls_unit} — {d.name}",
        x_label=d.calls_unit,
        y_label="calls",
        series=(
            Series("calls", x, tuple(float(p.calls) for p in d.calls), PRECISION, bars=True),
            Series("failures", x, tuple(float(p.failures) for p in d.calls), "#c62828", bars=True),
        ),
        x_ticks=_ticks(tuple(p.period for p in d.calls)),
        y_max=None,
        note="No calls yet",
    )


def latency_figure(d: DeploymentQuality) -> Figure:
    """The median latency of successful calls per minute, hour or day."""
    return Figure(
        title=f"Latency (median) per {d.calls_unit} — {d.name}",
        x_label=d.calls_unit,
        y_label="ms",
        series=(Series("median ms", _index(d.calls), tuple(p.p50_ms for p in d.calls), RECALL),),
        x_ticks=_ticks(tuple(p.period for p in d.calls)),
        y_max=None,
        note="No calls yet",
    )


COMPARED = ("acceptance", "precision", "recall", "F1")


def comparison_figure(older: VersionQuality, newer: VersionQuality) -> Figure:
    """Two versions side by side: acceptance, and precision, recall and F1 at each one's best threshold."""
    series = []
    for v, color in zip((older, newer), VERSION_COLORS, strict=True):
        best = v.total.best
        values = (
            v.total.acceptance,
            best.precision if best else None,
            best.recall if best else None,
            best.f1 if best else None,
        )
        series.append(
            Series(v.title, tuple(float(i) for i in range(len(COMPARED))), values, color, bars=True)
        )
    return Figure(
        title=f"{older.title} vs {newer.title}",
        x_label="at each version's best threshold",
        y_label="",
        series=tuple(series),
        x_ticks=tuple((float(i), name) for i, name in enumerate(COMPARED)),
    )


def _index(points: tuple) -> tuple[float, ...]:  # type: ignore[type-arg]
    return tuple(float(i) for i in range(len(points)))


def _ticks(names: tuple[str, ...]) -> tuple[tuple[float, str], ...]:
    """Category names under their points; only some when there are many, so they stay readable."""
    every = max(1, len(names) // 8)
    return tuple((float(i), name.replace("T", " ")) for i, name in enumerate(names) if i % every == 0)
