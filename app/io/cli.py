"""`labelassist export …` and `labelassist import …`: datasets in and out from the command line.

labelassist export PROJECT [OUT] --format coco|yolo|voc|labelme [--out DIR] [--only done]
                           [--images copy|link] [--val FRACTION] [--task auto|detect|segment|pose]
                           [--changed-since VERSION] [--hard-examples] [--deployment NAME]
labelassist import PROJECT --format coco|yolo|voc|labelme --src PATH [--skip-invalid]

PROJECT is a project file, its folder, or a team project (postgresql://host/db?project=NAME); for a team
project, `--as NAME` says who works (default: the login name) and `--image-root DIR` where its relative
image paths start (default: the folder it was published from, when it is there, else the current folder).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.io.dataset import FORMATS, YOLO_TASKS, DatasetError, ExportCancelled
from app.io.export import ExportOptions, ProjectSource, export_project
from app.io.importing import import_into
from app.io.progress import Progress
from app.project_files import project_path_for_folder
from app.store import ProjectError
from app.store.team import is_team_location


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="labelassist", description="Datasets in and out of a LabelAssist project."
    )
    sub = p.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("export", help="write the project's annotations as a dataset")
    ex.add_argument("project", help="the project file (or its folder), or a team project's URL")
    ex.add_argument("out", nargs="?", type=Path, help="folder to write into (created if missing)")
    ex.add_argument("--format", required=True, choices=FORMATS)
    ex.add_argument("--out", dest="out_option", type=Path, metavar="DIR", help="the same as OUT")
    ex.add_argument("--only", choices=["done"], help="only images marked done")
    ex.add_argument(
        "--images", choices=["copy", "link"], default="copy", help="copy the images (default) or link them"
    )
    ex.add_argument(
        "--val", type=float, default=0.0, metavar="FRACTION", help="YOLO: share of images for val, e.g. 0.2"
    )
    ex.add_argument(
        "--task",
        choices=["auto", *YOLO_TASKS],
        default="auto",
        help="YOLO: one dataset per kind of tag (auto), or everything as one task",
    )
    ex.add_argument(
        "--changed-since",
        metavar="VERSION",
        help="only images labelled since this model version first answered (for the next training run)",
    )
    ex.add_argument(
        "--hard-examples",
        action="store_true",
        help="only images where the model missed an annotation or had a committed suggestion corrected",
    )
    ex.add_argument("--deployment", metavar="NAME", help="whose model version or hard examples (if several)")
    im = sub.add_parser("import", help="add a dataset's images, tags and annotations to a project")
    im.add_argument("project", help="the project file (created if missing), or a team project's URL")
    im.add_argument("--format", required=True, choices=FORMATS)
    im.add_argument("--src", required=True, type=Path, help="the dataset file or folder")
    im.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import what is valid and list the rest, instead of importing nothing",
    )
    for command in (ex, im):
        command.add_argument("--as", dest="who", help="team project: who works (default: your login name)")
        command.add_argument(
            "--image-root", type=Path, metavar="DIR", help="team project: where relative image paths start"
        )
    return p


def main(argv: list[str]) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.command == "export":
        args.out = args.out_option or args.out
        if args.out is None:
            p.error("say which folder to write into: OUT or --out DIR")
    team = is_team_location(args.project)
    progress = Progress(_printer(), every=1000)
    try:
        if team:
            from app.team_cli import default_labeller, shown_location, team_opener

            shown = shown_location(args.project)  # what may be printed: without the password
            project: ProjectSource = team_opener(
                args.project, args.who or default_labeller(), args.image_root
            )
        else:
            path = Path(args.project)
            project = project_path_for_folder(path) if path.is_dir() else path
            shown = str(project)
        if args.command == "export":
            if not 0.0 <= args.val < 1.0:
                raise ValueError("--val must be at least 0 and below 1")
            options = ExportOptions(
                args.format,
                args.only == "done",
                args.images,
                args.val,
                args.task,
                args.changed_since,
                args.hard_examples,
                args.deployment,
            )
            print(export_project(project, args.out, options, progress).summary())
        else:
            plan = import_into(project, args.format, args.src, args.skip_invalid, progress)
            print(f"Imported into {shown}: {plan.report()}")
    except DatasetError as e:
        print(f"Nothing was imported: {len(e.issues)} problem(s) in the input.\n{e}", file=sys.stderr)
        print("Fix them, or run again with --skip-invalid to import the rest.", file=sys.stderr)
        return 1
    except (ExportCancelled, KeyboardInterrupt):
        print("Cancelled; nothing was written.", file=sys.stderr)
        return 130
    except (ProjectError, OSError, ValueError) as e:
        message = str(e)
        if team:
            from app.team_cli import hide_password

            message = hide_password(message, args.project)
        print(f"labelassist {args.command}: {message}", file=sys.stderr)
        return 1
    return 0


def _printer():  # type: ignore[no-untyped-def]
    last: dict[str, int] = {}

    def report(done: int, total: int, stage: str) -> None:
        tenth = done * 10 // total if total else 10
        if sys.stderr.isatty() and last.get(stage) != tenth:
            last[stage] = tenth
            print(f"{stage}: {done}/{total}", file=sys.stderr, flush=True)

    return report
