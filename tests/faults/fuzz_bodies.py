"""Hypothesis strategies for hostile bodies: well-formed answers of each protocol, mutated; any JSON at all;
raw bytes; JSON nested deeper than a parser's stack.

A mutation picks a node of a valid body by index and replaces it with any JSON value, removes it, or
wraps it in a list: most bodies stay nearly valid, so the parsers are driven past their first check.
"""

from __future__ import annotations

import base64
import json
import math
import struct
from typing import Any

from hypothesis import strategies as st

# Numbers a lying server sends: huge integers, NaN and infinities, negative zero, tiny and huge floats.
NUMBERS = st.one_of(
    st.integers(-3, 3),
    st.integers(),
    st.sampled_from(
        [2**31, 2**63, -(2**63), 10**30, 10**400, 1e300, 0.5, -0.0, math.nan, math.inf, -math.inf]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
)
TEXT = st.text(max_size=12)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
ANY_JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(TEXT, inner, max_size=5)),
    max_leaves=20,
)


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every node, the root first."""
    found = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _nodes(v, (*path, i))
    return found


def _mutate(value: Any, mutations: list[tuple[int, int, Any]]) -> Any:
    """Apply (node index, operation, replacement) to a copy of a JSON value."""
    value = json.loads(json.dumps(value))
    for index, op, replacement in mutations:
        paths = _nodes(value)
        path = paths[index % len(paths)]
        if not path:
            value = replacement if op == 0 else [value]
            continue
        parent = value
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        if op == 0:
            parent[key] = replacement
        elif op == 1:
            del parent[key]
        else:
            parent[key] = [parent[key]]
    return value


def mutated(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    ops = st.lists(st.tuples(st.integers(0, 500), st.integers(0, 2), ANY_JSON), max_size=4)
    return st.builds(_mutate, valid, ops)


def _encode(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def bodies(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Bodies: mutated valid ones (most), any JSON, raw bytes, cut JSON, and very deep nesting."""
    good = mutated(valid).map(_encode)
    return st.one_of(
        good,
        good,
        good,
        ANY_JSON.map(_encode),
        st.binary(max_size=64),
        st.tuples(good, st.integers(0, 400)).map(lambda t: t[0][: t[1]]),
        st.sampled_from([10, 900, 5000, 100_000]).map(deep),
        st.sampled_from(
            [
                b"<html><body>502 Bad Gateway</body></html>",
                b"",
                b"null",
                b"NaN",
                b'"\\ud800"',
                b"[" + b"7" * 5000 + b"]",
            ]
        ),
    )


# ---- the protocols' valid answers ----------------------------------------------------------------

# Mostly sane values, so that most bodies get far into a parser; now and then any number at all.
_coord = st.one_of(st.floats(-50, 700, allow_nan=False), st.floats(-50, 700, allow_nan=False), NUMBERS)
_score = st.one_of(st.floats(0, 1), st.floats(0, 1), NUMBERS)
_unit = st.one_of(st.floats(0, 1), st.floats(0, 1), NUMBERS)
_label = st.sampled_from(["person", "car", "", "ünïcode ☃", "x" * 300])


@st.composite
def oip_answer(draw: st.DrawFn) -> dict[str, Any]:
    """An annotation-profile answer: boxes, scores, labels and maybe polygons, keypoints or masks."""
    n = draw(st.integers(0, 4))
    outputs = [
        {
            "name": "boxes",
            "datatype": "FP32",
            "shape": [n, 4],
            "data": draw(st.lists(_coord, min_size=4 * n, max_size=4 * n)),
        },
        {
            "name": "scores",
            "datatype": "FP32",
            "shape": [n],
            "data": draw(st.lists(_score, min_size=n, max_size=n)),
        },
        {
            "name": "labels",
            "datatype": "BYTES",
            "shape": [n],
            "data": draw(st.lists(_label, min_size=n, max_size=n)),
        },
    ]
    extra = draw(st.sampled_from(["", "polygons", "keypoints", "masks", "rle"]))
    if extra == "polygons":
        ring = [[10, 10], [50, 10], [30, 40]]
        outputs.append(
            {"name": "polygons", "datatype": "BYTES", "shape": [n], "data": [json.dumps([ring])] * n}
        )
    elif extra == "keypoints":
        k = draw(st.integers(1, 3))
        outputs.append(
            {
                "name": "keypoints",
                "datatype": "FP32",
                "shape": [n, k, 3],
                "data": draw(st.lists(_coord, min_size=3 * k * n, max_size=3 * k * n)),
            }
        )
    elif extra == "masks":
        outputs.append({"name": "masks", "datatype": "UINT8", "shape": [n, 4, 4], "data": [1, 0] * 8 * n})
    elif extra == "rle":
        rle = json.dumps({"size": [480, 640], "counts": [1000, 500, 480 * 640 - 1500]})
        outputs.append({"name": "masks", "datatype": "BYTES", "shape": [n], "data": [rle] * n})
    return {"model_name": "m", "model_version": "1", "id": "img-1/gen-1", "outputs": outputs}


@st.composite
def layout_answer(draw: st.DrawFn) -> dict[str, Any]:
    """A plain detection model's answer (TensorFlow Object Detection API names)."""
    n = draw(st.integers(0, 3))

    def values(k: int, sane: st.SearchStrategy[float]) -> list[Any]:
        return draw(st.lists(st.one_of(sane, sane, sane, NUMBERS), min_size=k, max_size=k))

    return {
        "model_name": "det",
        "outputs": [
            {"name": "detection_boxes", "datatype": "FP32", "shape": [1, n, 4], "data": values(4 * n, _unit)},
            {"name": "detection_scores", "datatype": "FP32", "shape": [1, n], "data": values(n, _unit)},
            {
                "name": "detection_classes",
                "datatype": "FP32",
                "shape": [1, n],
                "data": values(n, st.just(1.0)),
            },
            {
                "name": "num_detections",
                "datatype": "FP32",
                "shape": [1],
                "data": values(1, st.just(float(n))),
            },
        ],
    }


def binary_oip_body(answer: dict[str, Any]) -> tuple[bytes, int]:
    """The same answer with every output as a raw tensor; returns the body and its JSON header's length."""
    head, tail = {**answer, "outputs": []}, b""
    for out in answer["outputs"]:
        if out["datatype"] == "BYTES":
            raw = b"".join(struct.pack("<I", len(str(v).encode())) + str(v).encode() for v in out["data"])
        elif out["datatype"] == "UINT8":
            raw = bytes(int(v) & 0xFF for v in out["data"])
        else:
            raw = struct.pack(f"<{len(out['data'])}f", *out["data"])
        head["outputs"].append(
            {k: v for k, v in out.items() if k != "data"} | {"parameters": {"binary_data_size": len(raw)}}
        )
        tail += raw
    header = json.dumps(head).encode()
    return header + tail, len(header)


METADATA = st.one_of(
    st.just(
        {
            "name": "m",
            "versions": ["1"],
            "parameters": {
                "task": "keypoints",
                "labels": ["person"],
                "keypoint_names": ["a", "b"],
                "skeleton": [[0, 1]],
                "version": "v1",
            },
        }
    ),
    st.just(
        {
            "name": "det",
            "versions": ["3"],
            "inputs": [{"name": "input_tensor", "datatype": "UINT8", "shape": [1, -1, -1, 3]}],
            "outputs": [
                {"name": n, "datatype": "FP32", "shape": [1, -1]}
                for n in ("detection_boxes", "detection_scores", "detection_classes", "num_detections")
            ],
            "parameters": {"labels": ["bg", "person"]},
        }
    ),
)
STATS = st.just(
    {
        "model_stats": [
            {
                "name": "m",
                "version": "1",
                "inference_count": 3,
                "inference_stats": {"compute_infer": {"count": 3, "ns": 3000}},
            }
        ]
    }
)

_rf_point = st.fixed_dictionaries({"x": _coord, "y": _coord})
ROBOFLOW = st.fixed_dictionaries(
    {
        "predictions": st.lists(
            st.fixed_dictionaries(
                {
                    "x": _coord,
                    "y": _coord,
                    "width": _coord,
                    "height": _coord,
                    "confidence": _score,
                    "class": _label,
                    "class_id": st.integers(0, 5),
                },
                optional={
                    "points": st.lists(_rf_point, max_size=5),
                    "keypoints": st.lists(
                        st.fixed_dictionaries(
                            {
                                "x": _coord,
                                "y": _coord,
                                "confidence": _score,
                                "class_id": st.integers(0, 4),
                                "class_name": _label,
                            }
                        ),
                        max_size=4,
                    ),
                },
            ),
            max_size=4,
        ),
        "image": st.fixed_dictionaries({"width": st.integers(1, 2000), "height": st.integers(1, 2000)}),
    }
)

_pair = st.tuples(_unit, _unit).map(list)
DATATURE = st.fixed_dictionaries(
    {
        "predictions": st.lists(
            st.fixed_dictionaries(
                {
                    "confidence": _score,
                    "tag": st.fixed_dictionaries({"id": st.integers(0, 5), "name": _label}),
                    "bound": st.lists(_pair, min_size=4, max_size=4),
                },
                optional={
                    "contour": st.lists(_pair, max_size=5),
                    "keypoints": st.lists(_pair, max_size=3),
                    "keypointConfidences": st.lists(_score, max_size=3),
                },
            ),
            max_size=4,
        )
    }
)
DATATURE_CLASSES = st.just({"0": {"name": "person"}, "1": {"name": "car"}})

_pct = st.one_of(st.floats(0, 100), st.floats(0, 100), NUMBERS)
_region = st.one_of(
    st.fixed_dictionaries(
        {
            "id": TEXT,
            "type": st.just("rectanglelabels"),
            "score": _score,
            "value": st.fixed_dictionaries(
                {
                    "x": _pct,
                    "y": _pct,
                    "width": _pct,
                    "height": _pct,
                    "rotation": st.floats(-360, 360),
                    "rectanglelabels": st.just(["car"]),
                }
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "id": TEXT,
            "type": st.just("polygonlabels"),
            "value": st.fixed_dictionaries(
                {
                    "points": st.lists(st.tuples(_pct, _pct).map(list), max_size=5),
                    "polygonlabels": st.just(["road"]),
                }
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "id": TEXT,
            "type": st.just("keypointlabels"),
            "parentID": TEXT,
            "value": st.fixed_dictionaries(
                {"x": _pct, "y": _pct, "keypointlabels": st.sampled_from([["nose"], ["eye"]])}
            ),
        }
    ),
)
LABEL_STUDIO = st.fixed_dictionaries(
    {
        "results": st.lists(
            st.fixed_dictionaries({"result": st.lists(_region, max_size=4), "score": _score}), max_size=2
        )
    }
)
LABEL_STUDIO_HEALTH = st.just({"status": "UP", "model_class": "YOLO"})


# ---- the reference server's requests ---------------------------------------------------------------

TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg=="
)


@st.composite
def server_request(draw: st.DrawFn) -> dict[str, Any]:
    image = draw(st.sampled_from([TINY_PNG, TINY_PNG[:30], b"", b"GIF89a" + bytes(20)]))
    request: dict[str, Any] = {
        "id": draw(TEXT),
        "inputs": [
            {
                "name": "image",
                "shape": [1],
                "datatype": "BYTES",
                "parameters": {"content_type": "base64"},
                "data": [base64.b64encode(image).decode()],
            }
        ],
        "parameters": {
            "confidence": draw(_score),
            "max_detections": draw(st.integers(0, 20)),
            "binary_data_output": draw(st.booleans()),
        },
    }
    if draw(st.booleans()):
        request["outputs"] = [
            {"name": n, "parameters": {"binary_data": draw(st.booleans())}}
            for n in ("boxes", "scores", "labels")
        ]
    return request


def binary_server_request(request: dict[str, Any]) -> tuple[bytes, int]:
    """The request with its image as a raw BYTES tensor after the JSON; returns the body and the JSON length.
    A request mangled past that shape goes as it is, with its header length."""
    inputs = request.get("inputs")
    tensor = inputs[0] if isinstance(inputs, list) and inputs and isinstance(inputs[0], dict) else None
    if tensor is None:
        header = _encode(request)
        return header, len(header)
    tensor = dict(tensor)
    data = tensor.pop("data", None)
    image = b""
    if isinstance(data, list) and data and isinstance(data[0], str):
        try:
            image = base64.b64decode(data[0], validate=False)
        except ValueError:
            pass
    raw = struct.pack("<I", len(image)) + image
    tensor["parameters"] = {"binary_data_size": len(raw)}
    header = _encode({**request, "inputs": [tensor, *inputs[1:]]})
    return header + raw, len(header)
