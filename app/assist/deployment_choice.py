"""Which deployment model assist asks: the one chosen, and the one to choose again when it comes back."""

from __future__ import annotations

from app.inference.adapters import Probe
from app.inference.deployments import Deployments
from app.models import Deployment


class DeploymentChoice:
    """Shared by the parts of model assist that need the choice; only the controller changes it."""

    def __init__(self, deployments: Deployments) -> None:
        self.deployments = deployments
        self.chosen_id: int | None = None
        self.wanted_id: int | None = None  # chosen by the labeller; chosen again when it is back online

    @property
    def deployment(self) -> Deployment | None:
        return self.deployments.get(self.chosen_id) if self.chosen_id is not None else None

    def probe(self) -> Probe | None:
        """What the chosen deployment's last health check found out (its model); None when offline."""
        return self.deployments.probe(self.chosen_id) if self.chosen_id is not None else None

    def choose(self, deployment_id: int | None) -> None:
        self.chosen_id = deployment_id
        if deployment_id is not None:
            self.wanted_id = deployment_id

    def forget(self) -> None:
        """Another project: its deployment ids name other deployments."""
        self.chosen_id = self.wanted_id = None

    def model(self) -> tuple[int | None, str]:
        """The chosen deployment's id and model version; (None, "") when none is chosen or it is offline."""
        probe = self.probe()
        return (self.chosen_id, probe.model.version) if probe is not None else (None, "")
