"""A LiteRT (TFLite) interpreter that returns its outputs by tensor name."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter


class LiteRTModel:
    """One .tflite file; calls are serialised because an interpreter is not thread-safe."""

    def __init__(self, path: Path, num_threads: int = 2) -> None:
        self.path = Path(path)
        self._interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
        self._interpreter.allocate_tensors()
        (entry,) = self._interpreter.get_input_details()
        self._input_index = entry["index"]
        self.input_shape: tuple[int, ...] = tuple(int(d) for d in entry["shape"])
        self._outputs = {d["name"]: d["index"] for d in self._interpreter.get_output_details()}
        self._lock = threading.Lock()

    @property
    def output_names(self) -> list[str]:
        return list(self._outputs)

    def run(self, tensor: np.ndarray) -> dict[str, np.ndarray]:
        """Invoke on one NHWC float32 tensor; outputs are copies, safe to keep."""
        with self._lock:
            self._interpreter.set_tensor(self._input_index, np.ascontiguousarray(tensor, np.float32))
            self._interpreter.invoke()
            return {name: self._interpreter.get_tensor(index).copy() for name, index in self._outputs.items()}
