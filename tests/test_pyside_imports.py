"""Modules imported after PySide6 are not read for `__feature__`, and use Qt as before."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt

from app.pyside_imports import skip_feature_scan


def test_a_module_using_qt_is_imported_unread_and_works(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert skip_feature_scan()
    (tmp_path / "uses_qt_after_pyside.py").write_text(
        "from PySide6.QtCore import Qt\nFLAG = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    module = __import__("uses_qt_after_pyside")  # an import statement: PySide6 hooks `__import__`
    try:
        assert module.FLAG == Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop
        # Read, it would be 0 ("mentions PySide6"); -1 is what PySide6 gives its own compiled modules.
        assert sys.modules["shibokensupport.feature"].pyside_feature_dict["uses_qt_after_pyside"] == -1
    finally:
        sys.modules.pop("uses_qt_after_pyside", None)
