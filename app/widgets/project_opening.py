"""Opening projects for the main window: who edits, where a team project's images are on this workstation,
the password a team server asks for, the recent list and the window title.

A team project's URL is remembered without its password (the document's `project_location`); so are the
image folders chosen for it. The labeller's name is asked once, on the first team project; a project file
written alone is signed with the login name without asking.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMainWindow, QMenu

from app import __version__
from app.document import Document
from app.document.team_access import (
    needs_password,
    remember_team_password,
    shown_team_location,
    with_password,
)
from app.session import ProjectError, is_team_location
from app.settings import Preferences, save_preferences
from app.widgets import project_dialogs, team_dialogs


def login_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name to be had (a container without a passwd entry)
        return ""


class ProjectOpening:
    def __init__(self, window: QMainWindow, doc: Document, prefs: Preferences) -> None:
        self.window = window
        self.doc = doc
        self.prefs = prefs

    def open(self, location: str | os.PathLike[str], image_root: Path | None = None) -> bool:
        """Open a project file, a folder of images or a team project (`image_root`: where its images are;
        by default the folder chosen for it before, else asked); on failure say why and keep what was open."""
        note: str | None = ""
        try:
            if isinstance(location, str) and is_team_location(location):
                note = self._open_team(location, image_root)
                if note is None:
                    self.window.statusBar().showMessage("The team project was not opened.", 8000)
                    return False
            else:
                self.doc.labeller = self.prefs.labeller or login_name()
                self.doc.open_project(Path(location))
        except (ProjectError, OSError) as e:
            project_dialogs.show_error(self.window, "Cannot open project", str(e))
            self.window.statusBar().showMessage(str(e), 15000)
            return False
        opened = self.doc.project_location
        assert opened is not None
        self.prefs.remember_project(opened)
        save_preferences(self.prefs)
        self.show_title()
        self.window.statusBar().showMessage(f"Opened {opened} ({len(self.doc.images)} images).{note}", 15000)
        return True

    def ask_open_team(self) -> None:
        dialog = team_dialogs.TeamProjectDialog(
            self.prefs.labeller or login_name(), self.prefs.team_image_roots, self.window
        )
        if dialog.exec() != team_dialogs.TeamProjectDialog.DialogCode.Accepted:
            return
        self.prefs.labeller = dialog.labeller.text().strip()
        save_preferences(self.prefs)
        self.open(dialog.url.text().strip(), dialog.image_root())

    def fill_recent(self, menu: QMenu) -> None:
        menu.clear()
        for location in self.prefs.recent_projects:
            menu.addAction(location, self._reopen(location))
        if not self.prefs.recent_projects:
            menu.addAction("(none yet)").setEnabled(False)

    def _reopen(self, location: str) -> Callable[[], bool]:
        return lambda: self.open(location)

    def show_title(self) -> None:
        name = self.doc.project_name
        if name is None:
            self.window.setWindowTitle("LabelAssist")
            return
        team = f" — team, as {self.doc.labeller}" if self.doc.is_team else ""
        self.window.setWindowTitle(f"{name}{team} — LabelAssist {__version__}")

    # ---- team projects -------------------------------------------------------------------------

    def _open_team(self, url: str, image_root: Path | None) -> str | None:
        """Open a team project, asking for the labeller's name (once), the password (when the server wants
        one) and the image folder (once per project). Returns what the status line should add ('' for
        nothing), or None when the user cancelled."""
        if not self.prefs.labeller:
            name = team_dialogs.ask_labeller(self.window, login_name())
            if name is None:
                return None
            self.prefs.labeller = name
            save_preferences(self.prefs)
        self.doc.labeller = self.prefs.labeller
        root = image_root or self._known_root(url)
        note = ""
        while True:
            try:
                self.doc.open_project(url, root, show_first=root is not None)
                break
            except ProjectError as e:
                if not needs_password(str(e)):
                    raise
                answer = team_dialogs.ask_password(self.window, shown_team_location(url), str(e))
                if answer is None:
                    return None
                password, remember = answer
                if remember and not remember_team_password(url, password):
                    note = " There is no keyring here: the password was used this time only."
                url = with_password(url, password)
                root = root or self._known_root(url)
        location = self.doc.project_location
        assert location is not None
        if root is None:
            hint = self.doc.image_root_hint()
            root = team_dialogs.ask_image_folder(self.window, self.doc.project_name or "", hint) or hint
            if root is None:
                self.doc.go_to_row(0)
                return f"{note} No image folder was chosen: File → Open team project… sets it."
            self.doc.set_image_root(root)
        self.prefs.team_image_roots[location] = str(root.absolute())
        return note

    def _known_root(self, url: str) -> Path | None:
        try:
            known = self.prefs.team_image_roots.get(shown_team_location(url))
        except ProjectError:
            return None
        return Path(known) if known else None
