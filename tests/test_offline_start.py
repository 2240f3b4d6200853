"""The offline promise at start (issue 16): started as the README says, nothing connects off the
machine. Streamlit looks up the machine's public address (checkip.amazonaws.com) when it listens
on every interface and headless; the tests that pass ``--server.address 127.0.0.1`` never saw
it. Here the app starts as ``scripts/run_app.sh`` starts it (its last command, with the same
arguments: setup is left out) and, apart, as ``streamlit run app.py`` bare, each under
``strace -f -e trace=connect``; any connection to an address that is not loopback fails."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from browsing import free_port, healthy
from conftest import ROOT

pytestmark = [
              pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")]

ADDRESS = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"')


def _run_app_command() -> list[str]:
    """The command scripts/run_app.sh ends with, as it would run it (YLT_WORKERS unset)."""
    last = [line for line in (ROOT / "scripts" / "run_app.sh").read_text().splitlines() if line.startswith("exec ")][-1]
    assert last == 'exec .venv/bin/python scripts/serve.py --workers "${YLT_WORKERS:-1}" "$@"', last
    return [sys.executable, "scripts/serve.py", "--workers", "1"]


def _off_machine(command: list[str], port: int, tmp_path) -> list[str]:
    trace = tmp_path / "connect.trace"
    proc = subprocess.Popen(["strace", "-f", "-q", "-e", "trace=connect", "-o", str(trace), *command],
                            cwd=ROOT, env={**os.environ, "YLT_DATA_DIR": str(tmp_path / "data")},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert healthy(f"http://127.0.0.1:{port}", proc, seconds=180), "the app did not start"
        time.sleep(3)  # Streamlit prints its addresses (and used to look one up) just after it answers
    finally:  # strace passes no signal on: the traced command is asked to stop, and strace ends with it
        for child in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split():
            os.kill(int(child), signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    text = trace.read_text()
    assert "SIGTERM" in text, "strace did not follow the app: the trace is not working"
    seen = [a or b for a, b in ADDRESS.findall(text)]
    return sorted({a for a in seen if not (a.startswith("127.") or a in ("::1", "::ffff:127.0.0.1"))})


def test_started_as_the_readme_says_nothing_connects_off_the_machine(tmp_path):
    port = free_port()
    assert _off_machine([*_run_app_command(), "--server.port", str(port)], port, tmp_path) == []


def test_bare_streamlit_run_does_not_look_up_the_public_address_either(tmp_path):
    """``streamlit run app.py`` without an address (every interface, headless from config.toml):
    ``browser.serverAddress`` in .streamlit/config.toml keeps Streamlit from asking
    checkip.amazonaws.com (or connecting a socket to 8.8.8.8 for the network address)."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    assert _off_machine(command, port, tmp_path) == []
