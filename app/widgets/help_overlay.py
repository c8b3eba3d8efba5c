"""The keyboard help overlay (F1 or ?), built from the action table."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.actions import ACTIONS, TOOL_KEYS

# Numbered actions shown as one row each: the first one's id -> (keys, title); the others are left out.
_FOLDS = {
    "tag_1": ("1 … 9", "Pick tag 1 … 9 (select tool: retag the selection)"),
    "deployment_1": ("Ctrl+1 … Ctrl+9", "Choose online deployment 1 … 9"),
}
_FOLDED = {f"{prefix}_{n}" for prefix in ("tag", "deployment") for n in range(2, 10)}


def shortcuts_html() -> str:
    groups: dict[str, list[tuple[str, str]]] = {}
    for spec in ACTIONS:
        if not spec.shortcuts or spec.id in _FOLDED:
            continue
        keys, title = " / ".join(spec.shortcuts), spec.title
        keys, title = _FOLDS.get(spec.id, (keys, title))
        groups.setdefault(spec.group, []).append((keys, title))
    groups["On the canvas"] = list(TOOL_KEYS)
    cells = []
    for group, rows in groups.items():
        body = "".join(
            f"<tr><td style='padding-right:14px'><b>{html.escape(k)}</b></td><td>{html.escape(t)}</td></tr>"
            for k, t in rows
        )
        cells.append(f"<h3>{html.escape(group)}</h3><table>{body}</table>")
    columns = [cells[i::3] for i in range(3)]
    tds = "".join(f"<td valign='top' style='padding:0 18px'>{''.join(c)}</td>" for c in columns)
    return f"<h2>Keyboard shortcuts</h2><table><tr>{tds}</tr></table><p>F1, ? or Esc closes this.</p>"


class HelpOverlay(QWidget):
    """A translucent panel over the whole window; any key or click closes it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("help_overlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#help_overlay { background: rgba(20, 20, 24, 225); } QLabel { color: #f2f2f2; }")
        self.label = QLabel(shortcuts_html())
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidget(self.label)
        scroll.setWidgetResizable(True)
        scroll.setStyleSheet("background: transparent; border: none")
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        parent.installEventFilter(self)
        self.hide()

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.setGeometry(self.parentWidget().rect())
            self.show()
            self.raise_()
            self.setFocus()
            # While shown, a key closes the overlay instead of acting on the window behind it.
            QApplication.instance().installEventFilter(self)

    def hideEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        QApplication.instance().removeEventFilter(self)
        super().hideEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        elif event.type() == QEvent.Type.ShortcutOverride and self.isVisible():
            event.accept()  # the key arrives as a key press (and closes us) rather than as a shortcut
            return True
        return False

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self.hide()

    def mousePressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self.hide()
