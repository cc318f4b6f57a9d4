"""Downloading a release over real HTTP (edge/update/download.py): checked against the size and
SHA-256 the command announced; nothing is left behind when it does not match."""

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from edge.update.download import ChecksumMismatch, DownloadError, HttpFetcher

BODY = b"release bytes " * 1000
SHA = hashlib.sha256(BODY).hexdigest()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if not self.path.startswith("/releases/download/good"):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_release_that_matches_is_kept(server: str, tmp_path: Path) -> None:
    target = tmp_path / "artifact"
    HttpFetcher().fetch(
        f"{server}/releases/download/good", target, sha256=SHA, size_bytes=len(BODY)
    )
    assert target.read_bytes() == BODY


@pytest.mark.parametrize(
    ("sha256", "size", "message"),
    [
        ("0" * 64, len(BODY), "SHA-256"),
        (SHA, len(BODY) - 1, "more than the announced"),
        (SHA, len(BODY) + 1, "received"),
    ],
)
def test_a_release_that_does_not_match_is_not_kept(
    server: str, tmp_path: Path, sha256: str, size: int, message: str
) -> None:
    target = tmp_path / "artifact"
    with pytest.raises(ChecksumMismatch, match=message):
        HttpFetcher().fetch(
            f"{server}/releases/download/good", target, sha256=sha256, size_bytes=size
        )
    assert list(tmp_path.iterdir()) == []


def test_a_refused_download_says_so_without_its_token(server: str, tmp_path: Path) -> None:
    with pytest.raises(DownloadError) as refused:
        HttpFetcher().fetch(
            f"{server}/releases/download/secret-token", tmp_path / "a", sha256=SHA, size_bytes=1
        )
    assert "HTTP 404" in str(refused.value) and "secret-token" not in str(refused.value)
    assert list(tmp_path.iterdir()) == []
