"""The Label Studio ML backend adapter against the real label-studio-ml 1.0.9 (its own Flask app around a model
that fetches the image by URL, as real backends do): the probe sets the backend up with a labelling config of
the deployment's labels, boxes, polygons and keypoints arrive in exact pixels, a backend restarted without its
setup is set up again, and its errors read in its own words."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from app.inference.adapters import ImageInput, Probe
from app.inference.client import InferenceClient
from app.inference.errors import InferenceError
from app.inference.image_share import ImageShare
from app.models import Deployment, ModelInfo, Protocol, Task
from tests.interop.conftest import SERVERS, free_port, interop_python, start_server, stop, wait_until_up

pytestmark = pytest.mark.interop
WIDTH, HEIGHT = 200, 100  # percent to pixels: x * 2, y * 1, exact in floating point


@dataclass
class Backend:
    url: str
    argv: list[str]
    log: Path
    proc: object

    def restart(self) -> None:
        stop(self.proc)  # type: ignore[arg-type]
        self.proc = start_server(self.argv, log=self.log)
        wait_until_up(self.url + "/health", self.proc, 60, self.log)  # type: ignore[arg-type]


@pytest.fixture
def backend(server_log: Path) -> Iterator[Backend]:
    python = interop_python("label_studio")
    port = free_port()
    argv = [str(python), str(SERVERS / "label_studio_backend.py"), str(port)]
    proc = start_server(argv, log=server_log)
    b = Backend(f"http://127.0.0.1:{port}", argv, server_log, proc)
    try:
        wait_until_up(b.url + "/health", proc, 60, server_log)
        yield b
    finally:
        stop(b.proc)  # type: ignore[arg-type]


@pytest.fixture
def image(tmp_path: Path) -> Iterator[ImageInput]:
    path = tmp_path / "street.png"
    buffer = io.BytesIO()
    Image.new("RGB", (WIDTH, HEIGHT), (90, 120, 40)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    share = ImageShare()
    try:
        yield ImageInput(path.read_bytes(), path.name, WIDTH, HEIGHT, share.share(path))
    finally:
        share.stop()


def _deployment(url: str, task: Task, labels: tuple[str, ...]) -> Deployment:
    return Deployment(
        name="ls", protocol=Protocol.LABEL_STUDIO, url=url, model="fixed", task=task, labels=labels
    )


def _infer(client: InferenceClient, d: Deployment, image: ImageInput, probe: Probe):  # noqa: ANN202
    return client.infer(d, None, image, floor=0.05, probe=probe, request_id="img-1/1").predictions


def test_without_setup_the_backend_refuses_in_its_own_words(backend: Backend, image: ImageInput) -> None:
    """What happened before the probe sent /setup: the backend's 500, read from its JSON, not its traceback."""
    d = _deployment(backend.url, Task.DETECT, ("car",))
    probe = Probe(ModelInfo(name="fixed", task=Task.DETECT, labels=("car",)))  # never probed: never set up
    with pytest.raises(InferenceError) as e:
        _infer(InferenceClient(), d, image, probe)
    assert e.value.status == 500
    assert "Model is not loaded" in str(e.value) and "run setup() before using predict()" in str(e.value)
    assert "Traceback" not in str(e.value) and "File " not in str(e.value)


def test_boxes_arrive_in_exact_pixels_labelled_from_the_setup_config(
    backend: Backend, image: ImageInput
) -> None:
    d = _deployment(backend.url, Task.DETECT, ("car", "sign"))
    client = InferenceClient()
    [p] = _infer(client, d, image, client.probe(d, None))
    assert (
        p.label == "car" and p.score == 0.9
    )  # the model read the labels from the config set up by the probe
    assert (p.box.x1, p.box.y1, p.box.x2, p.box.y2) == (20.0, 20.0, 80.0, 60.0)


def test_polygons_arrive_in_exact_pixels(backend: Backend, image: ImageInput) -> None:
    d = _deployment(backend.url, Task.SEGMENT, ("road", "kerb"))
    client = InferenceClient()
    [p] = _infer(client, d, image, client.probe(d, None))
    assert p.label == "kerb" and p.score == 0.8
    assert p.polygon is not None
    assert [tuple(pt) for pt in p.polygon.points] == [
        (20.0, 10.0),
        (100.0, 10.0),
        (100.0, 50.0),
        (20.0, 50.0),
    ]


def test_keypoints_arrive_in_exact_pixels_with_their_box(backend: Backend, image: ImageInput) -> None:
    d = _deployment(backend.url, Task.KEYPOINTS, ("nose", "left eye", "right eye"))
    client = InferenceClient()
    [p] = _infer(client, d, image, client.probe(d, None))
    assert p.label == "person" and (p.box.x1, p.box.y1, p.box.x2, p.box.y2) == (20.0, 20.0, 80.0, 60.0)
    assert p.keypoint_names == ("nose", "left eye", "right eye")
    assert [(k.x, k.y, k.score) for k in p.keypoints] == [
        (50.0, 50.0, 0.6),
        (75.0, 25.0, 0.6),
        (25.0, 75.0, 0.6),
    ]


def test_a_restarted_backend_is_set_up_again(backend: Backend, image: ImageInput) -> None:
    d = _deployment(backend.url, Task.DETECT, ("car",))
    client = InferenceClient()
    probe = client.probe(d, None)
    assert len(_infer(client, d, image, probe)) == 1
    backend.restart()  # it forgets its setup; the app still holds the probe from before
    assert [p.label for p in _infer(client, d, image, probe)] == ["car"]


def test_the_models_own_error_reads_as_the_backend_meant_it(backend: Backend, image: ImageInput) -> None:
    d = _deployment(backend.url, Task.DETECT, ("fail",))
    client = InferenceClient()
    with pytest.raises(InferenceError) as e:
        _infer(client, d, image, client.probe(d, None))
    message = str(e.value)
    assert (
        message == "'ls' answered HTTP 500: RuntimeError: the model cannot run on this image (asked to fail)"
    )


def test_an_image_the_backend_cannot_fetch_is_its_message(backend: Backend, image: ImageInput) -> None:
    d = _deployment(backend.url, Task.DETECT, ("car",))
    client = InferenceClient()
    gone = ImageInput(image.data, image.name, WIDTH, HEIGHT, image.url.rsplit("/", 2)[0] + "/expired/x.png")
    with pytest.raises(
        InferenceError, match=r"ValueError: cannot read the image at http://127\.0\.0\.1:\d+/"
    ):
        _infer(client, d, gone, client.probe(d, None))


def test_a_wrong_address_is_a_wrong_address_not_a_model_name(backend: Backend) -> None:
    d = _deployment(backend.url + "/backend", Task.DETECT, ("car",))
    with pytest.raises(InferenceError) as e:
        InferenceClient().probe(d, None)
    message = str(e.value)
    assert e.value.status == 404 and "(check the URL)" in message and "model name" not in message
    assert "Not Found — The requested URL was not found on the server" in message and "<" not in message
