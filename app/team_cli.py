"""`labelassist publish …`: a project file becomes a team project; and what the other commands need to
open a team project from the command line.

labelassist publish PROJECT.labelassist postgresql://[user@]host[:port]/db?project=NAME [--as NAME]
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from app.store.backend import Database
from app.store.errors import ProjectError
from app.store.team.address import TeamAddress


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="labelassist", description="Team projects on PostgreSQL.")
    sub = p.add_subparsers(dest="command", required=True)
    pub = sub.add_parser("publish", help="copy a project file into a new team project")
    pub.add_argument("project", type=Path, help="the project file (or its folder)")
    pub.add_argument("url", help="where the team project goes: postgresql://host/db?project=NAME")
    pub.add_argument(
        "--as", dest="who", help="the labeller publishing it (default: your labeller name, else login name)"
    )
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    who = args.who or default_labeller()
    try:
        if not who:
            raise ProjectError("Say who is publishing with --as NAME.")
        from app.project_files import project_path_for_folder
        from app.store.team.publish import publish

        project = project_path_for_folder(args.project) if args.project.is_dir() else args.project
        print(publish(project, args.url, who, _report).summary())
    except KeyboardInterrupt:
        print("Cancelled; nothing was published.", file=sys.stderr)
        return 130
    except (ProjectError, OSError) as e:
        print(f"labelassist {args.command}: {hide_password(str(e), args.url)}", file=sys.stderr)
        return 1
    return 0


def default_labeller() -> str:
    """Who edits from the command line when no --as is given: the name the app knows this user by, else
    the login name, else ''."""
    from app.settings import load_preferences

    if name := load_preferences().labeller.strip():
        return name
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment and no account entry
        return ""


def hide_password(text: str, url: str) -> str:
    """`text` without the password typed in `url` (an address that does not parse is quoted as typed)."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return text
    return text.replace(password, "***") if password else text


def shown_location(location: str) -> str:
    """A project location as it may be printed: a team URL without its password."""
    try:
        return TeamAddress.parse(location).redacted
    except ProjectError:
        return hide_password(location, location)


def team_opener(url: str, who: str, image_root: Path | None = None) -> Callable[[], Database]:
    """An opener of the team project at `url` as `who` (see app/session.py). Relative image paths start at
    `image_root`, else the folder the project was published from (when it is there), else here."""
    from app.store import ProjectStore
    from app.store.team.database import TeamDatabase
    from app.store.team.publish import IMAGE_ROOT_HINT

    database = TeamDatabase.open(url, who)
    try:
        if image_root is None:
            hint = ProjectStore(database).meta(IMAGE_ROOT_HINT)
            image_root = Path(hint) if hint and Path(hint).is_dir() else Path.cwd()
        database.image_root = image_root.absolute()
        return database.opener()
    finally:
        database.close()


def _report(done: int, total: int, stage: str) -> None:
    # A line per table: even 100,000 images take seconds, so finer steps would only scroll by.
    if total and done == total and sys.stderr.isatty():
        print(f"{stage}: {total}", file=sys.stderr, flush=True)
