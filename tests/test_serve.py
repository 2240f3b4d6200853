"""scripts/serve.py: several Streamlit workers behind one port, each client kept on one worker."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from browsing import free_port, healthy
from conftest import ROOT


def _script(name: str):
    """A module of scripts/ (not a package), loaded from its file."""
    spec = importlib.util.spec_from_file_location(f"scripts_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


serve = _script("serve")
Balancer, proxy, parse_args = serve.Balancer, serve.proxy, serve.parse_args


def test_a_client_stays_on_its_worker_and_new_clients_spread():
    balancer = Balancer([1001, 1002])
    first = [balancer.worker(f"10.0.0.{n}") for n in range(6)]
    assert sorted(first) == [1001] * 3 + [1002] * 3  # the fewest clients first
    assert [balancer.worker(f"10.0.0.{n}") for n in range(6)] == first  # and then always the same
    balancer.failed("10.0.0.0", 1001)
    assert balancer.ports == [1002] and {balancer.worker(f"10.0.0.{n}") for n in range(6)} == {1002}
    balancer.failed("10.0.0.1", 1002)
    assert balancer.ports == [1002]  # the last worker is never given up


def test_the_proxy_passes_bytes_both_ways_and_skips_a_dead_worker():
    async def scenario():
        async def worker(name: bytes):
            async def answer(reader, writer):
                data = await reader.read(100)
                writer.write(name + b":" + data)
                await writer.drain()
                writer.close()
            server = await asyncio.start_server(answer, "127.0.0.1", 0)
            return server, server.sockets[0].getsockname()[1]

        (a, port_a), (b, port_b) = await worker(b"A"), await worker(b"B")
        dead = free_port()  # nothing listens there
        balancer = Balancer([dead, port_a, port_b])
        ready, port = asyncio.Event(), free_port()
        task = asyncio.create_task(proxy(balancer, "127.0.0.1", port, ready))
        await ready.wait()

        async def ask(source: str) -> bytes:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
            writer.write(b"GET /hello HTTP/1.1\r\n\r\n")  # the proxy reads request heads
            await writer.drain()
            answer = await reader.read(100)
            writer.close()
            return answer

        answers = [await ask(source) for source in ("127.0.0.2", "127.0.0.3", "127.0.0.2", "127.0.0.4")]
        task.cancel()
        a.close()
        b.close()
        return answers, balancer

    answers, balancer = asyncio.run(scenario())
    assert all(answer.endswith(b":GET /hello HTTP/1.1\r\n\r\n") for answer in answers)
    assert answers[0] == answers[2] and answers[0] != answers[1]  # sticky; spread
    assert len(balancer.ports) == 2  # the dead worker was dropped


def test_streamlit_style_address_arguments_are_the_proxys_and_the_rest_go_to_the_workers():
    """``YLT_WORKERS=2 bash scripts/run_app.sh --server.port 8600`` hands serve.py Streamlit's
    spelling: the port and address are the proxy's (a worker given them would fight over one port)."""
    args, extra = parse_args(["--workers", "2", "--server.port", "8600", "--server.address=127.0.0.1",
                              "--server.headless", "true", "--server.maxUploadSize", "300",
                              "--server.fileWatcherType=none"])
    assert (args.workers, args.port, args.address) == (2, 8600, "127.0.0.1")
    assert extra == ["--server.maxUploadSize", "300", "--server.fileWatcherType=none"]
    assert parse_args(["--server.port=8601"])[0].port == 8601
    args, extra = parse_args(["--port", "8602", "--address", "::1"])
    assert (args.port, args.address, extra) == (8602, "::1", [])
    args, extra = parse_args([])
    assert (args.port, args.address, extra) == (8501, "127.0.0.1", [])  # loopback unless told
    # no abbreviations: an option that begins like one of ours is passed on, not taken for it
    assert parse_args(["--server.addr", "x", "--work", "3"])[1] == ["--server.addr", "x", "--work", "3"]


@pytest.mark.browser  # a real server (no chromium, but the same cost)
def test_serve_starts_workers_answers_through_one_port_and_stops_them(tmp_path):
    port = free_port()
    # as scripts/run_app.sh passes them: Streamlit's spelling of port and address, and a worker option
    proc = subprocess.Popen([sys.executable, "scripts/serve.py", "--workers", "2", "--server.port", str(port),
                             "--server.address=127.0.0.1", "--server.headless", "true", "--server.maxUploadSize", "300"],
                            cwd=ROOT, env={**os.environ, "YLT_DATA_DIR": str(tmp_path / "data")},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    workers: list[int] = []
    try:
        assert healthy(f"http://127.0.0.1:{port}", proc, seconds=180), "serve.py did not answer on its port"
        health = urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=10).read()
        assert health == b"ok"
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read().decode()
        assert "<noscript>" in page or "streamlit" in page.lower()
        workers = [int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
        assert len(workers) == 2
        for pid in workers:  # each on its own loopback port, with the option meant for the workers
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
            assert argv.count("--server.port") == 1 and argv[argv.index("--server.port") + 1] != str(port)
            assert argv[argv.index("--server.maxUploadSize") + 1] == "300"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "2 workers" in out
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)  # the workers stopped (and were waited for)
