"""scripts/serve.py: several Streamlit workers behind one port, each client kept on one worker."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from serve import Balancer, _free_port, proxy  # noqa: E402


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
        dead = _free_port()  # nothing listens there
        balancer = Balancer([dead, port_a, port_b])
        ready, port = asyncio.Event(), _free_port()
        task = asyncio.create_task(proxy(balancer, "127.0.0.1", port, ready))
        await ready.wait()

        async def ask(source: str) -> bytes:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
            writer.write(b"hello")
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
    assert all(answer.endswith(b":hello") for answer in answers)
    assert answers[0] == answers[2] and answers[0] != answers[1]  # sticky; spread
    assert len(balancer.ports) == 2  # the dead worker was dropped


def test_serve_starts_workers_answers_through_one_port_and_stops_them(tmp_path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "scripts/serve.py", "--workers", "2", "--port", str(port), "--address", "127.0.0.1"],
                            cwd=ROOT, env={**os.environ, "YLT_DATA_DIR": str(tmp_path / "data")},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(600):
            try:
                health = urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        assert health == b"ok"
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read().decode()
        assert "<noscript>" in page or "streamlit" in page.lower()
        workers = [int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
        assert len(workers) == 2
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "2 workers" in out
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)  # the workers stopped (and were waited for)
