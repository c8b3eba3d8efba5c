"""The app layer that gets killed: opens a project and makes a seeded stream of edits until it is killed.

    python kill_child.py PROJECT SEED

Prints "ready" once the project is open and the deployment chosen, then "doing I NAME" before each edit and
"done I NAME" once the edit has returned (the app has said it is made). Stops after 10,000 edits.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_edits import App, run  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app import gui_gc  # noqa: E402


def main() -> None:
    project, seed = Path(sys.argv[1]), int(sys.argv[2])
    qt = QApplication(sys.argv[:1])
    gui_gc.install()
    app = App(project)
    print("ready", flush=True)
    run(app, seed, 10_000, lambda word, i, name: print(word, i, name, flush=True))
    app.close()
    del qt


if __name__ == "__main__":
    main()
