"""Loopback URLs for servers that fetch images themselves: they serve the file, then expire."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from app.inference.image_share import ImageShare


def test_a_shared_image_is_served_under_its_own_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    photo = tmp_path / "a photo.jpg"
    photo.write_bytes(b"\xff\xd8jpeg bytes")
    share = ImageShare()
    try:
        url = share.share(photo)
        assert url.startswith("http://127.0.0.1:") and url.endswith("/a%20photo.jpg")
        with urllib.request.urlopen(url) as r:
            assert r.read() == b"\xff\xd8jpeg bytes" and r.headers["Content-Type"] == "image/jpeg"
        guessed = url.rsplit("/", 2)[0] + "x/a%20photo.jpg"
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(guessed)
    finally:
        share.stop()


def test_an_expired_url_serves_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    photo = tmp_path / "b.png"
    photo.write_bytes(b"png")
    share = ImageShare(ttl_s=0.0)  # expired the moment it is made
    try:
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(share.share(photo))
        assert e.value.code == 404
    finally:
        share.stop()
