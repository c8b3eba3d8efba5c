"""The models a server instance serves, by name."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from server.errors import ClientError
from server.model import ServedModel


class ModelRegistry:
    def __init__(self, models: Iterable[ServedModel] = ()) -> None:
        self._models: dict[str, ServedModel] = {}
        for model in models:
            self.add(model)

    def add(self, model: ServedModel) -> None:
        if model.info.name in self._models:
            raise ValueError(f"two models are named {model.info.name!r}")
        self._models[model.info.name] = model

    def get(self, name: str, version: str | None = None) -> ServedModel:
        """The model, or a 404 ClientError naming the models that exist."""
        model = self._models.get(name)
        if model is None:
            raise ClientError(f"unknown model '{name}'; this server has {sorted(self._models)}", status=404)
        if version not in (None, "", model.info.version):
            raise ClientError(
                f"model '{name}' has no version '{version}' (it has '{model.info.version}')", 404
            )
        return model

    def __iter__(self) -> Iterator[ServedModel]:
        return iter(self._models.values())

    def __len__(self) -> int:
        return len(self._models)
