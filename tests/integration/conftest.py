"""Servers shared by the integration tests: started once per session, on 127.0.0.1 only."""

from __future__ import annotations

import pytest
from support.wyoming import assistant_serve, loopback_uri, running


@pytest.fixture(scope="session")
def wyoming_server(tmp_path_factory):
    """`assistant serve` with the shipped models (whisper tiny.en, piper Joe, the default
    wake word): its URI."""
    uri = loopback_uri()
    log = tmp_path_factory.mktemp("wyoming") / "serve.log"
    with running(assistant_serve(uri, log), uri, log):
        yield uri
