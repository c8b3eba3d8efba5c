"""A label-studio-ml 1.x backend for the interop tests, run from its own environment: the package's own Flask
app (label_studio_ml.api) around a model that fetches each task's image by its URL, as real backends do, and
answers fixed regions in percent of the image, labelled with the labels of the config it was set up with.

    python label_studio_backend.py PORT
"""

from __future__ import annotations

import io
import sys

import requests
from label_studio_ml.api import init_app
from label_studio_ml.model import LabelStudioMLBase
from PIL import Image

RECT = {"x": 10.0, "y": 20.0, "width": 30.0, "height": 40.0}
POLYGON = [[10.0, 10.0], [50.0, 10.0], [50.0, 50.0], [10.0, 50.0]]
POINTS = [(25.0, 50.0), (37.5, 25.0), (12.5, 75.0)]


class FixedModel(LabelStudioMLBase):
    def predict(self, tasks, **kwargs):  # noqa: ANN001, ANN003, ANN201
        # The config from /setup: label-studio-ml 1.x builds the model there and ignores the one in /predict.
        control, info = next(iter(self.parsed_label_config.items()))
        kind, labels = info["type"].lower(), info["labels"]
        out = []
        for task in tasks:
            url = task["data"]["image"]
            got = requests.get(url, timeout=10)
            if got.status_code != 200:
                raise ValueError(f"cannot read the image at {url}: HTTP {got.status_code}")
            Image.open(io.BytesIO(got.content)).verify()
            if labels and labels[0] == "fail":
                raise RuntimeError("the model cannot run on this image (asked to fail)")
            out.append({"result": regions(control, kind, labels), "score": 0.5})
        return out


def regions(control: str, kind: str, labels: list[str]) -> list[dict]:
    base = {"from_name": control, "to_name": "image"}
    if kind == "rectanglelabels":
        return [{**base, "type": kind, "score": 0.9, "value": {**RECT, kind: [labels[0]]}}]
    if kind == "polygonlabels":
        return [{**base, "type": kind, "score": 0.8, "value": {"points": POLYGON, kind: [labels[-1]]}}]
    box = {
        **base,
        "id": "p1",
        "type": "rectanglelabels",
        "score": 0.7,
        "value": {**RECT, "rectanglelabels": ["person"]},
    }
    points = [
        {
            **base,
            "id": f"k{i}",
            "parentID": "p1",
            "type": kind,
            "score": 0.6,
            "value": {"x": x, "y": y, kind: [name]},
        }
        for i, ((x, y), name) in enumerate(zip(POINTS, labels, strict=False))
    ]
    return [box, *points]


if __name__ == "__main__":
    app = init_app(model_class=FixedModel)
    app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True)
