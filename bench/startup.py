"""How long the app takes to open on the default, against an empty Streamlit app in the same run.

    .venv/bin/python bench/startup.py [--runs 3]

For each app: start ``streamlit run`` on a free loopback port, open it in headless chromium
(network blocked but for the server) and time until the page is usable: for the planner, until
the 16 districts and 234 units are drawn on the map; for the baseline, until its one line of text
shows. Also times ``load_default()`` in this process. Prints medians and the ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
MAP = 'iframe[title="streamlit_folium.st_folium"]'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(script: Path, data_dir: str):
    """``streamlit run script`` on a free loopback port with its data in ``data_dir``; yields the
    URL once the server answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=ROOT, env={**os.environ, "YLT_DATA_DIR": data_dir},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def offline_page(browser, url: str, viewport: dict):
    """A page that may only talk to the server at ``url`` (and its websocket)."""
    context = browser.new_context(viewport=viewport)
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith((url, "ws://127.0.0.1", "data:"))
                  else r.abort())
    return context.new_page()


def open_app(browser, script: Path, ready) -> float:
    t0 = time.perf_counter()
    with serving(script, tempfile.mkdtemp()) as url:
        page = offline_page(browser, url, {"width": 1400, "height": 1000})
        page.goto(url)
        ready(page)
        elapsed = time.perf_counter() - t0
        page.context.close()
        return elapsed


def planner_ready(page) -> None:
    frame = page.frame_locator(MAP)
    while frame.locator("path.leaflet-interactive").count() < 16 + 234:
        page.wait_for_timeout(50)


def baseline_ready(page) -> None:
    page.get_by_text("baseline ready").wait_for(timeout=60_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    baseline = Path(tempfile.mkdtemp()) / "baseline.py"
    baseline.write_text('import streamlit as st\nst.write("baseline ready")\n', encoding="utf-8")
    t0 = time.perf_counter()
    from geodata.default import load_default

    load_default()
    load_s = time.perf_counter() - t0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        base = [open_app(browser, baseline, baseline_ready) for _ in range(args.runs)]
        ours = [open_app(browser, ROOT / "app.py", planner_ready) for _ in range(args.runs)]
        browser.close()
    b, o = statistics.median(base), statistics.median(ours)
    print(f"load_default() in-process (imports included): {load_s:.2f} s")
    print(f"empty Streamlit app, start to text shown   : median {b:.2f} s  runs {', '.join(f'{x:.2f}' for x in base)}")
    print(f"planner, start to 250 shapes on the map     : median {o:.2f} s  runs {', '.join(f'{x:.2f}' for x in ours)}")
    print(f"ratio planner / empty app                   : {o / b:.2f}")


if __name__ == "__main__":
    main()
