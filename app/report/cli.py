"""`labelassist report …`: how good each model version is for labelling, as a table and an HTML page.

labelassist report PROJECT [--deployment NAME] [--html OUT.html] [--threshold T]

PROJECT is a project file, its folder, or a team project (postgresql://host/db?project=NAME; `--as NAME`
says who reads it, default: the login name).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from app.models.quality import QualityReport
from app.report import html, table
from app.store import ProjectDatabase, ProjectError
from app.store.assist_store import AssistStore
from app.store.backend import Database
from app.store.errors import ReadOnlyProjectError
from app.store.quality import QualityStore
from app.store.team import is_team_location

DEFAULT_THRESHOLD = 0.5  # the Confidence slider's starting position


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="labelassist report",
        description="How good each model version is, from the labellers' decisions.",
    )
    p.add_argument("project", help="the project file (or its folder), or a team project's URL")
    p.add_argument("--deployment", metavar="NAME", help="only this deployment (default: every one)")
    p.add_argument("--html", type=Path, metavar="OUT.html", help="also write the report with its plots here")
    p.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"precision and recall at this confidence threshold (default {DEFAULT_THRESHOLD})",
    )
    p.add_argument("--as", dest="who", help="team project: who reads it (default: your login name)")
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv[1:] if argv and argv[0] == "report" else argv)
    try:
        if not 0.0 <= args.threshold <= 1.0:
            raise ValueError("--threshold must be between 0 and 1")
        name, report = read_report(opener(args.project, args.who), args.deployment)
        print(table.render(report, args.threshold))
        if args.html is not None:
            args.html.write_text(html.render(report, name, args.threshold), encoding="utf-8")
            print(f"Wrote {args.html}")
    except (ProjectError, OSError, ValueError) as e:
        message = str(e)
        if is_team_location(args.project):
            from app.team_cli import hide_password

            message = hide_password(message, args.project)
        print(f"labelassist report: {message}", file=sys.stderr)
        return 1
    return 0


def opener(project: str, who: str | None) -> Callable[[], Database]:
    """Opens the project read-only for a file (or a folder's project), or as `who` for a team project."""
    if is_team_location(project):
        from app.team_cli import default_labeller, team_opener

        return team_opener(project, who or default_labeller())
    from app.project_files import project_path_for_folder

    path = Path(project)
    path = project_path_for_folder(path) if path.is_dir() else path
    try:
        ProjectDatabase.open(path).close()  # refuses what is not a project; brings an older one up to date
    except ReadOnlyProjectError:
        ProjectDatabase.open_read_only(path).close()
    return lambda: ProjectDatabase.open_read_only(path)


def read_report(
    open_project: Callable[[], Database], deployment: str | None = None
) -> tuple[str, QualityReport]:
    """(the project's name, its report), for one deployment (by name) or all."""
    database = open_project()
    try:
        chosen = None
        if deployment is not None:
            names = {d.name: d.saved_id for d in AssistStore(database).deployments()}
            if deployment not in names:
                known = ", ".join(sorted(names)) or "none"
                raise ValueError(f"No deployment named '{deployment}' (the project has: {known}).")
            chosen = names[deployment]
        return database.name, QualityStore(database).report(chosen)
    finally:
        database.close()
