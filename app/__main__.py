"""Command line.

labelassist [PATH | URL]             open a project file, a folder of images or a team project
                                     (postgresql://host/db?project=NAME; the demo project if none)
labelassist export|import ...        datasets in and out (see `labelassist export --help`)
labelassist publish PROJECT URL      copy a project file into a new team project on PostgreSQL
labelassist prelabel PROJECT ...     pre-label a whole project, here or on a Ray cluster (see --help)
labelassist report PROJECT ...       how good each model version is, as a table and an HTML page
labelassist --serve [SERVER ARGS]    run the reference inference server from this installation
labelassist --self-test              check an installation end to end, offscreen, and exit
"""

from __future__ import annotations

import argparse
import os
import sys

from app import __version__

DATASET_COMMANDS = ("export", "import")
TEAM_COMMANDS = ("publish",)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="labelassist", description="Image annotation with model assist.")
    parser.add_argument(
        "path",
        nargs="?",
        help="a project file, a folder of images, or a team project (postgresql://…?project=NAME)",
    )
    parser.add_argument("--version", action="version", version=f"LabelAssist {__version__}")
    parser.add_argument(
        "--serve",
        action="store_true",
        help="run the reference inference server; the remaining arguments are its own",
    )
    parser.add_argument("--self-test", action="store_true", help="check this installation offscreen and exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # No pydantic plugins are used; looking for them reads every installed package's metadata at start.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if argv and argv[0] in DATASET_COMMANDS:
        from app.io.cli import main as dataset_main

        return dataset_main(argv)
    if argv and argv[0] in TEAM_COMMANDS:
        from app.team_cli import main as team_main

        return team_main(argv)
    if argv and argv[0] == "report":
        from app.report.cli import main as report_main

        return report_main(argv)
    if argv and argv[0] == "prelabel":
        from app.prelabel.cli import main as prelabel_main

        return prelabel_main(argv)
    if argv and argv[0] == "--serve":
        from server.cli import main as serve_main

        return serve_main(argv[1:])
    args = parse_args(argv)
    if args.self_test:
        from app.self_test import main as self_test_main

        return self_test_main()
    return run_gui(args.path)


def run_gui(path: str | None) -> int:
    # Before QApplication: when no platform can start, Qt aborts the process with no useful clue.
    from app.platform_check import why_gui_cannot_start

    problem = why_gui_cannot_start()
    if problem:
        print(problem, file=sys.stderr, flush=True)
        return 1
    from PySide6.QtWidgets import QApplication

    from app.pyside_imports import skip_feature_scan

    skip_feature_scan()  # before the rest is imported: see app/pyside_imports.py
    from app import gui_gc
    from app.widgets.first_paint import after_first_paint
    from app.widgets.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("LabelAssist")
    app.setApplicationVersion(__version__)
    window = MainWindow(build=False)  # the frame first: on screen before the rest is imported
    window.statusBar().showMessage("Opening…")
    window.show()

    def build_and_open() -> None:
        from app.demo import ensure_demo_project

        window.build()
        gui_gc.freeze_start_up()  # the program's own objects; the project's stay collectable when it closes
        window.open_project(path if path else ensure_demo_project())

    # Built once the frame is painted (menus and status line, not a black window, while the rest loads).
    after_first_paint(window, build_and_open, fallback_ms=1000)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
