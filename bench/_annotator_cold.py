"""Child process for the cold-start figure: start the app like `python -m app`, exit once the first image is painted.

Only the standard library is imported at module level, so the imports of Qt and the app fall inside the
timed span, as they do for a user starting the program.
"""

import time

T0 = time.perf_counter()

import json  # noqa: E402  (after T0 on purpose: the clock starts before anything else is imported)
import sys  # noqa: E402


def main() -> int:
    """Start the window on the demo project; print one SHOWN line with in-process timings, then quit."""
    from PySide6.QtWidgets import QApplication

    from app.demo import ensure_demo_project
    from app.widgets.main_window import MainWindow

    t_import = time.perf_counter()
    app = QApplication(sys.argv[:1])
    window = MainWindow()
    window.show()
    t_construct = time.perf_counter()
    marks: dict[str, float] = {}

    def on_shown() -> None:
        # Let the pending paint events run (the window's first paint and the canvas update), so the
        # image really is on screen when the clock stops.
        app.processEvents()
        window.canvas.viewport().repaint()
        marks["shown"] = time.perf_counter()
        report = {
            "import": t_import - T0,
            "construct": t_construct - t_import,
            "open": marks["opened"] - t_construct,
            "in_process": marks["shown"] - T0,
            "image_ready": window.canvas.image_ready,
        }
        print("SHOWN " + json.dumps(report), flush=True)
        app.quit()

    window.canvas.imageShown.connect(on_shown)
    window.open_project(ensure_demo_project())
    marks["opened"] = time.perf_counter()
    app.exec()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
