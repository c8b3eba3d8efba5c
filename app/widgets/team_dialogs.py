"""The small dialogs of team projects: who you are, which project, the password a server asks for, where
its images are on this workstation, and a reviewer's reason for rejecting an image."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.document.team_access import has_password, shown_team_location
from app.session import ProjectError

URL_HINT = "postgresql://host:5432/db?project=NAME"


def ask_labeller(parent: QWidget, suggested: str) -> str | None:
    """The name written beside this user's edits in team projects (None: cancelled)."""
    dialog = QInputDialog(parent)
    dialog.setObjectName("labeller_dialog")
    dialog.setWindowTitle("Your name in team projects")
    dialog.setLabelText("Other labellers see this name beside your edits and on the images you work on:")
    dialog.setTextValue(suggested)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.textValue().strip() or None


def ask_reject_note(parent: QWidget) -> str | None:
    """What the labeller should fix (None: cancelled; '' is a rejection without a note)."""
    dialog = QInputDialog(parent)
    dialog.setObjectName("reject_dialog")
    dialog.setWindowTitle("Reject image")
    dialog.setLabelText("What needs fixing? (the labeller sees this; the image goes back to their to-do)")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.textValue().strip()


def ask_image_folder(parent: QWidget, project: str, start: Path | None) -> Path | None:
    """Where the team project's image paths start on this workstation."""
    folder = QFileDialog.getExistingDirectory(
        parent, f"Where are the images of '{project}' on this computer?", str(start or "")
    )
    return Path(folder) if folder else None


class PasswordDialog(QDialog):
    """The team server asked for a password: typed here, never into the project's address."""

    def __init__(self, location: str, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("password_dialog")
        self.setWindowTitle("Team database password")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("Remember (in the system's keyring)")
        note = QLabel(f"<b>{location}</b> asks for a password.<br><small>{reason}</small>")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        form = QFormLayout()
        form.addRow("Password", self.password)
        form.addRow(self.remember)
        layout.addLayout(form)
        layout.addWidget(buttons)


def ask_password(parent: QWidget, location: str, reason: str) -> tuple[str, bool] | None:
    """(password, remember it) or None when cancelled."""
    dialog = PasswordDialog(location, reason, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.password.text():
        return None
    return dialog.password.text(), dialog.remember.isChecked()


class TeamProjectDialog(QDialog):
    """File → Open team project…: the project's address, your name, and where its images are here."""

    def __init__(self, labeller: str, image_roots: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("team_project_dialog")
        self.setWindowTitle("Open team project")
        self._roots = image_roots
        self.url = QLineEdit()
        self.url.setPlaceholderText(URL_HINT)
        self.url.setToolTip("No password here: it is asked for when the server wants one.")
        self.labeller = QLineEdit(labeller)
        self.labeller.setPlaceholderText("the name others see beside your edits")
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("asked after connecting (where the project was published, if here)")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(choose)
        self.problem = QLabel()
        self.problem.setObjectName("team_project_problem")
        self.problem.setStyleSheet("color: #c62828")
        self.problem.setWordWrap(True)
        self.buttons = buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._check_and_accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Project address", self.url)
        form.addRow("Your name", self.labeller)
        form.addRow("Image folder", folder_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.url.textChanged.connect(self._known_folder)
        self.resize(560, self.sizeHint().height())

    def image_root(self) -> Path | None:
        text = self.folder.text().strip()
        return Path(text) if text else None

    def _known_folder(self, url: str) -> None:
        """Fill in the folder this workstation used for that project before (once the address parses)."""
        try:
            known = self._roots.get(shown_team_location(url.strip()))
        except ProjectError:
            return
        if known and not self.folder.text().strip():
            self.folder.setText(known)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Where the project's images are", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def _check_and_accept(self) -> None:
        self.problem.setText(self._problem())
        if not self.problem.text():
            self.accept()

    def _problem(self) -> str:
        url = self.url.text().strip()
        if not url:
            return f"Type the project's address, like {URL_HINT}."
        if has_password(url):
            return "Leave the password out of the address: it is asked for when the server wants one."
        try:
            shown_team_location(url)
        except ProjectError as e:
            return str(e)
        if not self.labeller.text().strip():
            return "Type your name: other labellers see it beside your edits."
        root = self.image_root()
        if root is not None and not root.is_dir():
            return f"There is no folder {root} on this computer."
        return ""
