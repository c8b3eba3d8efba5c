"""The people models answer any decodable image, however small or thin, without a server error."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from server_test_support import infer


@pytest.mark.parametrize("size", [(1, 1), (2000, 3), (3, 2000)])
@pytest.mark.parametrize("model", ["face", "person-segmentation", "pose", "hands"])
def test_degenerate_images_are_answered(people_server, model, size):
    image = cv2.imencode(".png", np.full((size[1], size[0], 3), 128, np.uint8))[1].tobytes()
    out = infer(people_server.url, model, image)
    assert out["labels"] == [] and out["boxes"].shape == (0, 4)
