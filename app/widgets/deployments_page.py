"""The Deployments page: every deployment with its status and usage; start, stop, add, edit, remove."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.inference.deployments import Deployments
from app.inference.server_counts import ServerCounts
from app.models import Deployment, State
from app.models.quality import DeploymentQuality
from app.widgets.deployment_dialogs import LocalSettingsDialog, StartLocalDialog
from app.widgets.quality_panel import QualityPanel
from app.widgets.remote_dialog import RemoteDialog
from app.widgets.request_log_dialog import RequestLogDialog
from app.widgets.usage_text import by_labeller_text, usage_cells

COLUMNS = (
    "Name",
    "Protocol",
    "URL",
    "Model",
    "Status",
    "Calls",
    "Failures",
    "Images",
    "Predictions",
    "Committed",
    "Dismissed",
    "p50 ms",
    "p95 ms",
    "Server count",
)
STATUS_COLORS = {
    State.ONLINE: "#2e7d32",
    State.STARTING: "#f9a825",
    State.OFFLINE: "#757575",
    State.STOPPED: "#757575",
    State.ERROR: "#c62828",
}
REFRESH_MS = 2000
SERVER_COUNT = COLUMNS.index("Server count")
CALLS = COLUMNS.index("Calls")


class DeploymentsPage(QWidget):
    """`tag_names` gives the project's tag names: the labels a new remote deployment is asked for by
    default."""

    def __init__(
        self,
        deployments: Deployments,
        parent: QWidget | None = None,
        tag_names: Callable[[], Sequence[str]] = tuple,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("deployments_page")
        self.deployments = deployments
        self._tag_names = tag_names
        self.server_counts = ServerCounts(deployments, self)
        self.server_counts.changed.connect(self._show_count)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("deployments_table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.itemSelectionChanged.connect(self._sync_buttons)
        buttons = QHBoxLayout()
        self.start_local_button = self._button("Start local deployment…", self.ask_start_local, buttons)
        self.add_remote_button = self._button("Add remote deployment…", self.ask_add_remote, buttons)
        buttons.addSpacing(24)
        self.start_button = self._button("Start", self._start, buttons)
        self.stop_button = self._button("Stop", self._stop, buttons)
        self.edit_button = self._button("Edit…", self._edit, buttons)
        self.remove_button = self._button("Remove", self._remove, buttons)
        self.log_button = self._button("Request log…", self.show_log, buttons)
        buttons.addStretch(1)
        title = QLabel(
            "<h2>Deployments</h2><p>Model servers LabelAssist asks for suggestions. A deployment is "
            "<b>online</b> once its server says it is ready; only online ones can be picked in "
            "Intelligent Tools.</p>"
        )
        title.setWordWrap(True)
        self.by_labeller = QLabel()  # the chosen deployment's calls per labeller (team projects)
        self.by_labeller.setObjectName("usage_by_labeller")
        self.quality = QualityPanel(self)  # the selected deployment's (the only one's, when none is selected)
        self._quality_shown: tuple[int | None, DeploymentQuality | None] | None = None
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.by_labeller)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.quality)
        split.setSizes([220, 640])
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(buttons)
        layout.addWidget(split, 1)
        deployments.changed.connect(self.refresh)
        deployments.statusChanged.connect(lambda _i: self.refresh())
        deployments.usage.changed.connect(self.refresh)
        deployments.quality.changed.connect(self._sync_buttons)
        deployments.changed.connect(self._read_quality)  # a new one may have figures already
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self.refresh()

    def _button(self, text: str, slot, layout: QHBoxLayout) -> QPushButton:  # type: ignore[no-untyped-def]
        b = QPushButton(text)
        b.setObjectName(text.rstrip("…").lower().replace(" ", "_") + "_button")
        b.clicked.connect(slot)
        layout.addWidget(b)
        return b

    # ---- the table -----------------------------------------------------------------------------

    def refresh(self) -> None:
        ds = self.deployments.all()
        selected = self.selected()
        self.table.setRowCount(len(ds))
        for row, d in enumerate(ds):
            assert d.id is not None
            status = self.deployments.status(d.id)
            text = status.state.value + (f" — {status.message}" if status.message else "")
            last = self.deployments.last_error.get(d.id)
            if last and status.state == State.ONLINE:
                text += f" · last call failed: {last}"
            cells = [d.name, "local" if d.is_local else d.protocol.value, d.url or "—", d.model, text]
            usage = self.deployments.usage.get(d.id)
            cells += usage_cells(usage)
            count_text, count_tip = self.server_counts.cell(d)
            cells.append(count_text)
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, d.id)
                if col == 4:
                    item.setForeground(Qt.GlobalColor.white)
                    item.setBackground(QColor(STATUS_COLORS.get(status.state, "#757575")))
                    item.setToolTip(text)
                elif col == SERVER_COUNT:
                    item.setToolTip(count_tip)
                elif col == CALLS and usage is not None:
                    item.setToolTip(by_labeller_text(usage.by_labeller))
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        if selected is not None:
            self.select(selected.saved_id)
        self._sync_buttons()

    def row_text(self, deployment_id: int) -> dict[str, str]:
        """The cells of one deployment's row, by column name (tests and tooltips)."""
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == deployment_id:
                return {c: self.table.item(row, i).text() for i, c in enumerate(COLUMNS)}
        return {}

    def selected(self) -> Deployment | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.deployments.get(self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole))

    def select(self, deployment_id: int) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == deployment_id:
                self.table.selectRow(row)

    def _sync_buttons(self) -> None:
        d = self.selected()
        running = d is not None and self.deployments.local.is_running(d.saved_id)
        self.start_button.setEnabled(d is not None and d.is_local and not running)
        self.stop_button.setEnabled(running)
        self.edit_button.setEnabled(d is not None)
        self.remove_button.setEnabled(d is not None)
        self.log_button.setEnabled(d is not None)
        self._show_by_labeller(d)
        self._show_quality(d)
        self.start_local_button.setEnabled(self.deployments.has_project())
        self.add_remote_button.setEnabled(self.deployments.has_project())

    def _shown(self, chosen: Deployment | None) -> Deployment | None:
        """The deployment whose figures are shown: the selected one, or the only one."""
        ds = self.deployments.all()
        return chosen if chosen is not None else (ds[0] if len(ds) == 1 else None)

    def _read_quality(self) -> None:
        if self.isVisible():  # else when the page is next shown
            self.deployments.quality.refresh()

    def _show_quality(self, chosen: Deployment | None) -> None:
        """The panel redraws only when another deployment or new figures are to be shown (the table is
        refreshed every 2 s)."""
        d = self._shown(chosen)
        quality = self.deployments.quality.get(d.saved_id) if d is not None else None
        which = d.id if d is not None else None
        if (
            self._quality_shown is None
            or self._quality_shown[0] != which
            or self._quality_shown[1] is not quality
        ):
            self._quality_shown = (which, quality)
            self.quality.show_quality(quality, d.name if d is not None else "")

    def _show_by_labeller(self, chosen: Deployment | None) -> None:
        """The selected deployment's calls per labeller (the only one's, when nothing is selected)."""
        d = self._shown(chosen)
        usage = self.deployments.usage.get(d.saved_id) if d is not None else None
        text = by_labeller_text(usage.by_labeller) if usage is not None else ""
        self.by_labeller.setText(f"{d.name} — {text}" if d is not None and text else "")
        self.by_labeller.setVisible(bool(self.by_labeller.text()))

    # ---- server statistics ---------------------------------------------------------------------

    def _tick(self) -> None:
        if not self.isVisible():
            return
        self.deployments.refresh_usage()  # the table follows when the figures arrive
        self.server_counts.ask()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self.deployments.refresh_usage()
        self.deployments.quality.refresh()  # decisions are taken on the other page: read once per visit
        self.server_counts.set_active(True)  # asks at once: counts may have moved while hidden

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.server_counts.set_active(False)

    def _show_count(self, deployment_id: int) -> None:
        """A count arrived: into its cell now, not at the next refresh."""
        d = self.deployments.get(deployment_id)
        if d is None:
            return
        for row in range(self.table.rowCount()):
            item = self.table.item(row, SERVER_COUNT)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == deployment_id:
                text, tip = self.server_counts.cell(d)
                item.setText(text)
                item.setToolTip(tip)
                self.table.resizeColumnToContents(SERVER_COUNT)

    # ---- actions -------------------------------------------------------------------------------

    def ask_start_local(self) -> None:
        dialog = StartLocalDialog(self)
        if dialog.exec() != StartLocalDialog.DialogCode.Accepted:
            return
        spec = dialog.spec()
        if spec is None:
            QMessageBox.warning(self, "Start local deployment", "Choose an ONNX file first.")
            return
        name = dialog.name.text().strip() or "local"
        self._try(lambda: self.deployments.add_local(spec, name, dialog.rate.value()))

    def ask_add_remote(self) -> None:
        dialog = RemoteDialog(self.deployments.client, self, tag_names=self.tag_names())
        if dialog.exec() == RemoteDialog.DialogCode.Accepted:
            d = dialog.deployment()
            if d is not None:
                self._try(lambda: self.deployments.save(d, dialog.token.text() or None))

    def _edit(self) -> None:
        d = self.selected()
        if d is None:
            return
        if d.is_local:
            local = LocalSettingsDialog(d, self)
            if local.exec() == LocalSettingsDialog.DialogCode.Accepted:
                self._try(lambda: self.deployments.save(local.deployment()))
            return
        dialog = RemoteDialog(self.deployments.client, self, d, self.deployments.token_for(d))
        if dialog.exec() == RemoteDialog.DialogCode.Accepted:
            edited = dialog.deployment()
            if edited is not None:
                self._try(lambda: self.deployments.save(edited, dialog.token.text() or None))

    def tag_names(self) -> tuple[str, ...]:
        """The project's tag names: the labels a server that must be told them is asked for by default."""
        return tuple(self._tag_names())

    def show_log(self) -> None:
        d = self.selected()
        if d is not None:
            RequestLogDialog(d.name, self.deployments.log.entries(d.saved_id), self).exec()

    def _start(self) -> None:
        d = self.selected()
        if d is not None:
            self.deployments.start(d.saved_id)

    def _stop(self) -> None:
        d = self.selected()
        if d is not None:
            self.deployments.stop(d.saved_id)

    def _remove(self) -> None:
        d = self.selected()
        if d is None:
            return
        answer = QMessageBox.question(
            self,
            "Remove deployment",
            f"Remove '{d.name}'? Its usage figures and cached predictions go with it; "
            "annotations committed from it stay.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.deployments.remove(d.saved_id)

    def _try(self, action) -> None:  # type: ignore[no-untyped-def]
        try:
            action()
        except ValueError as e:
            QMessageBox.warning(self, "Deployments", str(e))

    def stop(self) -> None:
        self._timer.stop()
        self.server_counts.stop(timeout_ms=2000)
