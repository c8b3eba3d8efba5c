"""Command line: `labelassist [PATH]` opens a project file or a folder of images (the demo project if none)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app import __version__


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="labelassist", description="Image annotation with model assist.")
    parser.add_argument("path", nargs="?", type=Path, help="a project file or a folder of images")
    parser.add_argument("--version", action="version", version=f"LabelAssist {__version__}")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from PySide6.QtWidgets import QApplication

    from app.demo import ensure_demo_project
    from app.widgets.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("LabelAssist")
    app.setApplicationVersion(__version__)
    window = MainWindow()
    window.show()
    window.open_project(args.path if args.path else ensure_demo_project())
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
