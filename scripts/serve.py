"""Serve the app: Streamlit worker processes behind one port, with the upload rules no Streamlit
option gives. Run: ``python scripts/serve.py [--workers 2] [--port 8501] [--address 127.0.0.1]``;
``bash scripts/run_app.sh`` always starts the app this way (one worker unless ``YLT_WORKERS``).

One Streamlit process runs every session's script under one interpreter lock, so it uses one
core however many planners are connected (bench/wsload.py measured 1.02 cores at full load on a
2-core machine). Here ``--workers`` processes run on loopback ports and a small proxy spreads
the browsers over them. A browser must keep talking to the process that holds its session (the
websocket, and the uploads and downloads of that session), so the proxy sends every connection
from one client address to the same worker: a new address goes to the worker with the fewest
addresses, as nginx's ``ip_hash`` would keep them apart. Everything the workers share is on
disk and safe for several processes: plans and accounts in SQLite (WAL), uploads and the map's
published files written atomically under names of their content.

The proxy reads each request's head (never a body) and refuses, before any byte reaches a worker
(docs/RELIABILITY.md, "Resource bounds"):

- an upload (``/_stcore/upload_file/...``) from a browser that is not signed in as someone who may
  import (with access control on: the ``ylt_session`` cookie of a local account, or Streamlit's
  signed ``_streamlit_user`` cookie of an OpenID Connect sign-in);
- a request body over ``--max-upload-mb`` (default: ``server.maxUploadSize`` of
  ``.streamlit/config.toml`` or of the arguments, plus 1 MB of multipart framing), and a body
  without a length (chunked);
- a session's upload past ``--max-session-files`` files or ``--max-session-mb`` held.

It listens on loopback (127.0.0.1) unless told otherwise (``--server.address 0.0.0.0`` for a
shared server). A worker that dies is restarted and the restart logged; when every worker is dead
and none can be restarted, it says so and exits with code 1.

It takes Streamlit's own spelling of the address too (``--server.port N``, ``--server.port=N``,
``--server.address A``), as ``bash scripts/run_app.sh --server.port 8600`` passes them: those are
the proxy's. Every other argument (``--server.maxUploadSize 300``, ...) goes to each worker's
``streamlit run``; ``--server.headless`` is dropped (the workers always are). The workers listen
on 127.0.0.1, so Streamlit never looks up the machine's public address (the offline promise).

Behind another reverse proxy (which makes every client one address), let that proxy balance
with sticky sessions instead, and apply the same upload rules there (docs/RELIABILITY.md has an
nginx example). Python's asyncio does the copying: no dependency.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.parse
import urllib.request
from typing import NamedTuple
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the project's modules (geodata.accounts)
    sys.path.insert(0, str(ROOT))

HEAD_LIMIT = 64 * 1024            # a request's head (line and headers): more is refused (431)
FRAMING = 1024 * 1024              # multipart framing around a file, as Streamlit allows it
UPLOAD = re.compile(r"/_stcore/upload_file/([^/]+)/([^/]+)/?$")
SESSIONS_KEPT = 10_000             # sessions whose uploads are counted (the oldest are forgotten)
SESSION_IDLE = 3600.0              # a session without uploads for an hour is forgotten
RESTARTS = 5                       # a worker restarted more often than this in RESTART_WINDOW is given up
RESTART_WINDOW = 300.0


def log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} serve.py: {message}", file=sys.stderr, flush=True)


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
            self.drop(port)
        self.clients.pop(client, None)

    def drop(self, port: int) -> None:
        """A worker that died: no client goes there until it is back (``revive``)."""
        if port in self.ports:
            self.ports.remove(port)
        self.clients = {c: p for c, p in self.clients.items() if p != port}

    def revive(self, port: int) -> None:
        if port not in self.ports:
            self.ports.append(port)


# --- the upload rules ---------------------------------------------------------------------------
class UploadLimits(NamedTuple):
    body_bytes: int = 100 * 1024 * 1024 + FRAMING   # one request's body
    session_files: int = 60                          # files a session holds (a package has at most 50)
    session_bytes: int = 400 * 1024 * 1024           # bytes a session holds (a package is at most 200 MB)


def _cookies(header: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in out:
            out[name] = value.strip().strip('"')
    return out


def _secrets() -> dict:
    """``[auth]`` of Streamlit's secrets.toml (the project's, else the user's), or {}."""
    for path in (ROOT / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"):
        with contextlib.suppress(OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            return dict(tomllib.loads(path.read_text(encoding="utf-8")).get("auth") or {})
    return {}


def _oidc_claims(cookies: dict[str, str]) -> dict:
    """The claims of Streamlit's signed ``_streamlit_user`` cookie (split in chunks when long),
    checked with ``[auth] cookie_secret``; {} when it is missing, forged or expired."""
    import json

    from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value

    secret = _secrets().get("cookie_secret")
    if not secret:
        return {}

    def one(name: str) -> bytes | None:
        value = cookies.get(name)
        return None if value is None else decode_signed_value(secret, name, value.encode("latin-1"))

    value = one("_streamlit_user")
    if value is None:
        return {}
    with contextlib.suppress(ValueError):  # chunked: "_streamlit_user" holds the count
        if value.isdigit():
            parts = [one(f"_streamlit_user__{n}") for n in range(1, int(value) + 1)]
            if any(p is None for p in parts):
                return {}
            value = b"".join(parts)
    try:
        claims = json.loads(value.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    return claims if isinstance(claims, dict) and claims.get("is_logged_in") else {}


def may_upload(cookies: dict[str, str]) -> bool:
    """Whether the browser with these cookies may upload: anyone with access control off; with it
    on, a signed-in account whose role may import (planner, administrator). A broken access
    setting or an unreadable accounts database refuses (as the app does)."""
    from geodata.accounts import AccountStore, can, read_config
    from geodata.store import data_dir

    try:
        config = read_config(data_dir() / "access.toml")
        if config.mode == "off":
            return True
        if config.mode == "local":
            path = data_dir() / "accounts.sqlite"
            account = AccountStore(path).session(cookies.get("ylt_session", "")) if path.exists() else None
            return account is not None and can(account.role, "import")
        claims = _oidc_claims(cookies)
        name = config.identity_of(claims) if claims else ""
        return bool(name) and can(config.role_of(name), "import")
    except Exception as exc:  # noqa: BLE001 - refuse, say why, keep serving
        log(f"upload refused: the sign-in could not be checked ({type(exc).__name__}: {exc})")
        return False


class UploadGuard:
    """The upload rules of the proxy: a signed-in role that may import, one body at most
    ``body_bytes``, and per Streamlit session at most ``session_files`` files and
    ``session_bytes`` held (an upload counts until its DELETE; a session idle for an hour, or
    beyond the 10,000 most recent, is forgotten)."""

    def __init__(self, limits: UploadLimits = UploadLimits(), allowed=may_upload) -> None:
        self.limits, self.allowed = limits, allowed
        self.sessions: collections.OrderedDict[str, tuple[float, dict[str, int]]] = collections.OrderedDict()

    def _held(self, session: str) -> dict[str, int]:
        now = time.monotonic()
        while self.sessions:  # forget idle sessions (oldest first)
            oldest, (seen, _) = next(iter(self.sessions.items()))
            if now - seen < SESSION_IDLE and len(self.sessions) <= SESSIONS_KEPT:
                break
            self.sessions.pop(oldest)
        files = self.sessions.pop(session, (now, {}))[1]
        self.sessions[session] = (now, files)
        return files

    async def check(self, method: str, path: str, length: int, cookies: dict[str, str]) -> tuple[int, str] | None:
        """None when the request may pass; else (HTTP status, reason)."""
        if length > self.limits.body_bytes:
            return 413, f"request body over {self.limits.body_bytes // (1024 * 1024)} MB"
        match = UPLOAD.search(path)
        if match is None or method in ("GET", "HEAD", "OPTIONS"):
            return None
        session, file_id = match.groups()
        if method == "DELETE":
            self._held(session).pop(file_id, None)
            return None
        if not await asyncio.to_thread(self.allowed, cookies):
            return 403, "sign in as a planner or administrator to upload"
        files = self._held(session)
        others = {f: n for f, n in files.items() if f != file_id}
        if len(others) >= self.limits.session_files:
            return 429, f"a session holds at most {self.limits.session_files} uploaded files"
        if sum(others.values()) + length > self.limits.session_bytes:
            return 429, f"a session holds at most {self.limits.session_bytes // (1024 * 1024)} MB of uploads"
        files[file_id] = length
        return None


def _refusal(status: int, reason: str) -> bytes:
    phrases = {400: "Bad Request", 403: "Forbidden", 411: "Length Required", 413: "Content Too Large",
               429: "Too Many Requests", 431: "Request Header Fields Too Large"}
    body = f"{status} {phrases.get(status, 'Refused')}: {reason}\n".encode()
    return (f"HTTP/1.1 {status} {phrases.get(status, 'Refused')}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


def parse_head(head: bytes) -> tuple[str, str, dict[str, str]] | None:
    """(method, decoded path, headers with lower-case names) of a request head; None if malformed.
    The path is percent-decoded as the worker routes it, so ``upload%5Ffile`` is an upload too."""
    try:
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ")
    except ValueError:
        return None
    if not version.startswith("HTTP/1."):
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or name != name.strip():
            return None
        name = name.lower()
        headers[name] = f"{headers[name]}; {value.strip()}" if name == "cookie" and name in headers else value.strip()
    path = urllib.parse.unquote(urllib.parse.urlsplit(target).path)
    return method.upper(), path, headers


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, watch=None) -> None:
    try:
        while data := await reader.read(65536):
            if watch is not None:
                watch(data)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, length: int) -> bool:
    """Pass exactly ``length`` bytes on, a piece at a time (a body is never held whole)."""
    while length > 0:
        data = await reader.read(min(length, 65536))
        if not data:
            return False
        writer.write(data)
        await writer.drain()
        length -= len(data)
    return True


class _Answers:
    """The worker's side of one connection: tells the proxy whether the answer to a websocket
    upgrade was ``101 Switching Protocols`` (only then do the bytes pass unread)."""

    def __init__(self) -> None:
        self.waiting: asyncio.Future | None = None
        self.start = b""

    def expect(self) -> asyncio.Future:
        self.waiting, self.start = asyncio.get_running_loop().create_future(), b""
        return self.waiting

    def __call__(self, data: bytes) -> None:
        if self.waiting is None or self.waiting.done():
            return
        self.start += data[:16]
        if len(self.start) >= 12:
            self.waiting.set_result(self.start.startswith(b"HTTP/1.1 101"))

    def ended(self) -> None:
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_result(False)


async def _requests(client: asyncio.StreamReader, client_writer: asyncio.StreamWriter, worker: asyncio.StreamWriter,
                    guard: UploadGuard, answers: _Answers) -> None:
    """Each request of the connection, head checked, then passed on; a refusal answers and closes."""
    while True:
        try:
            head = await client.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            client_writer.write(_refusal(431, "request head too long"))
            return
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            return
        request = parse_head(head)
        if request is None:
            client_writer.write(_refusal(400, "malformed request"))
            return
        method, path, headers = request
        if "transfer-encoding" in headers:  # browsers send the length; a body without one is not read
            client_writer.write(_refusal(411, "a request body needs a Content-Length"))
            return
        try:
            length = int(headers.get("content-length", "0"))
            if length < 0:
                raise ValueError
        except ValueError:
            client_writer.write(_refusal(400, "bad Content-Length"))
            return
        refused = await guard.check(method, path, length, _cookies(headers.get("cookie", "")))
        if refused is not None:
            log(f"refused {method} {path[:80]} from {client_writer.get_extra_info('peername')[0]}: {refused[1]}")
            client_writer.write(_refusal(*refused))
            return
        upgrade = headers.get("upgrade", "").lower() == "websocket"
        switched = answers.expect() if upgrade else None
        worker.write(head)
        if not await _copy(client, worker, length):
            return
        if switched is not None:
            # only a worker that switched protocols gets the rest unread; anything else ends here,
            # so no request can ride past the checks behind a refused upgrade
            if await switched:
                await _pipe(client, worker)
            return


async def proxy(balancer: Balancer, host: str, port: int, ready: asyncio.Event | None = None,
                guard: UploadGuard | None = None) -> None:
    """Accept connections on ``host:port`` and pass each to its client's worker, under ``guard``'s
    upload rules."""
    guard = guard or UploadGuard()

    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        client = client_writer.get_extra_info("peername")[0]
        for _ in range(max(1, len(balancer.ports))):
            if not balancer.ports:
                break
            target = balancer.worker(client)
            try:
                worker_reader, worker_writer = await asyncio.open_connection("127.0.0.1", target)
                break
            except OSError:
                balancer.failed(client, target)
        else:
            client_writer.close()
            return
        if not balancer.ports:
            client_writer.close()
            return
        answers = _Answers()

        async def back() -> None:
            await _pipe(worker_reader, client_writer, answers)
            answers.ended()

        backward = asyncio.create_task(back())
        try:
            await _requests(client_reader, client_writer, worker_writer, guard, answers)
            with contextlib.suppress(Exception):
                worker_writer.close()
            with contextlib.suppress(Exception):  # the worker's last answer reaches the client
                await asyncio.wait_for(backward, timeout=30)
                await client_writer.drain()
        finally:  # also when the proxy stops (cancelled): nothing waits
            backward.cancel()
            for writer in (worker_writer, client_writer):
                with contextlib.suppress(Exception):
                    writer.close()

    server = await asyncio.start_server(handle, host, port, reuse_address=True, limit=HEAD_LIMIT)
    if ready is not None:
        ready.set()
    async with server:
        await server.serve_forever()


# --- the workers --------------------------------------------------------------------------------
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


def streamlit_command(port: int, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
            "--server.address", "127.0.0.1", "--server.headless", "true", *extra]


class Workers:
    """The worker processes, one per loopback port; ``supervise`` restarts one that dies (and logs
    it), gives up on one that dies more than ``RESTARTS`` times in ``RESTART_WINDOW`` seconds,
    and returns when none is left."""

    def __init__(self, ports: list[int], command, *, start_seconds: float = 120) -> None:
        self.command, self.start_seconds = command, start_seconds
        self.procs: dict[int, subprocess.Popen] = {}
        self.deaths: dict[int, list[float]] = {port: [] for port in ports}
        self.given_up: set[int] = set()
        for port in ports:
            self.procs[port] = self._spawn(port)

    def _spawn(self, port: int) -> subprocess.Popen:
        return subprocess.Popen(self.command(port), cwd=ROOT)

    def wait_ready(self) -> None:
        for port, proc in self.procs.items():
            if not healthy(f"http://127.0.0.1:{port}", proc, self.start_seconds):
                self.stop()
                raise SystemExit(f"worker on port {port} did not start")

    async def supervise(self, balancer: Balancer, every: float = 1.0) -> None:
        while True:
            for port, proc in list(self.procs.items()):
                if port in self.given_up or proc.poll() is None:
                    continue
                balancer.drop(port)
                now = time.monotonic()
                deaths = [t for t in self.deaths[port] if now - t < RESTART_WINDOW] + [now]
                self.deaths[port] = deaths
                if len(deaths) > RESTARTS:
                    self.given_up.add(port)
                    log(f"worker on port {port} exited (code {proc.returncode}) {len(deaths)} times in "
                        f"{RESTART_WINDOW:.0f} s: not restarted")
                    continue
                log(f"worker on port {port} exited (code {proc.returncode}); restarting it")
                self.procs[port] = new = self._spawn(port)
                if await asyncio.to_thread(healthy, f"http://127.0.0.1:{port}", new, self.start_seconds):
                    balancer.revive(port)
                    log(f"worker on port {port} restarted (pid {new.pid})")
            if len(self.given_up) == len(self.procs):
                log(f"every worker is dead ({len(self.procs)}) and none could be restarted: stopping")
                return
            await asyncio.sleep(every)

    def stop(self) -> None:
        stop(list(self.procs.values()))


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)


def start_workers(count: int, extra: list[str]) -> tuple[list[subprocess.Popen], list[int]]:
    """``count`` Streamlit processes on free loopback ports, once each answers its health check."""
    workers = Workers([_free_port() for _ in range(count)], lambda port: streamlit_command(port, extra))
    workers.wait_ready()
    return list(workers.procs.values()), list(workers.procs)


def upload_mb(extra: list[str]) -> float:
    """``server.maxUploadSize`` (MB) as the workers will have it: from the arguments, else
    ``.streamlit/config.toml``, else Streamlit's default (200)."""
    for i, arg in enumerate(extra):
        value = arg.split("=", 1)[1] if arg.startswith("--server.maxUploadSize=") else (
            extra[i + 1] if arg == "--server.maxUploadSize" and i + 1 < len(extra) else None)
        if value is not None:
            with contextlib.suppress(ValueError):
                return float(value)
    with contextlib.suppress(OSError, tomllib.TOMLDecodeError, ValueError, TypeError):
        return float(tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"]["maxUploadSize"])
    return 200.0


def parse_args(argv: list[str] | None = None) -> tuple[argparse.Namespace, list[str]]:
    """The proxy's own arguments, and the rest for each worker's ``streamlit run``."""
    # no abbreviations: a Streamlit option must never be taken for a shortened one of ours
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="Streamlit processes (default: one per core)")
    parser.add_argument("--port", "--server.port", dest="port", type=int, default=8501, help="where browsers connect (default 8501)")
    parser.add_argument("--address", "--server.address", dest="address", default="127.0.0.1",
                        help="the interface browsers connect on (default 127.0.0.1, this machine only; "
                             "0.0.0.0 for every interface)")
    parser.add_argument("--server.headless", dest="headless", help="ignored: the workers are always headless")
    parser.add_argument("--max-upload-mb", type=float, default=None,
                        help="largest request body in MB (default: server.maxUploadSize, plus 1 MB of framing)")
    parser.add_argument("--max-session-files", type=int, default=UploadLimits._field_defaults["session_files"],
                        help="uploaded files one session may hold (default 60)")
    parser.add_argument("--max-session-mb", type=float, default=UploadLimits._field_defaults["session_bytes"] / 1024 / 1024,
                        help="MB of uploads one session may hold (default 400)")
    return parser.parse_known_args(argv)  # anything else goes to each `streamlit run`


def limits_of(args: argparse.Namespace, extra: list[str]) -> UploadLimits:
    body = (args.max_upload_mb * 1024 * 1024 if args.max_upload_mb else upload_mb(extra) * 1024 * 1024 + FRAMING)
    return UploadLimits(int(body), max(1, args.max_session_files), int(args.max_session_mb * 1024 * 1024))


async def serve(workers: Workers, balancer: Balancer, host: str, port: int, guard: UploadGuard,
                ready: asyncio.Event | None = None) -> int:
    """Proxy until every worker is dead for good (1) or until cancelled."""
    serving = asyncio.create_task(proxy(balancer, host, port, ready, guard))
    watching = asyncio.create_task(workers.supervise(balancer))
    done, _ = await asyncio.wait({serving, watching}, return_when=asyncio.FIRST_COMPLETED)
    serving.cancel()
    watching.cancel()
    for task in done:
        task.result()  # an error of the proxy (the port taken) is raised
    return 1


def main(argv: list[str] | None = None) -> None:
    args, extra = parse_args(argv)
    ports = [_free_port() for _ in range(max(1, args.workers))]
    workers = Workers(ports, lambda port: streamlit_command(port, extra))
    workers.wait_ready()
    limits = limits_of(args, extra)
    print(f"医联体网格化布局规划: http://{args.address}:{args.port} ({len(ports)} workers; uploads: at most "
          f"{limits.body_bytes / 1024 / 1024:.0f} MB a request, signed-in planners only when access control is on)",
          flush=True)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop the workers on SIGTERM too
    code = 0
    try:
        code = asyncio.run(serve(workers, Balancer(ports), args.address, args.port, UploadGuard(limits)))
    except KeyboardInterrupt:
        pass
    finally:
        workers.stop()
    if code:
        raise SystemExit(code)


if __name__ == "__main__":
    main()
