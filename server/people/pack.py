"""Load the people pack (face, person-segmentation, pose, hands) from the model cache dir."""

from __future__ import annotations

from pathlib import Path

from server.model import ServedModel
from server.models_fetch import missing_models
from server.people.face import FaceModel
from server.people.hands import HandsModel, HandsPipeline
from server.people.pose import PoseModel, PosePipeline
from server.people.segmentation import PersonSegmentationModel, SelfieSegmenter
from server.people.ssd import FACE_FULL, PALM_DETECTOR, POSE_DETECTOR, SsdDetector


class ModelsMissing(RuntimeError):
    """The model files are not in the cache dir; `make models` fetches them."""


def load_people_pack(models_dir: Path, num_threads: int = 2) -> list[ServedModel]:
    """The four people models; the face and pose detectors are shared with the segmentation gate."""
    missing = missing_models(models_dir)
    if missing:
        raise ModelsMissing(
            f"people models missing or unverified in {models_dir}: {', '.join(missing)}; "
            "run `make models` (python -m server.models_fetch)"
        )
    face_detector = SsdDetector(FACE_FULL, models_dir, num_threads)
    pose_detector = SsdDetector(POSE_DETECTOR, models_dir, num_threads)
    return [
        FaceModel(face_detector),
        PersonSegmentationModel(SelfieSegmenter(models_dir, num_threads), face_detector, pose_detector),
        PoseModel(PosePipeline(pose_detector, models_dir, num_threads)),
        HandsModel(
            HandsPipeline(SsdDetector(PALM_DETECTOR, models_dir, num_threads), models_dir, num_threads)
        ),
    ]
