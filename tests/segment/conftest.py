"""The dog photo with its hand-traced outline (tests/support/dog_reference.py), and a tiny SAM-family pack."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
import tiny_sam
from dog_reference import DOG_OUTLINE, dog_iou

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


@pytest.fixture(scope="session")
def dog() -> np.ndarray:
    return cv2.imread(str(SAMPLES / "dog.jpg"))


@pytest.fixture(scope="session")
def dog_outline() -> list[tuple[float, float]]:
    return list(DOG_OUTLINE)


@pytest.fixture(scope="session")
def iou() -> Callable[..., float]:
    return dog_iou


@pytest.fixture(scope="session")
def tiny_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_sam.make_pack(tmp_path_factory.mktemp("pack"), name="mobile_sam_tiny")
