"""Add or edit a remote deployment: protocol, address, model, token and how to send it; Test connection."""

from __future__ import annotations

from pydantic import ValidationError
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from app.inference.adapters import Probe
from app.inference.client import InferenceClient
from app.inference.errors import InferenceError
from app.models import Deployment, Protocol, Task
from app.models.deployment import AuthStyle
from app.widgets.deployment_dialogs import rate_spin
from app.worker import BackgroundRunner

PROTOCOLS = {
    Protocol.OIP: (
        "Open Inference Protocol v2 (Triton, KServe, MLServer, OpenVINO, labelassist-server)",
        "http://inference-host:8000",
        "model name, e.g. face",
        AuthStyle.BEARER,
    ),
    Protocol.ROBOFLOW: (
        "Roboflow Inference (self-hosted server or hosted API)",
        "http://localhost:9001 or https://detect.roboflow.com",
        "model id, e.g. my-project/3",
        AuthStyle.QUERY,
    ),
    Protocol.DATATURE: (
        "Datature Nexus deployment",
        "the deployment's API URL",
        "a name for its model",
        AuthStyle.BEARER,
    ),
    Protocol.LABEL_STUDIO: (
        "Label Studio ML backend",
        "http://localhost:9090",
        "a name for its model",
        AuthStyle.BEARER,
    ),
}
AUTH_TEXT = {
    AuthStyle.BEARER: "Authorization: Bearer <token>",
    AuthStyle.QUERY: "?api_key=<token> in the URL",
    AuthStyle.HEADER: "a header of its own (name below)",
}


class RemoteDialog(QDialog):
    def __init__(
        self,
        client: InferenceClient,
        parent: QWidget | None = None,
        existing: Deployment | None = None,
        token_of_existing: str | None = None,
        tag_names: tuple[str, ...] = (),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit deployment" if existing else "Add remote deployment")
        self.client = client
        self.existing = existing
        self.existing_token = token_of_existing
        self.protocol = QComboBox()
        for p, (text, *_rest) in PROTOCOLS.items():
            self.protocol.addItem(text, p)
        self.name = QLineEdit(existing.name if existing else "")
        self.url = QLineEdit(existing.url if existing else "")
        self.model = QLineEdit(existing.model if existing else "")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(
            "kept in the system keyring" + (" (unchanged if empty)" if existing else "")
        )
        self.auth = QComboBox()
        for style, text in AUTH_TEXT.items():
            self.auth.addItem(text, style)
        self.task = QComboBox()
        self.task.setObjectName("remote_task")
        self.task.addItem("as the server says (else boxes)", None)
        for task, text in (
            (Task.DETECT, "boxes (detection)"),
            (Task.SEGMENT, "polygons (segmentation)"),
            (Task.KEYPOINTS, "keypoints"),
        ):
            self.task.addItem(text, task)
        self.labels = QLineEdit(", ".join(existing.labels) if existing else ", ".join(tag_names))
        self.labels.setObjectName("remote_labels")
        self.labels.setToolTip("Comma-separated; for servers that must be told which labels to look for")
        self.auth_header = QLineEdit(existing.auth_header if existing else "")
        self.auth_header.setPlaceholderText("e.g. X-API-Key")
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(1, 600)
        self.timeout.setValue(existing.timeout_s if existing else 30)
        self.timeout.setSuffix(" s")
        self.rate = rate_spin(existing.rate_limit if existing else 1.0)
        self.test_button = QPushButton("Test connection")
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setObjectName("test_result")
        for w, n in (
            (self.name, "remote_name"),
            (self.url, "remote_url"),
            (self.model, "remote_model"),
            (self.token, "remote_token"),
            (self.protocol, "remote_protocol"),
            (self.auth, "remote_auth"),
        ):
            w.setObjectName(n)
        form = QFormLayout(self)
        form.addRow("Protocol", self.protocol)
        form.addRow("Name", self.name)
        form.addRow("URL", self.url)
        form.addRow("Model", self.model)
        form.addRow("Finds", self.task)
        form.addRow("Labels to ask for", self.labels)
        form.addRow("Token", self.token)
        form.addRow("Send the token as", self.auth)
        form.addRow("Header name", self.auth_header)
        form.addRow("Timeout", self.timeout)
        form.addRow("Prefetch limit", self.rate)
        form.addRow(self.test_button, self.result)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._runner = BackgroundRunner(self, name="test-connection")
        self._runner.result.connect(self._on_tested)
        self.test_button.clicked.connect(self.test_connection)
        self.protocol.currentIndexChanged.connect(self._protocol_changed)
        self.auth.currentIndexChanged.connect(
            lambda _i: self.auth_header.setEnabled(self._auth() == AuthStyle.HEADER)
        )
        if existing is not None:
            self.protocol.setCurrentIndex(self.protocol.findData(existing.protocol))
            self.auth.setCurrentIndex(self.auth.findData(existing.auth))
            self.task.setCurrentIndex(max(self.task.findData(existing.task), 0))
        self._protocol_changed(keep_auth=existing is not None)
        self.finished.connect(lambda _r: self._runner.stop(timeout_ms=100))

    def _auth(self) -> AuthStyle:
        return self.auth.currentData()

    def _protocol_changed(self, _index: int = 0, keep_auth: bool = False) -> None:
        _text, url_hint, model_hint, auth = PROTOCOLS[self.protocol.currentData()]
        self.url.setPlaceholderText(url_hint)
        self.model.setPlaceholderText(model_hint)
        if not keep_auth:
            self.auth.setCurrentIndex(self.auth.findData(auth))
        self.auth_header.setEnabled(self._auth() == AuthStyle.HEADER)
        self.labels.setEnabled(self.protocol.currentData() == Protocol.LABEL_STUDIO)

    def deployment(self, quiet: bool = False) -> Deployment | None:
        """The deployment described, or None after telling the user what is wrong."""
        base = self.existing.model_dump() if self.existing else {}
        fields = {
            "name": self.name.text() or "untitled",
            "url": self.url.text(),
            "model": self.model.text(),
            "protocol": self.protocol.currentData(),
            "auth": self._auth(),
            "auth_header": self.auth_header.text().strip(),
            "timeout_s": self.timeout.value(),
            "rate_limit": self.rate.value(),
            "task": self.task.currentData(),
            "labels": tuple(x.strip() for x in self.labels.text().split(",") if x.strip())
            if self.protocol.currentData() == Protocol.LABEL_STUDIO
            else (),
        }
        try:
            d = Deployment.model_validate({**base, **fields})
        except ValidationError as e:
            first = e.errors()[0]
            message = f"{'.'.join(map(str, first['loc']))}: {first['msg']}"
            if quiet:
                self.result.setText(message)
            else:
                QMessageBox.warning(self, "Deployment", message)
            return None
        if not d.url:
            (self.result.setText if quiet else lambda m: QMessageBox.warning(self, "Deployment", m))(
                "Enter the URL."
            )
            return None
        return d

    def token_text(self) -> str | None:
        return self.token.text() or self.existing_token

    def test_connection(self) -> None:
        """Ask the server, in the background, whether it is ready and what model it serves."""
        d = self.deployment(quiet=True)
        if d is None:
            return
        self.result.setText("Asking…")
        self.test_button.setEnabled(False)
        token, client = self.token_text(), self.client

        def probe() -> Probe | str:
            try:
                return client.probe(d, token)
            except InferenceError as e:
                return str(e)

        self._runner.submit(probe, None)

    def _on_tested(self, _token: object, outcome: object) -> None:
        self.test_button.setEnabled(True)
        if isinstance(outcome, str):
            self.result.setText(f"Not usable: {outcome}")
            return
        assert isinstance(outcome, Probe)
        m = outcome.model
        labels = ", ".join(m.labels[:8]) + (" …" if len(m.labels) > 8 else "") if m.labels else "none listed"
        points = f", {len(m.keypoint_names)} keypoints" if m.keypoint_names else ""
        self.result.setText(
            f"Online: model '{m.name}' {m.version}, task {m.task.value}{points}; labels: {labels}"
        )

    def accept(self) -> None:
        if self.deployment() is not None:
            super().accept()
