"""The Deployments page's usage figures as text: the table's usage columns and the calls per labeller."""

from __future__ import annotations

from app.inference.usage_view import DeploymentUsage


def usage_cells(usage: DeploymentUsage | None) -> list[str]:
    """The usage columns, from Calls to p95 ms (dashes until the figures are first read)."""
    if usage is None:
        return ["—"] * 8
    counts = (usage.calls, usage.failures, usage.images, usage.predictions, usage.committed, usage.dismissed)
    return [*map(str, counts), _ms(usage.p50_ms), _ms(usage.p95_ms)]


def by_labeller_text(calls: dict[str, int]) -> str:
    """'by labeller: alice 12 · bob 3' ('' when no call was made)."""
    if not calls:
        return ""
    return "by labeller: " + " · ".join(f"{who or '(unknown)'} {n}" for who, n in calls.items())


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"
