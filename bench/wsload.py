"""Load on the server alone: N concurrent websocket sessions editing plans on one loopback server.

    .venv/bin/python bench/wsload.py [--sessions 20] [--edits 5] [--same 2] [--pause 2] [--think 8]
                                     [--workers 2] [--timeout 600]

``bench/load.py`` drives 20 chromium tabs, and on this 2-core machine the tabs take most of the
processor, so its figures mix the browsers' time with the server's. Here each session is a
websocket client speaking Streamlit's own protocol (the protobuf messages of the ``streamlit``
package), as a browser tab does, without drawing anything:

1. open the workspace with ``?plan=…`` (one plan per session; ``--same`` sessions share the
   first plan, to exercise conflicts) and wait until the run ends;
2. ``--edits`` times: send a map click on a unit (the st_folium component's value, as the map
   sends it), then press 划入 (the button's trigger) and time until the run that saves the new
   version ends and the page says 第 N 版 (or that the save was refused: a conflict). Between
   the click and 划入 the session waits ``--pause`` seconds, after the result ``--think``
   seconds (means; each drawn from 0.5-1.5 times the mean), as a planner looks at the map.

The same load runs twice in one invocation: against one ``streamlit run`` process (the baseline)
and against ``scripts/serve.py --workers N``; each session connects from its own loopback
address (127.0.0.10, .11, ...) as planners do from their own machines. Only loopback is
contacted; every wait has a time-out and each run stops after ``--timeout`` seconds. Prints the
open, click and edit times (median, 95th percentile, max), conflicts and errors, the processor
time of the server and of this client, and the ratio of the edits' 95th percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from load import make_plans
from startup import free_port

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))  # scripts/ is not a package: serve.healthy, as the launcher waits
from serve import healthy  # noqa: E402


class Session:
    """One websocket session of the app: reruns with widget values, and what the run drew."""

    def __init__(self, ws, query: str, page: str) -> None:
        self.ws, self.query, self.page = ws, query, page
        self.widgets: dict[str, str] = {}   # label or key -> widget id
        self.values: dict[str, object] = {}  # widget id -> its value as the browser shows it (a WidgetState)
        self.texts: list[str] = []

    async def rerun(self, states: list, timeout: float) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ClientState_pb2 import ClientState
        from streamlit.proto.WidgetStates_pb2 import WidgetStates

        # like a browser, send every input's current value with the action (callbacks read them)
        sent = {**self.values, **{state.id: state for state in states}}
        msg = BackMsg(rerun_script=ClientState(query_string=self.query, page_name=self.page,
                                               widget_states=WidgetStates(widgets=list(sent.values()))))
        await self.ws.send(msg.SerializeToString())
        self.texts, self.widgets = [], {}  # what this run draws
        await asyncio.wait_for(self._until_finished(), timeout)

    async def _until_finished(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await self.ws.recv())
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._note(msg.delta.new_element)
            elif kind == "new_session":
                self.texts, self.widgets = [], {}  # a run starts (again, after st.rerun): the last one counts
            elif kind == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return

    def _note(self, element) -> None:
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        kind = element.WhichOneof("type")
        if kind == "selectbox" and element.selectbox.options:
            box = element.selectbox
            value = box.raw_value if box.set_value else box.options[box.default]
            self.values[box.id] = WidgetState(id=box.id, string_value=value)
        elif kind == "checkbox":
            self.values[element.checkbox.id] = WidgetState(id=element.checkbox.id, bool_value=element.checkbox.default)
        if kind == "markdown":
            self.texts.append(element.markdown.body)
        elif kind == "alert":
            self.texts.append("alert: " + element.alert.body)
        elif kind == "exception":
            self.texts.append("Traceback: " + element.exception.message)
        elif kind == "button":
            self.widgets[element.button.label] = element.button.id
        elif kind == "component_instance":
            if "folium" in element.component_instance.component_name:
                self.widgets["map"] = element.component_instance.id

    def saw(self, text: str) -> bool:
        return any(text in t for t in self.texts)


async def session(url: str, plan_id: str, n: int, args, points: list, out: dict) -> None:
    """One planner. Each session connects from its own loopback address (127.0.0.10, .11, ...),
    as planners do from their own machines, so that ``scripts/serve.py`` can keep each on one
    worker."""
    import websockets
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    rng = random.Random(n)
    try:
        async with websockets.connect(url.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"],
                                      max_size=64 * 2 ** 20, open_timeout=60,
                                      local_addr=(f"127.0.0.{10 + n}", 0)) as ws:
            s = Session(ws, f"lang=zh&plan={plan_id}&user=load{n}", "workspace")
            t0 = time.perf_counter()
            await s.rerun([], timeout=300)
            out["open"].append(time.perf_counter() - t0)
            if "map" not in s.widgets:
                raise RuntimeError("the workspace drew no map: " + " | ".join(s.texts[:3])[:200])
            for k, (lat, lng) in enumerate(rng.sample(points, args.edits)):  # a second click on a unit would unselect it
                version = next(int(t.split("第 ")[1].split(" ")[0]) for t in s.texts if "已保存：" in t)
                click = {"last_object_clicked": {"lat": lat, "lng": lng}, "last_object_clicked_count": k + 1,
                         "all_drawings": None}
                t0 = time.perf_counter()
                await s.rerun([WidgetState(id=s.widgets["map"], json_value=json.dumps(click))], timeout=120)
                out["click"].append(time.perf_counter() - t0)
                if "划入" not in s.widgets:
                    out["errors"].append(f"session {n} edit {k}: the click selected nothing")
                    continue
                await asyncio.sleep(args.pause * rng.uniform(0.5, 1.5))  # the planner checks the selection
                t0 = time.perf_counter()
                await s.rerun([WidgetState(id=s.widgets["划入"], trigger_value=True)], timeout=120)
                out["edit"].append(time.perf_counter() - t0)
                if s.saw("保存被拒绝"):
                    out["conflicts"] += 1
                    await s.rerun([WidgetState(id=s.widgets["载入最新版本"], trigger_value=True)], timeout=120)
                elif s.saw("未划入"):  # answered: units of another district (G2) are not moved
                    out["refused"] += 1
                elif not (s.saw(f"第 {version + 1} 版") or s.saw("没有变化")):
                    out["errors"].append(f"session {n} edit {k}: no new version shown: "
                                         + " | ".join(t for t in s.texts if (t.startswith("alert") and "G6 ·" not in t) or "版" in t)[:400])
                if any(t.startswith("Traceback") for t in s.texts):
                    out["errors"].append(f"session {n} edit {k}: the page shows an exception")
                await asyncio.sleep(args.think * rng.uniform(0.5, 1.5))
    except Exception as exc:  # noqa: BLE001 (a load test reports every failure and goes on)
        out["errors"].append(f"session {n}: {type(exc).__name__}: {str(exc)[:160]}")


def unit_points(count: int) -> list[tuple[float, float]]:
    from geodata.default import load_default

    units = load_default().units
    picked = units[units["district_code"].isin(["310115", "310118", "310117"])].head(count)
    return [(p.y, p.x) for p in picked.geometry.representative_point()]


def cpu_seconds(pids: list[int]) -> float:
    """User + system time of processes (Linux /proc), those that still run."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:13]) / os.sysconf("SC_CLK_TCK")
    return total


def process_tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    return found


async def run(url: str, plans: list[str], args, points: list) -> dict:
    out = {"open": [], "click": [], "edit": [], "errors": [], "conflicts": 0, "refused": 0}
    tasks = [session(url, plan, n, args, points, out) for n, plan in enumerate(plans)]
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=args.timeout)
    except asyncio.TimeoutError:
        out["errors"].append(f"the run hit its {args.timeout:.0f} s limit")
    return out


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def measure(workers: int, args, plans: list[str], points: list, data_dir: Path) -> dict:
    """One run: a plain ``streamlit run`` (workers = 1) or ``scripts/serve.py`` with ``workers``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = ([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                "--server.address", "127.0.0.1", "--server.headless", "true"] if workers == 1 else
               [sys.executable, "scripts/serve.py", "--workers", str(workers), "--port", str(port), "--address", "127.0.0.1"])
    proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "YLT_DATA_DIR": str(data_dir)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not healthy(url, proc):
            raise SystemExit(f"the server at {url} did not start")
        pids = process_tree(proc.pid)
        server_cpu, client_cpu, started = cpu_seconds(pids), time.process_time(), time.perf_counter()
        out = asyncio.run(run(url, plans, args, points))
        out["wall"] = time.perf_counter() - started
        out["server_cpu"], out["client_cpu"] = cpu_seconds(pids) - server_cpu, time.process_time() - client_cpu
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return out


def report(name: str, out: dict) -> None:
    print(f"{name}: wall {out['wall']:.1f} s; processor time: server {out['server_cpu']:.1f} s "
          f"({out['server_cpu'] / out['wall']:.2f} cores), client {out['client_cpu']:.1f} s")
    for key in ("open", "click", "edit"):
        values = out[key]
        print(f"  {key}: {len(values)} done, median {statistics.median(values):.2f} s, p95 {pct(values, 0.95):.2f} s, "
              f"max {max(values):.2f} s" if values else f"  {key}: none")
    print(f"  conflicts refused (expected on the shared plan): {out['conflicts']}; edits refused by a rule: "
          f"{out['refused']}; errors: {len(out['errors'])}")
    for e in out["errors"][:10]:
        print("    ", e)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--same", type=int, default=2, help="how many sessions share the first plan")
    parser.add_argument("--pause", type=float, default=2.0, help="mean seconds between a click and 划入")
    parser.add_argument("--think", type=float, default=8.0, help="mean seconds between a result and the next click")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of scripts/serve.py, against one")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    points = unit_points(60)
    print(f"{args.sessions} websocket sessions ({args.same} on one plan), {args.edits} edits each; pauses: "
          f"{args.pause:.1f} s before 划入, {args.think:.1f} s after (means)")
    results = {}
    for workers in sorted({1, args.workers}):
        data_dir = Path(tempfile.mkdtemp(prefix="ylt-wsload-"))
        try:
            ids = make_plans(data_dir, args.sessions - args.same + 1)
            plans = ([ids[0]] * args.same + ids[1:])[:args.sessions]
            results[workers] = measure(workers, args, plans, points, data_dir)
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
        report("one process (streamlit run)" if workers == 1 else f"scripts/serve.py --workers {workers}", results[workers])
    if args.workers != 1 and all(results[w]["edit"] for w in results):
        print(f"edit p95, {args.workers} workers / one process: "
              f"{pct(results[args.workers]['edit'], 0.95) / pct(results[1]['edit'], 0.95):.2f}")


if __name__ == "__main__":
    main()
