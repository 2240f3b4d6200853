"""scripts/serve.py's upload rules (issue 16, item 2) and its care of the workers: an upload from a
browser that has not signed in is refused before a byte of it reaches Streamlit, bodies and each
session's uploads are bounded, a dead worker is restarted, and all dead ends the proxy (exit 1)."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import time
from pathlib import Path

import pytest
from browsing import free_port
from conftest import ROOT


def _serve():
    spec = importlib.util.spec_from_file_location("scripts_serve_limits", ROOT / "scripts" / "serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


serve = _serve()
MB = 1024 * 1024


def test_the_proxy_listens_on_loopback_by_default_and_bounds_a_body_by_max_upload_size():
    args, extra = serve.parse_args([])
    assert args.address == "127.0.0.1"
    assert serve.limits_of(args, extra).body_bytes == int(serve.upload_mb([]) * MB + serve.FRAMING)
    assert serve.upload_mb([]) == 100  # .streamlit/config.toml
    args, extra = serve.parse_args(["--server.maxUploadSize", "300"])
    assert serve.limits_of(args, extra).body_bytes == 300 * MB + serve.FRAMING and extra == ["--server.maxUploadSize", "300"]
    assert serve.upload_mb(["--server.maxUploadSize=50"]) == 50


def test_request_heads_are_read_as_the_worker_routes_them():
    method, path, headers = serve.parse_head(b"PUT /_stcore/upload%5Ffile/s1/f1?x=1 HTTP/1.1\r\nCookie: a=1\r\n"
                                             b"cookie: ylt_session=tok\r\nContent-Length: 5\r\n\r\n")
    assert (method, path) == ("PUT", "/_stcore/upload_file/s1/f1")
    assert serve._cookies(headers["cookie"]) == {"a": "1", "ylt_session": "tok"}
    assert serve.parse_head(b"garbage\r\n\r\n") is None
    assert serve.parse_head(b"GET / HTTP/1.1\r\nBad Header : x\r\n\r\n") is None


def _run(coro):
    return asyncio.run(coro)


def test_the_guard_counts_each_sessions_uploads_and_forgets_deleted_ones():
    guard = serve.UploadGuard(serve.UploadLimits(body_bytes=10 * MB, session_files=2, session_bytes=15 * MB),
                              allowed=lambda cookies: cookies.get("ylt_session") == "ok")
    ok = {"ylt_session": "ok"}

    def put(session, file_id, length, cookies=ok):
        return _run(guard.check("PUT", f"/_stcore/upload_file/{session}/{file_id}", length, cookies))

    assert put("s", "a", MB, {}) == (403, "sign in as a planner or administrator to upload")
    assert put("s", "a", 11 * MB)[0] == 413
    assert put("s", "a", 8 * MB) is None and put("s", "b", 5 * MB) is None
    assert put("s", "c", 1)[0] == 429  # a third file
    assert put("s", "b", 8 * MB)[0] == 429  # 16 MB held
    assert put("t", "c", 1) is None  # another session has its own count
    assert _run(guard.check("DELETE", "/_stcore/upload_file/s/b", 0, {})) is None
    assert put("s", "c", 7 * MB) is None
    assert _run(guard.check("GET", "/_stcore/upload_file/s/b", 0, {})) is None
    assert _run(guard.check("POST", "/anything", 11 * MB, {}))[0] == 413  # any body is bounded


async def _fake_worker():
    """A worker that records what reaches it and answers 200 (101 to a websocket upgrade at /ws)."""
    received: list[bytes] = []

    async def answer(reader, writer):
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                body = await reader.readexactly(length)
                received.append(head + body)
                if b"Upgrade: websocket" in head:
                    status = b"101 Switching Protocols" if head.startswith(b"GET /ws ") else b"403 Forbidden"
                    writer.write(b"HTTP/1.1 " + status + b"\r\n\r\n")
                    await writer.drain()
                    if not status.startswith(b"101"):
                        continue
                    while data := await reader.read(100):
                        received.append(b"RAW:" + data)
                    break
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], received


async def _exchange(port: int, data: bytes, *, wait: float = 2.0) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    chunks = b""
    try:
        while chunk := await asyncio.wait_for(reader.read(65536), timeout=wait):
            chunks += chunk
    except (asyncio.TimeoutError, ConnectionError):
        pass
    writer.close()
    return chunks


def test_the_proxy_refuses_before_the_worker_sees_a_byte_and_passes_the_rest():
    async def scenario():
        worker, worker_port, received = await _fake_worker()
        guard = serve.UploadGuard(serve.UploadLimits(body_bytes=1000, session_files=5, session_bytes=5000),
                                  allowed=lambda cookies: cookies.get("ylt_session") == "good")
        ready, port = asyncio.Event(), free_port()
        task = asyncio.create_task(serve.proxy(serve.Balancer([worker_port]), "127.0.0.1", port, ready, guard))
        await ready.wait()
        put = "PUT {path} HTTP/1.1\r\nHost: x\r\n{cookie}Content-Length: {n}\r\n\r\n"
        answers = {
            "anonymous": await _exchange(port, put.format(path="/_stcore/upload_file/s/f", cookie="", n=10).encode() + b"x" * 10),
            "encoded": await _exchange(port, put.format(path="/_stcore/upload%5Ffile/s/f", cookie="", n=3).encode() + b"abc"),
            "forged": await _exchange(port, put.format(path="/_stcore/upload_file/s/f", cookie="Cookie: ylt_session=bad\r\n",
                                                       n=3).encode() + b"abc"),
            "too big": await _exchange(port, put.format(path="/_stcore/upload_file/s/f", cookie="Cookie: ylt_session=good\r\n",
                                                        n=5000).encode()),
            "chunked": await _exchange(port, b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
            "head too long": await _exchange(port, b"GET / HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n"),
            # a refused upgrade does not open a raw tunnel for the requests behind it
            "smuggled": await _exchange(port, b"GET /nows HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"
                                        + put.format(path="/_stcore/upload_file/s/f", cookie="", n=3).encode() + b"abc"),
            # a signed-in planner's upload, then a page, on one connection
            "signed in": await _exchange(port, put.format(path="/_stcore/upload_file/s/f", cookie="Cookie: ylt_session=good\r\n",
                                                          n=3).encode() + b"abc" + b"GET /page HTTP/1.1\r\n\r\n", wait=1),
            "websocket": await _exchange(port, b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\nframes", wait=1),
        }
        await asyncio.sleep(0.5)  # every connection's handler closes its side
        task.cancel()
        worker.close()
        await worker.wait_closed()
        return answers, received

    answers, received = _run(scenario())
    for case, status in (("anonymous", 403), ("encoded", 403), ("forged", 403), ("too big", 413), ("chunked", 411),
                         ("head too long", 431)):
        assert answers[case].startswith(f"HTTP/1.1 {status} ".encode()), (case, answers[case][:80])
    assert answers["smuggled"].startswith(b"HTTP/1.1 403 Forbidden\r\n\r\n") and b"200 OK" not in answers["smuggled"]
    assert answers["signed in"].count(b"200 OK") == 2
    assert answers["websocket"].startswith(b"HTTP/1.1 101")
    seen = b"".join(received)
    assert seen.count(b"PUT ") == 1 and b"ylt_session=good" in seen  # only the signed-in upload got through
    assert b"RAW:frames" in seen and b"/nows" in seen


def test_may_upload_follows_the_access_setting_and_the_sign_in(tmp_path, monkeypatch):
    from geodata.accounts import AccountStore

    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path))
    assert serve.may_upload({})  # access control off: the single planner uploads
    (tmp_path / "access.toml").write_text('mode = "local"\n', encoding="utf-8")
    assert not serve.may_upload({})  # no accounts database yet: nobody
    store = AccountStore(tmp_path / "accounts.sqlite")
    store.add("planner1", "correct horse battery", "planner")
    store.add("official1", "correct horse battery", "official")
    planner, official = store.start_session("planner1", 1), store.start_session("official1", 1)
    assert serve.may_upload({"ylt_session": planner})
    assert not serve.may_upload({"ylt_session": official})  # an official may not import
    assert not serve.may_upload({"ylt_session": planner + "x"}) and not serve.may_upload({})
    (tmp_path / "access.toml").write_text('Mode = "off"\n', encoding="utf-8")
    assert not serve.may_upload({"ylt_session": planner})  # a broken setting refuses
    (tmp_path / "access.toml").write_text('mode = "oidc"\n', encoding="utf-8")
    assert not serve.may_upload({"_streamlit_user": "forged"})


WORKER = """
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def test_a_dead_worker_is_restarted_and_logged_and_all_dead_for_good_ends_with_code_1(capsys, monkeypatch):
    port = free_port()
    workers = serve.Workers([port], lambda p: [sys.executable, "-c", WORKER, str(p)], start_seconds=20)
    workers.wait_ready()
    balancer = serve.Balancer([port])

    async def scenario():
        task = asyncio.create_task(workers.supervise(balancer, every=0.1))
        first = workers.procs[port]
        first.kill()
        deadline = time.monotonic() + 20
        while (workers.procs[port] is first or port not in balancer.ports) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        second = workers.procs[port]
        assert second is not first and second.poll() is None and balancer.ports == [port]
        task.cancel()

    try:
        _run(scenario())
    finally:
        workers.stop()
    assert f"worker on port {port} exited (code -9); restarting it" in capsys.readouterr().err

    # a worker that cannot live: restarted RESTARTS times, then given up; the proxy stops with 1
    monkeypatch.setattr(serve, "RESTARTS", 2)
    dying = serve.Workers([free_port()], lambda p: [sys.executable, "-c", "raise SystemExit(3)"], start_seconds=2)

    async def all_dead():
        return await asyncio.wait_for(serve.serve(dying, serve.Balancer(list(dying.procs)), "127.0.0.1", free_port(),
                                                  serve.UploadGuard()), timeout=60)

    assert _run(all_dead()) == 1
    err = capsys.readouterr().err
    assert "not restarted" in err and "every worker is dead (1) and none could be restarted: stopping" in err


@pytest.mark.browser  # a real Streamlit worker behind serve.py (no chromium, the same cost)
def test_serve_refuses_an_anonymous_upload_to_a_real_worker_with_access_control_on(tmp_path):
    import os
    import subprocess
    import urllib.error
    import urllib.request

    from browsing import healthy

    data = tmp_path / "data"
    data.mkdir()
    (data / "access.toml").write_text('mode = "local"\n', encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "scripts/serve.py", "--workers", "1", "--server.port", str(port)],
                            cwd=ROOT, env={**os.environ, "YLT_DATA_DIR": str(data)}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        assert healthy(f"http://127.0.0.1:{port}", proc, seconds=180)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/_stcore/upload_file/abc/def", data=b"x" * 1000,
                                         method="PUT")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 403
        refused.value.close()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=60)
    assert "refused PUT /_stcore/upload_file/abc/def" in out


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, MB."""
    import os

    total, pids = 0, [pid]
    while pids:
        p = pids.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
            for task in os.listdir(f"/proc/{p}/task"):
                pids += [int(c) for c in Path(f"/proc/{p}/task/{task}/children").read_text().split()]
        except OSError:
            pass
    return total / 1024


async def _streamlit_session(port: int):
    """A websocket session of the app, as a browser opens one before it uploads: (socket, session id)."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ws = await websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], max_size=2 ** 26)
    await ws.send(BackMsg(rerun_script=ClientState(query_string="", page_name="")).SerializeToString())
    while True:
        msg = ForwardMsg()
        msg.ParseFromString(await ws.recv())
        if msg.WhichOneof("type") == "new_session":
            return ws, msg.new_session.initialize.session_id


def upload_rss(mode: str, tmp_path, puts: int = 5, mb: int = 99, access: str = "local") -> tuple[list, float, float]:
    """(answers, RSS before, RSS after) of the server, started ``direct`` (``streamlit run``, as
    before serve.py guarded uploads) or through ``serve`` (scripts/serve.py), with access control
    on, after ``puts`` uploads of ``mb`` MB from a client that never signed in (as issue 16 did)."""
    import http.client
    import os
    import subprocess
    import urllib.request

    from browsing import healthy

    data = tmp_path / mode
    data.mkdir()
    (data / "access.toml").write_text(f'mode = "{access}"\n', encoding="utf-8")
    port = free_port()
    command = ([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
                "127.0.0.1"] if mode == "direct" else [sys.executable, "scripts/serve.py", "--workers", "1",
                                                       "--server.port", str(port)])
    proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "YLT_DATA_DIR": str(data)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    loop = asyncio.new_event_loop()
    try:
        assert healthy(f"http://127.0.0.1:{port}", proc, 180)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=10) as answer:
            cookie = next(v for k, v in answer.headers.items() if k.lower() == "set-cookie" and v.startswith("_streamlit_xsrf"))
        xsrf = cookie.split(";")[0].split("=", 1)[1]
        ws, session = loop.run_until_complete(_streamlit_session(port))
        time.sleep(15)  # the first run of the sign-in page settles
        before = _rss_mb(proc.pid)
        payload, answers = os.urandom(MB) * mb, []
        for n in range(puts):
            body = (f'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="p{n}.zip"\r\n'
                    "Content-Type: application/zip\r\n\r\n").encode() + payload + b"\r\n--b0undary--\r\n"
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                connection.request("PUT", f"/_stcore/upload_file/{session}/file{n}", body=body,
                                   headers={"Content-Type": "multipart/form-data; boundary=b0undary",
                                            "X-Xsrftoken": xsrf, "Cookie": f"_streamlit_xsrf={xsrf}"})
            except OSError:
                pass  # refused before the body was read: the proxy closed its side
            try:
                answers.append(connection.getresponse().status)
            except OSError as exc:
                answers.append(type(exc).__name__)
            connection.close()
        time.sleep(3)
        after = _rss_mb(proc.pid)
        loop.run_until_complete(ws.close())
    finally:
        loop.close()
        proc.terminate()
        proc.wait(timeout=60)
    return answers, before, after


@pytest.mark.browser
@pytest.mark.slow
def test_uploads_from_a_client_that_never_signed_in_cost_the_server_nothing(tmp_path):
    """Issue 16's attack through serve.py: 5 PUTs of 99 MB without signing in are refused (403)
    and the server does not grow by them (the proxy's one-time import of the account check,
    about 130 MB, aside). ``-s`` prints the figures of docs/RELIABILITY.md."""
    answers, before, after = upload_rss("serve", tmp_path)
    print(f"serve.py: answers {answers}; RSS {before:.0f} MB before, {after:.0f} MB after")
    assert answers == [403] * 5
    assert after - before < 200  # Streamlit alone held them all: +496 MB (docs/RELIABILITY.md)


def test_an_oidc_sign_in_is_read_from_streamlits_signed_cookie(tmp_path, monkeypatch):
    import json

    from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(serve, "_secrets", lambda: {"cookie_secret": "s3cret-for-the-test"})
    (tmp_path / "access.toml").write_text('mode = "oidc"\ndefault_role = "none"\n[roles]\n"li@x.cn" = "planner"\n'
                                          '"wang@x.cn" = "official"\n', encoding="utf-8")

    def cookie(claims: dict, secret: str = "s3cret-for-the-test") -> dict[str, str]:
        value = create_signed_value(secret, "_streamlit_user", json.dumps({"is_logged_in": True, **claims}))
        return {"_streamlit_user": value.decode("latin-1")}

    assert serve.may_upload(cookie({"email": "li@x.cn", "email_verified": True}))
    assert not serve.may_upload(cookie({"email": "wang@x.cn", "email_verified": True}))  # an official
    assert not serve.may_upload(cookie({"email": "li@x.cn"}))  # not verified: the subject names the user
    assert not serve.may_upload(cookie({"email": "li@x.cn", "email_verified": True}, secret="forged"))
    assert not serve.may_upload({})


@pytest.mark.browser
@pytest.mark.slow
def test_with_access_control_off_an_upload_passes_through_serve_to_streamlit(tmp_path):
    """The single planner's upload (a real multipart body with Streamlit's XSRF token) reaches the
    worker through the proxy and is accepted."""
    answers, _, _ = upload_rss("serve", tmp_path, puts=2, mb=5, access="off")
    assert answers == [204, 204]
