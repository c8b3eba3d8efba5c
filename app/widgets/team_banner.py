"""The bar above the canvas that says why the image on screen cannot be edited now: the team database is
away (loud: every edit waits for it), or another labeller holds the image (quiet: it is shown read-only).
On a project file it never shows."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from app.document import Document

OFFLINE_TEXT = "The team database cannot be reached — editing is paused, nothing is lost; reconnecting…"
OFFLINE_STYLE = "background: #b71c1c; color: white; font-weight: bold; padding: 6px 10px;"
HELD_STYLE = "background: #eceff1; color: #455a64; padding: 4px 10px;"
READ_ONLY = "read\u2011only"  # a non-breaking hyphen: a narrow canvas wraps before the word, never inside it


class TeamBanner(QLabel):
    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("team_banner")
        self.setWordWrap(True)
        self.doc = doc
        self.hide()
        doc.onlineChanged.connect(lambda _online: self.follow())
        doc.claimsChanged.connect(self.follow)
        doc.currentImageChanged.connect(self.follow)
        doc.projectChanged.connect(self.follow)
        doc.imageUpdated.connect(self._row_changed)

    @property
    def offline(self) -> bool:
        """Whether the bar says the database is away."""
        return not self.isHidden() and self.text() == OFFLINE_TEXT

    def follow(self) -> None:
        """Show what stops editing now, or hide."""
        if not self.doc.team_online:
            self._show(OFFLINE_TEXT, OFFLINE_STYLE)
            return
        reason = self.doc.read_only_reason()
        if not reason:
            self.hide()
            return
        img = self.doc.current_image
        holder = self.doc.holder_of(img.id) if img is not None else None
        self._show(f"{holder} is working on this image — {READ_ONLY}" if holder else reason, HELD_STYLE)
        self.setToolTip(reason)

    def _row_changed(self, row: int) -> None:
        if row == self.doc.row:
            self.follow()

    def _show(self, text: str, style: str) -> None:
        self.setText(text)
        self.setStyleSheet(style)
        self.setToolTip("")
        self.show()
