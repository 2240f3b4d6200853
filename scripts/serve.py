"""Serve the app with several Streamlit processes behind one port: the way to use more than one
core. Run: ``python scripts/serve.py --workers 2 [--port 8501] [--address 0.0.0.0]``.

One Streamlit process runs every session's script under one interpreter lock, so it uses one
core however many planners are connected (bench/wsload.py measured 1.02 cores at full load on a
2-core machine). Here ``--workers`` processes run on loopback ports and a small proxy spreads
the browsers over them. A browser must keep talking to the process that holds its session (the
websocket, and the uploads and downloads of that session), so the proxy sends every connection
from one client address to the same worker: a new address goes to the worker with the fewest
addresses, as nginx's ``ip_hash`` would keep them apart. Everything the workers share is on
disk and safe for several processes: plans and accounts in SQLite (WAL), uploads and the map's
published files written atomically under names of their content.

It takes Streamlit's own spelling of the address too (``--server.port N``, ``--server.port=N``,
``--server.address A``), as ``YLT_WORKERS=2 bash scripts/run_app.sh --server.port 8600`` passes
them: those are the proxy's. Every other argument (``--server.maxUploadSize 300``, ...) goes to
each worker's ``streamlit run``; ``--server.headless`` is dropped (the workers always are).

Behind another reverse proxy (which makes every client one address), let that proxy balance
with sticky sessions instead (docs/RELIABILITY.md). Python's asyncio does the copying: no
dependency, and the bytes pass unread.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Balancer:
    """Which worker a client address goes to: the same one every time, new addresses to the
    worker with the fewest (a worker that stops answering loses its addresses)."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = list(ports)
        self.clients: dict[str, int] = {}

    def worker(self, client: str) -> int:
        if client not in self.clients:
            load = {port: 0 for port in self.ports}
            for port in self.clients.values():
                load[port] = load.get(port, 0) + 1
            self.clients[client] = min(self.ports, key=lambda p: (load[p], self.ports.index(p)))
        return self.clients[client]

    def failed(self, client: str, port: int) -> None:
        """``port`` did not answer: its clients go elsewhere (their sessions start anew)."""
        if len(self.ports) > 1 and port in self.ports:
            self.ports.remove(port)
            self.clients = {c: p for c, p in self.clients.items() if p != port}
        self.clients.pop(client, None)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def proxy(balancer: Balancer, host: str, port: int, ready: asyncio.Event | None = None) -> None:
    """Accept connections on ``host:port`` and pass each to its client's worker."""

    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        client = client_writer.get_extra_info("peername")[0]
        for _ in range(len(balancer.ports)):
            target = balancer.worker(client)
            try:
                worker_reader, worker_writer = await asyncio.open_connection("127.0.0.1", target)
                break
            except OSError:
                balancer.failed(client, target)
        else:
            client_writer.close()
            return
        await asyncio.gather(_pipe(client_reader, worker_writer), _pipe(worker_reader, client_writer))

    server = await asyncio.start_server(handle, host, port, reuse_address=True)
    if ready is not None:
        ready.set()
    async with server:
        await server.serve_forever()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str, proc: subprocess.Popen | None = None, seconds: float = 120) -> bool:
    """Whether the Streamlit server at ``url`` answers its health check within ``seconds`` (False
    at once when ``proc``, the server's process, has ended)."""
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


def start_workers(count: int, extra: list[str]) -> tuple[list[subprocess.Popen], list[int]]:
    """``count`` Streamlit processes on free loopback ports, once each answers its health check."""
    ports = [_free_port() for _ in range(count)]
    procs = [subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(p),
                               "--server.address", "127.0.0.1", "--server.headless", "true", *extra], cwd=ROOT)
             for p in ports]
    for proc, port in zip(procs, ports):
        if not healthy(f"http://127.0.0.1:{port}", proc):
            stop(procs)
            raise SystemExit(f"worker on port {port} did not start")
    return procs, ports


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)


def parse_args(argv: list[str] | None = None) -> tuple[argparse.Namespace, list[str]]:
    """The proxy's own arguments, and the rest for each worker's ``streamlit run``."""
    # no abbreviations: a Streamlit option must never be taken for a shortened one of ours
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="Streamlit processes (default: one per core)")
    parser.add_argument("--port", "--server.port", dest="port", type=int, default=8501, help="where browsers connect (default 8501)")
    parser.add_argument("--address", "--server.address", dest="address", default="0.0.0.0",
                        help="the interface browsers connect on (default: every interface)")
    parser.add_argument("--server.headless", dest="headless", help="ignored: the workers are always headless")
    return parser.parse_known_args(argv)  # anything else goes to each `streamlit run`


def main(argv: list[str] | None = None) -> None:
    args, extra = parse_args(argv)
    procs, ports = start_workers(max(1, args.workers), extra)
    print(f"医联体网格化布局规划: http://{args.address}:{args.port} ({len(ports)} workers)", flush=True)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop the workers on SIGTERM too
    try:
        asyncio.run(proxy(Balancer(ports), args.address, args.port))
    except KeyboardInterrupt:
        pass
    finally:
        stop(procs)


if __name__ == "__main__":
    main()
