"""The status bar: a long message ends in "…" before the permanent fields, and its whole text is the tooltip."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow

from app.widgets.status_line import StatusLine


def test_a_message_too_long_for_the_bar_ends_in_an_ellipsis_and_is_whole_in_the_tooltip(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setStatusBar(StatusLine(window))
    position = QLabel("hand.jpg  ·  1 of 12")
    window.statusBar().addPermanentWidget(position)
    window.resize(480, 200)
    window.show()
    qtbot.waitExposed(window)
    long = "The team database cannot be reached: editing is paused until it is back. Nothing is lost."
    window.statusBar().showMessage(long)
    shown = window.statusBar().currentMessage()
    assert shown.endswith("…") and long.startswith(shown[:-1]) and window.statusBar().toolTip() == long
    window.statusBar().showMessage("Committed 1 suggestion(s).")
    assert window.statusBar().currentMessage() == "Committed 1 suggestion(s)."
    assert window.statusBar().toolTip() == ""

    window.statusBar().showMessage(long)
    position.setText("images/a_much_longer_file_name_of_the_next_image.jpg  ·  2 of 12")  # the next image
    qtbot.waitUntil(lambda: position.width() >= position.sizeHint().width())  # laid out for its new text
    room = position.x() - window.statusBar().fontMetrics().horizontalAdvance(
        window.statusBar().currentMessage()
    )
    assert window.statusBar().currentMessage().endswith("…") and room > 0  # shortened again, not under it
