"""Model downloads against a local HTTP server with Range support: resume, verify, never clobber."""

from __future__ import annotations

import hashlib
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest
from support import ROOT

from assistant.core.errors import FetchError
from assistant.models.catalog import Catalog, ModelEntry
from assistant.models.fetch import MIRROR_ENV, fetch_model, verify_models

REPO = ROOT
DATA = bytes(range(256)) * 1024  # 256 KiB of synthetic "model"


class RangeHandler(BaseHTTPRequestHandler):
    """Serves the server's root folder; honours ``Range: bytes=N-`` unless told to ignore it."""

    def do_GET(self):
        srv = self.server
        rng = self.headers.get("Range")
        srv.requests.append((self.path, rng))
        path = srv.root / unquote(self.path.lstrip("/"))
        if not path.is_file():
            self.send_error(404)
            return
        data, start = path.read_bytes(), 0
        match = re.fullmatch(r"bytes=(\d+)-", rng or "")
        if match and not srv.ignore_range:
            start = int(match.group(1))
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        try:
            for i in range(start, len(data), srv.chunk):
                self.wfile.write(data[i:i + srv.chunk])
                srv.sent += len(data[i:i + srv.chunk])
                if srv.delay:
                    self.wfile.flush()
                    time.sleep(srv.delay)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client was killed mid-download, which is what one test does

    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), RangeHandler)
    srv.daemon_threads = True
    srv.root, srv.requests, srv.sent = root, [], 0
    srv.ignore_range, srv.delay, srv.chunk = False, 0.0, 64 * 1024
    srv.base = f"http://127.0.0.1:{srv.server_address[1]}"
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_entry(url: str, data: bytes = DATA, **fields) -> ModelEntry:
    base = dict(name="tiny", kind="llm", engine="llama", license="MIT", description="synthetic",
                url=url, file=url.rsplit("/", 1)[-1], size_bytes=len(data), sha256=sha(data),
                ram_mb=1, context_max=256)
    return ModelEntry(**{**base, **fields})


def publish(srv, name: str, data: bytes = DATA) -> str:
    (srv.root / name).write_bytes(data)
    return f"{srv.base}/{name}"


def test_full_download_is_verified_and_installed(server, tmp_path):
    models = tmp_path / "models"
    path = fetch_model(make_entry(publish(server, "tiny.gguf")), models, progress=False, log=lambda m: None)
    assert path == models / "tiny.gguf" and path.read_bytes() == DATA
    assert not (models / "tiny.gguf.part").exists()
    assert server.requests == [("/tiny.gguf", None)]


def test_resume_requests_only_the_remaining_bytes(server, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    (models / "tiny.gguf.part").write_bytes(DATA[:100_000])
    path = fetch_model(make_entry(publish(server, "tiny.gguf")), models, progress=False, log=lambda m: None)
    assert path.read_bytes() == DATA
    assert server.requests == [("/tiny.gguf", "bytes=100000-")]
    assert server.sent == len(DATA) - 100_000


def test_server_ignoring_range_restarts_from_zero(server, tmp_path):
    server.ignore_range = True
    models = tmp_path / "models"
    models.mkdir()
    (models / "tiny.gguf.part").write_bytes(b"junk" * 100)
    path = fetch_model(make_entry(publish(server, "tiny.gguf")), models, progress=False, log=lambda m: None)
    assert path.read_bytes() == DATA and server.sent == len(DATA)


def test_checksum_mismatch_deletes_the_part_and_installs_nothing(server, tmp_path):
    models = tmp_path / "models"
    bad = make_entry(publish(server, "tiny.gguf"), sha256="f" * 64)
    with pytest.raises(FetchError) as err:
        fetch_model(bad, models, progress=False, log=lambda m: None)
    message = str(err.value)
    assert "tiny.gguf: sha256 mismatch" in message and "f" * 64 in message and sha(DATA) in message
    assert not (models / "tiny.gguf").exists() and not (models / "tiny.gguf.part").exists()


def test_existing_good_file_is_kept_and_a_bad_one_is_not_overwritten(server, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    target = models / "tiny.gguf"
    target.write_bytes(DATA)
    before = target.stat()
    messages = []
    fetch_model(make_entry(publish(server, "tiny.gguf")), models, progress=False, log=messages.append)
    assert server.requests == [] and "already present and verified" in messages[-1]
    assert target.stat().st_mtime_ns == before.st_mtime_ns and target.stat().st_ino == before.st_ino
    target.write_bytes(b"x" * len(DATA))
    with pytest.raises(FetchError, match="already exists but has sha256"):
        fetch_model(make_entry(publish(server, "tiny.gguf")), models, progress=False, log=lambda m: None)
    assert target.read_bytes() == b"x" * len(DATA)


def test_without_size_or_checksum_a_stale_part_restarts_and_a_warning_is_given(server, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    (models / "tiny.gguf.part").write_bytes(b"z" * (len(DATA) + 10))  # server answers 416
    loose = make_entry(publish(server, "tiny.gguf"), size_exact=False, sha256=None, sha256_note="none published")
    messages = []
    path = fetch_model(loose, models, progress=False, log=messages.append)
    assert path.read_bytes() == DATA
    assert server.requests == [("/tiny.gguf", f"bytes={len(DATA) + 10}-"), ("/tiny.gguf", None)]
    assert any("WARNING no published sha256" in m and sha(DATA) in m for m in messages)


def test_http_error_names_the_url_and_leaves_no_empty_part(server, tmp_path):
    models = tmp_path / "models"
    with pytest.raises(FetchError, match=r"/absent\.gguf: HTTP 404"):
        fetch_model(make_entry(f"{server.base}/absent.gguf"), models, progress=False, log=lambda m: None)
    assert list(models.iterdir()) == []


def test_a_second_concurrent_fetch_of_the_same_file_is_refused(server, tmp_path):
    fcntl = pytest.importorskip("fcntl")
    models = tmp_path / "models"
    models.mkdir()
    with open(models / "tiny.gguf.part", "ab") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(FetchError, match="another fetch of this file is running"):
            fetch_model(make_entry(publish(server, "tiny.gguf")), models, progress=False, log=lambda m: None)
    assert server.requests == []


def test_file_url_source_and_resume(tmp_path):
    source = tmp_path / "src" / "tiny.gguf"
    source.parent.mkdir()
    source.write_bytes(DATA)
    models = tmp_path / "models"
    models.mkdir()
    (models / "tiny.gguf.part").write_bytes(DATA[:5000])
    path = fetch_model(make_entry(source.as_uri()), models, progress=False, log=lambda m: None)
    assert path.read_bytes() == DATA


def test_zip_is_unpacked_into_its_folder_atomically(server, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("vosk-model-test/am/final.mdl", b"acoustic")
        zf.writestr("vosk-model-test/conf/model.conf", b"--conf")
    archive = buf.getvalue()
    url = publish(server, "vosk-model-test.zip", archive)
    stt = make_entry(url, archive, kind="stt", engine="vosk", file="vosk-model-test", ram_mb=None, context_max=None)
    models = tmp_path / "models"
    path = fetch_model(stt, models, progress=False, log=lambda m: None)
    assert (path / "am" / "final.mdl").read_bytes() == b"acoustic"
    assert sorted(p.name for p in models.iterdir()) == ["vosk-model-test"]  # no .part, no temp folder


def test_mirror_serves_the_basename_and_piper_config_is_fetched(server, tmp_path, monkeypatch):
    config = b'{"audio": {"sample_rate": 22050}}'
    publish(server, "v.onnx", DATA)
    publish(server, "v.onnx.json", config)
    monkeypatch.setenv(MIRROR_ENV, server.base + "/")
    voice = make_entry("https://huggingface.invalid/a/b/v.onnx", kind="tts", engine="piper",
                       config_url="https://huggingface.invalid/a/b/v.onnx.json", config_sha256=sha(config),
                       config_size_bytes=len(config), ram_mb=None, context_max=None)
    path = fetch_model(voice, tmp_path / "models", progress=False, log=lambda m: None)
    assert path.read_bytes() == DATA and path.with_name("v.onnx.json").read_bytes() == config
    assert [r[0] for r in server.requests] == ["/v.onnx", "/v.onnx.json"]


def test_verify_reports_ok_bad_partial_and_missing(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    entries = [make_entry(f"https://x.invalid/{n}.gguf", name=n) for n in ("good", "bad", "part", "gone")]
    (models / "good.gguf").write_bytes(DATA)
    (models / "bad.gguf").write_bytes(b"y" * len(DATA))
    (models / "part.gguf.part").write_bytes(DATA[:10])
    statuses = {name: status for name, status, _ in verify_models(Catalog(tuple(entries)), models)}
    assert statuses == {"good": "ok", "bad": "bad", "part": "partial", "gone": "missing"}


def _fetch_in_subprocess(models: Path, catalog: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "assistant.models.fetch", "tiny", "--catalog", str(catalog),
           "--dir", str(models), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop(MIRROR_ENV, None)
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_killed_fetch_leaves_only_a_part_and_a_rerun_resumes(server, tmp_path):
    url = publish(server, "tiny.gguf")
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        "models:\n  - {name: tiny, kind: llm, engine: llama, license: MIT, description: synthetic,\n"
        f"     source: {{url: '{url}'}}, file: tiny.gguf, size_bytes: {len(DATA)},\n"
        f"     sha256: {sha(DATA)}, ram_mb: 1, context_max: 256}}\n")
    models = tmp_path / "models"
    part, final = models / "tiny.gguf.part", models / "tiny.gguf"
    server.chunk, server.delay = 4096, 0.01  # about 0.6 s for the whole file
    proc = _fetch_in_subprocess(models, catalog)
    deadline = time.monotonic() + 5
    while not (part.exists() and part.stat().st_size >= 16384) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, f"fetch ended before it could be killed: {proc.stderr.read().decode()}"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=5)
    have = part.stat().st_size
    assert 0 < have < len(DATA) and not final.exists()

    server.delay, server.requests = 0.0, []
    proc = _fetch_in_subprocess(models, catalog)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err.decode()
    assert final.read_bytes() == DATA and not part.exists()
    assert server.requests == [("/tiny.gguf", f"bytes={have}-")]
