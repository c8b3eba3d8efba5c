"""One quality plot on screen: draws a Figure (app/report/figures.py) with pyqtgraph — lines, bars side by
side, vertical markers, category names on the x axis — and keeps the figure it was given."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from app.report.figures import Figure

BAR_SPAN = 0.8  # of the room between two categories, shared by the bars of one category


class FigureView(pg.PlotWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.figure: Figure | None = None  # what is drawn (tests read it)
        item = self.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setMenuEnabled(False)
        item.hideButtons()
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setPen(pg.mkPen("#9e9e9e"))
            axis.setTextPen(pg.mkPen("#424242"))
            axis.enableAutoSIPrefix(False)  # the figures' own units; no "(x0.001)" on a narrow range
        self.legend = item.addLegend(
            offset=(-10, 10), labelTextColor="#424242", brush=pg.mkBrush(255, 255, 255, 200)
        )
        self._note = pg.TextItem(color="#9e9e9e", anchor=(0.5, 0.5))
        self.setMinimumHeight(180)

    def show_figure(self, figure: Figure) -> None:
        self.figure = figure
        item = self.getPlotItem()
        item.clear()
        self.legend.clear()
        if figure.legend_below:  # one row along the bottom, where the lines leave room
            self.legend.setColumnCount(max(len(figure.series), 1))
            self.legend.anchor((0, 1), (0, 1), (10, -4))
        else:
            self.legend.setColumnCount(1)
            self.legend.anchor((1, 0), (1, 0), (-10, 10))
        item.setTitle(f'<span style="color:#212121;font-size:10pt">{figure.title}</span>')
        item.setLabel("bottom", figure.x_label, color="#616161")
        item.setLabel("left", figure.y_label, color="#616161")
        bars = [s for s in figure.series if s.bars]
        width = BAR_SPAN / max(len(bars), 1)
        for s in figure.series:
            if s.bars:
                offset = (bars.index(s) - (len(bars) - 1) / 2) * width
                kept = [(x + offset, y) for x, y in zip(s.x, s.y, strict=True) if y is not None]
                bar = pg.BarGraphItem(
                    x=[x for x, _ in kept], height=[y for _, y in kept], width=width, brush=s.color, pen=None
                )
                item.addItem(bar)
                self.legend.addItem(bar, s.name)
            else:
                ys = [math.nan if y is None else y for y in s.y]
                lone = [i for i in range(len(ys)) if _alone(ys, i)]  # a point with no neighbour gets a dot
                item.plot(
                    list(s.x),
                    ys,
                    pen=pg.mkPen(s.color, width=2),
                    name=s.name,
                    connect="finite",
                    symbol="o" if lone else None,
                    symbolSize=6,
                    symbolBrush=s.color,
                    symbolPen=None,
                )
        for m in figure.markers:
            line = pg.InfiniteLine(
                pos=m.x,
                angle=90,
                pen=pg.mkPen(m.color, width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine),
                label=m.label,
                labelOpts={"position": 0.92, "color": m.color, "anchors": [(0, 0.5), (0, 0.5)]},
            )
            item.addItem(line)
        bottom = item.getAxis("bottom")
        bottom.setTicks([list(figure.x_ticks)] if figure.x_ticks else None)
        if figure.y_max is not None:
            item.setYRange(0, figure.y_max * 1.05, padding=0)
        else:
            item.enableAutoRange(axis="y")
        xs = [x for s in figure.series for x in s.x]
        if xs:
            pad = 0.5 if bars or figure.x_ticks else 0.0  # categories: room for the outer names
            item.setXRange(min(xs) - pad, max(xs) + pad, padding=0.02)
        if figure.empty:
            self._note.setText(figure.note or "Nothing to show")
            item.addItem(self._note)
            self._note.setPos(0.5 if not xs else (min(xs) + max(xs)) / 2, (figure.y_max or 1.0) / 2)


def _alone(ys: list[float], i: int) -> bool:
    if math.isnan(ys[i]):
        return False
    before = i > 0 and not math.isnan(ys[i - 1])
    after = i + 1 < len(ys) and not math.isnan(ys[i + 1])
    return not before and not after
