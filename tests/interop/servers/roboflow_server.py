"""Roboflow's inference HTTP server, as its CPU container builds it, for the interop tests (run from its own
environment, offline: it never calls the Roboflow API).

    python roboflow_server.py PORT
"""

from __future__ import annotations

import os
import sys
import tempfile

import uvicorn
from inference.core.interfaces.http.http_api import HttpInterface
from inference.core.managers.base import ModelManager
from inference.core.registries.roboflow import RoboflowModelRegistry
from inference.models.utils import ROBOFLOW_MODEL_TYPES

if __name__ == "__main__":
    # The app mounts its landing page from ./inference/landing/out/static, which only its container has.
    os.chdir(tempfile.mkdtemp())
    for folder in ("static", "_next/static"):
        os.makedirs(f"inference/landing/out/{folder}")
    manager = ModelManager(model_registry=RoboflowModelRegistry(ROBOFLOW_MODEL_TYPES))
    app = HttpInterface(manager).app
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
