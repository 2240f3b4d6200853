"""Running the app for the browser tests: a server on a free loopback port and Debian's chromium
driven by Playwright. The fixtures (``server``, ``browser``, ``page``) are in ``conftest.py``."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))  # serve.healthy
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
MAP = 'iframe[title="streamlit_folium.st_folium"]'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(folder: Path, *, port: int | None = None, args: tuple[str, ...] = (), script: Path | None = None):
    """``streamlit run app.py`` (or ``script``) on a free loopback port (or ``port``), its data
    under ``folder``; ``args`` go to ``streamlit run``."""
    from serve import healthy

    port = port or _free_port()
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
