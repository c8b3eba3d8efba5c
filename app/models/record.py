"""What every record kept in the project file shares: an id, None until the project file gives it one."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: int | None = None

    @property
    def saved_id(self) -> int:
        """The id the project file gave this record; only saved records are listed, drawn, chosen or asked."""
        assert self.id is not None, f"{type(self).__name__} used before it was saved"
        return self.id
