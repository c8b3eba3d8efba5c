"""The project's deployments with their live status: kept in the project file, polled, started locally."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.inference import secrets
from app.inference.adapters import Probe
from app.inference.client import InferenceClient
from app.inference.errors import Failure
from app.inference.image_share import ImageShare
from app.inference.local import LocalServers
from app.inference.poller import HealthPoller
from app.inference.quality_view import QualityView
from app.inference.request_log import RequestLog
from app.inference.usage_view import UsageView
from app.models import Deployment, DeploymentStatus, LocalSpec, State
from app.store.assist_store import AssistStore


class Deployments(QObject):
    changed = Signal()  # added, removed or edited
    statusChanged = Signal(int)  # deployment id
    callFinished = Signal(int)  # deployment id: a call the app made has its answer (or its error)
    message = Signal(str)

    def __init__(self, client: InferenceClient, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.records: AssistStore | None = None  # for the assist layer; widgets ask this object instead
        self.usage = UsageView(self)  # the figures the Deployments page shows, read in the background
        self.quality = QualityView(self)  # how good each model version is, read in the background
        self._list: dict[int, Deployment] = {}
        self._status: dict[int, DeploymentStatus] = {}
        self._probe: dict[int, Probe] = {}
        self.last_error: dict[int, str] = {}  # the last failed call, shown on the Deployments page
        self.log = RequestLog()
        self.images = ImageShare()  # for servers that fetch the image by URL
        self.local = LocalServers(self)
        self.local.started.connect(self._on_local_started)
        self.local.ended.connect(self._on_local_ended)
        self.poller = HealthPoller(client, self.token_for, self)
        self.poller.checked.connect(self._on_checked)
        self.callFinished.connect(lambda _deployment_id: self.refresh_usage())

    # ---- the list ------------------------------------------------------------------------------

    def set_records(self, records: AssistStore | None) -> None:
        """Another project: its deployments replace the current ones (local servers are stopped)."""
        self.records = None  # the previous project file may be closed already
        self.local.stop_all()
        for i in list(self._list):
            self.poller.unwatch(i)
        self.records = records
        # Read off the GUI thread, through a connection of the worker's own.
        self.usage.set_project(records.database.opener() if records is not None else None)
        self.quality.set_project(records.database.opener() if records is not None else None)
        self._list, self._status, self._probe, self.last_error = {}, {}, {}, {}
        self.log.clear()
        for d in records.deployments() if records else []:
            if d.is_local:
                d = d.model_copy(update={"url": ""})
                self._status[d.saved_id] = DeploymentStatus(state=State.STOPPED, message="not running")
            else:
                self._status[d.saved_id] = DeploymentStatus(state=State.OFFLINE, message="checking…")
                self.poller.watch(d)
            self._list[d.saved_id] = d
        self.changed.emit()
        self.refresh_usage()

    def has_project(self) -> bool:
        """Whether a project is open: deployments are kept in the project file."""
        return self.records is not None

    def refresh_usage(self) -> None:
        """Read every deployment's usage figures again, in the background (`usage` announces them)."""
        self.usage.refresh(self._list)

    def all(self) -> list[Deployment]:
        return list(self._list.values())

    def get(self, deployment_id: int) -> Deployment | None:
        return self._list.get(deployment_id)

    def status(self, deployment_id: int) -> DeploymentStatus:
        return self._status.get(deployment_id, DeploymentStatus())

    def probe(self, deployment_id: int) -> Probe | None:
        return self._probe.get(deployment_id)

    def online(self) -> list[Deployment]:
        return [d for i, d in self._list.items() if self.status(i).state == State.ONLINE and i in self._probe]

    def token_for(self, d: Deployment) -> str | None:
        return secrets.load_token(d.url, d.name) if d.has_token else None

    def save(self, d: Deployment, token: str | None = None) -> Deployment:
        """Add or edit a deployment (ValueError if its name is taken); a given token goes to the keyring."""
        if self.records is None:
            raise ValueError("Open a project first: deployments are kept in the project file.")
        previous = self._list.get(d.id) if d.id is not None else None
        if not token and previous is not None and previous.has_token and d.has_token:
            token = self.token_for(previous)  # renamed or moved: the token moves with it
        if token:
            d = d.model_copy(update={"has_token": True})
        saved = self.records.save_deployment(d)
        assert saved.id is not None
        if (
            previous is not None
            and previous.has_token
            and (previous.url, previous.name) != (saved.url, saved.name)
        ):
            secrets.delete_token(previous.url, previous.name)
        if token:
            note = secrets.save_token(saved.url, saved.name, token)
            if note:
                self.message.emit(note)
        if previous is not None and previous.is_local:
            saved = saved.model_copy(update={"url": previous.url})
        self._list[saved.saved_id] = saved
        same_server = previous is not None and (previous.url, previous.model) == (saved.url, saved.model)
        if not saved.is_local and not (same_server and not token):
            self._status[saved.saved_id] = DeploymentStatus(state=State.OFFLINE, message="checking…")
            self._probe.pop(saved.saved_id, None)
            self.poller.watch(saved)
        elif not saved.is_local or self.local.is_running(saved.saved_id):
            self.poller.watch(saved)  # the poller must use the edited record
        elif saved.saved_id not in self._status:
            self._status[saved.saved_id] = DeploymentStatus(state=State.STOPPED, message="not running")
        self.changed.emit()
        self.statusChanged.emit(saved.id)
        return saved

    def remove(self, deployment_id: int) -> None:
        d = self._list.pop(deployment_id, None)
        if d is None or self.records is None:
            return
        self.local.stop(deployment_id)
        self.poller.unwatch(deployment_id)
        self._status.pop(deployment_id, None)
        self._probe.pop(deployment_id, None)
        if d.has_token:
            secrets.delete_token(d.url, d.name)
        self.records.delete_deployment(deployment_id)
        self.changed.emit()

    # ---- local deployments ---------------------------------------------------------------------

    def add_local(self, spec: LocalSpec, name: str, rate_limit: float = 1.0) -> Deployment:
        model = spec.people_model or "model"
        if spec.onnx_path:
            model = Path(spec.onnx_path).stem  # the server names an ONNX model after its file
        existing = next((d for d in self._list.values() if d.local == spec), None)
        d = existing or self.save(Deployment(name=name, model=model, local=spec, rate_limit=rate_limit))
        self.start(d.saved_id)
        return d

    def start(self, deployment_id: int) -> None:
        d = self._list.get(deployment_id)
        if d is None or not d.is_local or self.local.is_running(deployment_id):
            return
        self._set_status(
            deployment_id, DeploymentStatus(state=State.STARTING, message="starting the local server…")
        )
        self.local.start(d)

    def stop(self, deployment_id: int) -> None:
        self.local.stop(deployment_id)

    def shutdown(self) -> None:
        self.usage.stop()
        self.quality.stop()
        self.images.stop()
        self.poller.stop()
        self.local.stop_all()

    def _on_local_started(self, deployment_id: int, url: str) -> None:
        d = self._list.get(deployment_id)
        if d is None:
            return
        d = self._list[deployment_id] = d.model_copy(update={"url": url})
        self.poller.watch(d)
        self.changed.emit()

    def _on_local_ended(self, deployment_id: int, why: str) -> None:
        self.poller.unwatch(deployment_id)
        self._probe.pop(deployment_id, None)
        d = self._list.get(deployment_id)
        if d is not None:
            self._list[deployment_id] = d.model_copy(update={"url": ""})
            state = DeploymentStatus(state=State.ERROR if why else State.STOPPED, message=why or "stopped")
            self._set_status(deployment_id, state)
            if why:
                self.message.emit(f"{d.name}: {why}")

    # ---- status --------------------------------------------------------------------------------

    def report_failure(self, deployment_id: int, message: str, failure: Failure) -> None:
        """A call failed: remember why, and check at once whether the deployment is still there."""
        self.last_error[deployment_id] = message
        if failure in (Failure.OFFLINE, Failure.TIMEOUT):
            self.poller.check_now(deployment_id)
        self.statusChanged.emit(deployment_id)
        self.callFinished.emit(deployment_id)

    def report_success(self, deployment_id: int) -> None:
        if self.last_error.pop(deployment_id, None) is not None:
            self.statusChanged.emit(deployment_id)
        self.callFinished.emit(deployment_id)

    def _on_checked(self, deployment_id: int, status: DeploymentStatus, probe: Probe | None) -> None:
        if deployment_id not in self._list:
            return
        if probe is not None:
            self._probe[deployment_id] = probe
        else:
            self._probe.pop(deployment_id, None)
        self._set_status(deployment_id, status)

    def _set_status(self, deployment_id: int, status: DeploymentStatus) -> None:
        before = self._status.get(deployment_id)
        self._status[deployment_id] = status
        if before != status:
            self.statusChanged.emit(deployment_id)
