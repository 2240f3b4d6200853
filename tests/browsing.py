"""Running the app for the tests: a server on a free loopback port, its health check, and Debian's
chromium driven by Playwright. The one place for these helpers: tests import them from here (not
from ``bench/`` or ``scripts/``). The fixtures (``server``, ``browser``, ``page``) are in
``conftest.py``. The project is installed (``pip install -e .``), so the tests import it as is."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
MAP = 'iframe[title="streamlit_folium.st_folium"]'


def free_port() -> int:
    """A loopback port that nothing listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str, proc: subprocess.Popen | None = None, seconds: float = 120) -> bool:
    """Whether the Streamlit server at ``url`` answers its health check within ``seconds`` (False
    at once when ``proc``, the server's process, has ended). scripts/serve.py, which must run
    without the tests, keeps its own copy for its workers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            return True
        except OSError:
            if proc is not None and proc.poll() is not None:
                return False
            time.sleep(0.2)
    return False


@contextlib.contextmanager
def running_app(folder: Path, *, port: int | None = None, args: tuple[str, ...] = (), script: Path | None = None):
    """``streamlit run app.py`` (or ``script``) on a free loopback port (or ``port``), its data
    under ``folder``; ``args`` go to ``streamlit run``."""
    port = port or free_port()
    env = {**os.environ, "YLT_DATA_DIR": str(folder / "data")}
    started = time.monotonic()
    with open(folder / "streamlit.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script or "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", *args],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            if not healthy(url, proc, seconds=60):
                raise RuntimeError("streamlit did not start: " + (folder / "streamlit.log").read_text(errors="replace"))
            yield {"url": url, "started": started, "data": folder / "data"}
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def settle(pg, seconds: float = 120, pause_ms: int = 1500) -> None:
    """Wait until the page's script has run (Streamlit's running indicator, its spinners and the
    last run's faded elements gone), then ``pause_ms`` for the charts and maps to draw."""
    deadline = time.monotonic() + seconds
    pg.wait_for_timeout(500)
    busy = '[data-testid="stStatusWidget"], [data-testid="stSpinner"], [data-stale="true"]'
    while time.monotonic() < deadline and pg.locator(busy).count():
        pg.wait_for_timeout(250)
    pg.wait_for_timeout(pause_ms)
