"""Loopback URLs for servers that fetch images themselves: they serve the file, then expire."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import pytest

from app.inference.image_share import ImageShare


def test_a_shared_image_is_served_until_it_expires(tmp_path) -> None:  # type: ignore[no-untyped-def]
    photo = tmp_path / "a photo.jpg"
    photo.write_bytes(b"\xff\xd8jpeg bytes")
    share = ImageShare(ttl_s=0.5)
    try:
        url = share.share(photo)
        assert url.startswith("http://127.0.0.1:") and url.endswith("/a%20photo.jpg")
        with urllib.request.urlopen(url) as r:
            assert r.read() == b"\xff\xd8jpeg bytes" and r.headers["Content-Type"] == "image/jpeg"
        guessed = url.rsplit("/", 2)[0] + "x/a%20photo.jpg"
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(guessed)
        time.sleep(0.6)
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(url)
    finally:
        share.stop()
