"""A palette of distinct colours for new tags (high contrast on photos, colour-blind friendly first)."""

# Sasha Trubetskoy's "20 distinct colours", ordered for maximum contrast between neighbours.
DISTINCT_COLORS: tuple[str, ...] = (
    "#e6194b",
    "#3cb44b",
    "#ffe119",
    "#4363d8",
    "#f58231",
    "#911eb4",
    "#46f0f0",
    "#f032e6",
    "#bcf60c",
    "#fabebe",
    "#008080",
    "#e6beff",
    "#9a6324",
    "#fffac8",
    "#800000",
    "#aaffc3",
    "#808000",
    "#ffd8b1",
    "#000075",
    "#808080",
)


def next_color(used: set[str] | list[str]) -> str:
    """First palette colour not in `used`; cycles when all are taken."""
    taken = {c.lower() for c in used}
    for c in DISTINCT_COLORS:
        if c not in taken:
            return c
    return DISTINCT_COLORS[len(taken) % len(DISTINCT_COLORS)]
