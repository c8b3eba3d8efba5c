"""A deployment's last calls: what was sent, what came back, and how many predictions survived each step."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.inference.request_log import LogEntry

COLUMNS = (
    "Time",
    "Image",
    "HTTP",
    "ms",
    "Sent",
    "Raw",
    "Valid",
    "Mapped",
    "≥ threshold",
    "Shown",
    "Error",
    "Notes",
)


def _cells(e: LogEntry) -> list[str]:
    def n(v: int | None) -> str:
        return "—" if v is None else str(v)

    return [
        e.time.astimezone().strftime("%H:%M:%S"),
        e.image,
        n(e.status),
        "—" if e.latency_ms is None else f"{e.latency_ms:.0f}",
        f"{e.bytes_sent / 1024:.0f} KiB",
        str(e.raw),
        str(e.valid),
        n(e.mapped),
        n(e.above),
        n(e.shown),
        e.error,
        e.notes,
    ]


class RequestLogDialog(QDialog):
    def __init__(self, name: str, entries: list[LogEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Request log — {name}")
        self.resize(1000, 420)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "The last 50 calls, newest first. Raw: predictions in the answer; valid: with "
                "finite numbers and inside the image; mapped: not ignored by the label mapping; "
                "shown: above the threshold and not already annotated; notes: outputs of the model "
                "that have no place in an annotation."
            )
        )
        self.table = QTableWidget(len(entries), len(COLUMNS))
        self.table.setObjectName("request_log_table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        for row, e in enumerate(entries):
            for col, text in enumerate(_cells(e)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
