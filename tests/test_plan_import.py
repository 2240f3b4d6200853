"""A plan from outside (an imported layout, a stored payload) is checked in full before it is
stored or shown (issue 16, item 5): ids, codes, locks, names and pairings, every problem at once,
each naming the field, the value, the reason and the fix. Random input (Hypothesis) gives a plan
or listed problems, never another exception; a bad stored plan names itself on the review and
the workspace instead of breaking them; the plan store's read faults are said, not raised."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from conftest import A, B, ROOT, write_world
from geodata.filing import build
from geodata.package import load_package
from geodata.plans import PlanStore
from planning.plan import PlanProblem, layout_problems, plan_problems, plan_to_dict, shown
from planning.session import PlanningSession
from ui.handout import handout_html
from ui.planbar import checked, known, layout_plan

HOSTILE_IDS = ("EVIL<script>", "<img src=x onerror=alert(1)>", "a b", "x\x01", "", "G" * 65, "[x](http://e.vil)",
               "900001-G²", "900001-G٣", "x\u200by")


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> PlanningSession:
    return PlanningSession(load_package(write_world(tmp_path_factory.mktemp("w") / "world")))


@pytest.fixture(scope="module")
def good(session):
    """A proposed plan, its export, and the exported layout (what a planner would import)."""
    plan = session.propose(name="测试方案").plan
    plan = plan.lock(sorted(plan.assignment)[:2])
    export = build(session, plan, {"plan_id": "p1", "plan_name": "测试方案", "version": 1, "author": "",
                                   "created": "2026-12-01T00:00:00+00:00"})
    return plan, export, export.collection


def layout_bytes(collection: dict) -> bytes:
    return json.dumps(collection, ensure_ascii=True).encode("utf-8")


def reasons(problems: list[PlanProblem]) -> dict[str, str]:
    return {p.where: p.reason for p in problems}


def edited(collection: dict, *, grid: dict | None = None, meta: dict | None = None) -> dict:
    out = json.loads(json.dumps(collection))
    if grid:
        out["features"][0]["properties"].update(grid)
    if meta:
        out["metadata"].update(meta)
    return out


def test_an_exported_layout_imports_back_as_the_same_plan(session, good):
    plan, _, collection = good
    again, problems = layout_plan(session, layout_bytes(collection))
    assert problems == [] and again is not None
    assert dict(again.assignment) == dict(plan.assignment) and again.locked == plan.locked
    assert again.grids == plan.grids and again.pairings == plan.pairings and again.name == "测试方案"


@pytest.mark.parametrize("bad", HOSTILE_IDS)
def test_an_unsafe_grid_id_is_refused_naming_the_feature_and_the_fix(session, good, bad):
    collection = edited(good[2], grid={"grid_id": bad})
    first = collection["features"][0]["properties"]
    plan, problems = layout_plan(session, layout_bytes(collection))
    assert plan is None
    where = reasons(problems)
    assert where["grids[0].grid_id"] in {"bad_id", "empty", "too_long"}
    message = next(p for p in problems if p.where == "grids[0].grid_id").message("zh")
    assert "网格编号" in message or "为空" in message or "超过上限" in message
    assert first["unit_codes"]  # its units now point to no grid of the plan: said too
    assert where["assignment"] == "unknown_grid"


def test_a_grid_id_with_its_own_words_is_accepted_and_every_page_part_draws_it(session, good):
    """``900001-East`` (no number after a G): safe characters, so it is accepted; the map, the
    export and the handout colour it grey instead of raising (issue 16: ui/maps.py)."""
    collection = edited(good[2])
    old = collection["features"][0]["properties"]["grid_id"]
    collection["features"][0]["properties"]["grid_id"] = f"{A}-East"
    plan, problems = layout_plan(session, layout_bytes(json.loads(json.dumps(collection).replace(f'"{old}"', f'"{A}-East"'))))
    assert problems == [], [p.message("en") for p in problems]
    export = build(session, plan, {"plan_id": "p2", "plan_name": "东", "version": 1, "author": "", "created": ""})
    assert f"{A}-East" in set(export.filing.grids["grid_id"])
    page = handout_html(export, "zh")
    assert f"{A}-East" in page


def test_a_number_in_the_locked_list_and_unknown_codes_are_all_listed_at_once(session, good):
    collection = edited(good[2], grid={"district_code": "999999", "lead_facility_code": "NOPE"},
                        meta={"locked_units": [5, "not-a-unit"], "plan_name": "x\x01y",
                              "pairings": [{"hospital_code": "NOPE", "district_code": A, "role": "boss", "fixed": "yes"},
                                           "junk"]})
    plan, problems = layout_plan(session, layout_bytes(collection))
    assert plan is None
    where = reasons(problems)
    assert where["locked[0]"] == "not_text" and where["locked[1]"] == "unknown_lock"
    assert where["grids[0].district_code"] == "unknown_district"
    assert where["grids[0].lead_facility_code"] == "unknown_lead"
    assert where["name"] == "control"
    assert where["pairings[0].hospital_code"] == "unknown_hospital" and where["pairings[0].role"] == "unknown_role"
    assert where["pairings[0].fixed"] == "not_a_flag" and where["pairings[1]"] == "not_an_object"
    for lang in ("zh", "en"):  # each names the field, the value, the reason and the fix
        line = next(p for p in problems if p.where == "locked[0]").message(lang)
        assert line.startswith("locked[0]") and "5" in line and ("文本" in line or "text" in line)
        assert "\x01" not in next(p for p in problems if p.where == "name").message(lang)  # shown as \u0001


def test_a_lone_surrogate_in_the_plan_name_is_refused_with_a_message_not_a_crash(session, good):
    text = layout_bytes(good[2]).decode("ascii").replace('"plan_name": "', '"plan_name": "\\ud800', 1)
    plan, problems = layout_plan(session, text.encode("ascii"))
    assert plan is None and reasons(problems) == {"name": "surrogate"}
    message = problems[0].message("zh")
    assert "U+D800" in message and "\ud800" not in message
    message.encode("utf-8")  # the message itself can be sent to a page


def test_units_of_other_data_and_units_in_two_grids(session, good):
    collection = edited(good[2])
    collection["features"][0]["properties"]["unit_codes"] = ["elsewhere-1", *collection["features"][1]["properties"]["unit_codes"]]
    _, problems = layout_plan(session, layout_bytes(collection))
    assert reasons(problems) == {"features": "unit_twice"}
    collection["features"][0]["properties"]["unit_codes"] = ["elsewhere-1"]
    _, problems = layout_plan(session, layout_bytes(collection))
    where = {p.reason for p in problems}
    assert {"unknown_units", "missing_units"} <= where


@pytest.mark.parametrize("data", [b"", b"\xff\xfe", b"[]", b"null", b"{\"features\": 5}", b"[" * 100_000,
                                  b"{\"type\": \"FeatureCollection\", \"features\": [], \"metadata\": {\"version\": 1e999}}"])
def test_files_that_are_no_layout_are_refused_with_a_reason(session, data):
    plan, problems = layout_plan(session, data)
    assert plan is None and problems
    for p in problems:
        p.message("zh").encode("utf-8")
        for python_words in ("Expecting", "codec", "char ", "recursion", "Error"):  # words, not Python's
            assert python_words not in p.message("zh") and python_words not in p.message("en"), p.message("en")


def test_problems_are_capped_and_values_shortened():
    payload = {"name": "n", "grids": [{"grid_id": f"<{i}>", "district_code": "X", "lead_facility_code": "Y"} for i in range(500)],
               "assignment": {}, "locked": []}
    problems = plan_problems(payload, units=["u"], districts=["A"], leads=["H"], hospitals=[])
    assert len(problems) <= 40 and problems[-1].reason == "more"
    assert len(shown("x" * 10_000)) <= 61


# --- fuzzing: any input gives a plan or problems ---------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)
keys = st.sampled_from(["type", "features", "metadata", "properties", "grid_id", "district_code", "lead_facility_code",
                        "unit_codes", "plan_name", "version", "locked_units", "notes", "pairings", "hospital_code",
                        "role", "fixed"])
shaped = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | st.sampled_from([A, B, "DH-A", f"{A}-00"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=6), max_leaves=30)


def _never_raises(session, data: bytes) -> None:
    plan, problems = layout_plan(session, data)
    assert (plan is None) == bool(problems)
    for p in problems:
        for lang in ("zh", "en"):
            p.message(lang).encode("utf-8")  # every message can be shown


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=json_values | shaped)
def test_fuzz_any_json_is_a_plan_or_listed_problems(session, value):
    _never_raises(session, json.dumps(value).encode("utf-8"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["grid_id", "district_code", "lead_facility_code", "unit_codes", "properties", "feature",
                             "plan_name", "version", "locked_units", "notes", "pairings", "pairing", "metadata"]),
       value=shaped)
def test_fuzz_one_field_of_a_real_layout_replaced(session, good, path, value):
    collection = json.loads(json.dumps(good[2]))
    meta, feature = collection["metadata"], collection["features"][0]
    if path in ("grid_id", "district_code", "lead_facility_code", "unit_codes"):
        feature["properties"][path] = value
    elif path == "properties":
        feature["properties"] = value
    elif path == "feature":
        collection["features"][0] = value
    elif path == "metadata":
        collection["metadata"] = value
    elif path == "pairing" and meta.get("pairings"):
        meta["pairings"][0] = value
    else:
        meta[path] = value
    data = json.dumps(collection, ensure_ascii=True).encode("utf-8")
    _never_raises(session, data)
    plan, _ = layout_plan(session, data)
    if plan is not None:  # what is accepted can be judged and measured
        session.judge(plan)
        session.metrics(plan)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200) | st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")))
def test_fuzz_any_bytes_are_a_plan_or_listed_problems(session, data):
    _never_raises(session, data)


@settings(max_examples=100, deadline=None)
@given(payload=json_values | shaped, complete=st.booleans())
def test_fuzz_plan_problems_on_any_payload(payload, complete):
    problems = plan_problems(payload, units=["u"], districts=[A], leads=["DH-A"], hospitals=["CITY"], complete=complete)
    assert all(isinstance(p, PlanProblem) for p in problems)
    if not problems:
        from planning.plan import plan_from_dict

        plan_from_dict(payload)
    assert layout_problems(payload) is not None


# --- the pages: a bad stored plan, an unreadable store ---------------------------------------

@pytest.fixture
def app_on_world(tmp_path, monkeypatch):
    """The app on the small world, its data directory under ``tmp_path``: (AppTest factory, the
    package id, the plan store)."""
    from geodata.store import save_upload

    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path / "data"))
    world = write_world(tmp_path / "w")
    package_id = save_upload([(p.name, p.read_bytes()) for p in world.iterdir()])

    def make(page: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params["data"] = package_id
        at.switch_page(page)
        return at

    return make, package_id, PlanStore(tmp_path / "data" / "plans.sqlite")


def _bad_payload(good_plan) -> dict:
    payload = plan_to_dict(good_plan)
    old = payload["grids"][0]["grid_id"]
    payload["grids"][0]["grid_id"] = "EVIL<script>"
    payload["assignment"] = {u: ("EVIL<script>" if g == old else g) for u, g in payload["assignment"].items()}
    payload["locked"] = [*payload["locked"], 5]
    return payload


@pytest.mark.slow
def test_a_bad_stored_plan_names_itself_on_the_review_and_the_workspace(app_on_world, good):
    make, package_id, store = app_on_world
    store.create("好方案", package_id, plan_to_dict(good[0]), author="")
    bad = store.create("坏方案 **b** [x](http://example.com/a)", package_id, _bad_payload(good[0]), author="")
    at = make("pages/review.py").run()  # the newest is bad: the review opens the newest good one
    assert not at.exception, at.exception
    assert at.query_params["plan"] != bad and not at.error
    at.query_params["plan"] = bad
    at.run()
    assert not at.exception, at.exception
    text = at.error[0].value
    assert "坏方案" in text and "EVIL" in text and "locked" in text
    assert "\\*\\*b\\*\\*" in text and "\\[x\\]\\(http" in text  # the name as text, not markdown
    at = make("pages/workspace.py")
    at.query_params["plan"] = bad
    at.run()
    assert not at.exception, at.exception
    assert any("坏方案" in e.value and "EVIL" in e.value and "locked" in e.value for e in at.error), [e.value for e in at.error]


@pytest.mark.slow
def test_an_unreadable_plan_store_is_said_on_the_review_and_the_workspace(app_on_world):
    make, _, store = app_on_world
    path = Path(store.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    for page in ("pages/review.py", "pages/workspace.py"):
        at = make(page).run()
        assert not at.exception, (page, at.exception)
        assert at.error, page


def test_checked_uses_the_sessions_codes(session, good):
    plan, problems = checked(session, plan_to_dict(good[0]))
    assert plan == good[0] and problems == []
    codes = known(session)
    assert set(codes["districts"]) == {A, B} and "CITY" in codes["hospitals"]


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["sqlite", "storage"])
def test_plan_list_reads_that_fail_are_said_with_their_cause(app_on_world, good, monkeypatch, fault):
    """Reading the plan list fails (a damaged file, a full disk): the review and the workspace
    say why, escaped, instead of a traceback (issue 16, item 7)."""
    import sqlite3

    from geodata.plans import PlanStorageError

    make, package_id, store = app_on_world
    store.create("方案", package_id, plan_to_dict(good[0]), author="")

    def broken(self, *args, **kwargs):
        if fault == "sqlite":
            raise sqlite3.DatabaseError("database disk image is malformed")
        raise PlanStorageError(Path(self.path), sqlite3.DatabaseError("database disk image is malformed"))

    monkeypatch.setattr(PlanStore, "plans", broken)
    for page in ("pages/review.py", "pages/workspace.py"):
        at = make(page).run()
        assert not at.exception, (page, at.exception)
        assert any("malformed" in e.value or "损坏" in e.value for e in at.error), (page, [e.value for e in at.error])


@pytest.mark.slow
def test_a_grid_id_with_words_opens_on_the_review_and_the_workspace(app_on_world, good):
    """``900001-East`` is accepted, so every page must draw it (it raised in ui/maps.py)."""
    make, package_id, store = app_on_world
    payload = plan_to_dict(good[0])
    old = payload["grids"][0]["grid_id"]
    text = json.dumps(payload).replace(f'"{old}"', f'"{A}-East"')
    assert plan_problems(json.loads(text)) == []
    plan_id = store.create("东", package_id, json.loads(text), author="")
    for page in ("pages/review.py", "pages/workspace.py"):
        at = make(page)
        at.query_params["plan"] = plan_id
        at.run()
        assert not at.exception, (page, at.exception)
        assert not at.error, (page, [e.value for e in at.error])


def test_a_stored_plan_is_refused_only_for_what_would_break_a_page(session, good):
    """A unit left out (rule G1 judges it), a pairing made twice, a long name: fine when stored,
    refused on import; an unsafe grid id or a lone surrogate: refused either way."""
    payload = plan_to_dict(good[0])
    payload["assignment"].pop(sorted(payload["assignment"])[0])
    payload["pairings"] = payload["pairings"][:1] * 2
    payload["name"] = "长" * 300
    assert payload["pairings"]
    stored, problems = checked(session, payload)
    assert stored is not None and problems == []
    _, problems = checked(session, payload, complete=True)
    assert {p.reason for p in problems} == {"missing_units", "duplicate", "too_long"}
    payload["notes"] = ["x\udc00"]
    assert reasons(checked(session, payload)[1]) == {"notes[0]": "surrogate"}


@pytest.mark.slow
def test_an_export_that_fails_names_the_plan_and_the_cause(app_on_world, good, monkeypatch):
    """The review's export path degrades to a message naming the plan (no traceback)."""
    import ui.handout

    make, package_id, store = app_on_world
    plan_id = store.create("**导出** [x](http://e.com/a)", package_id, plan_to_dict(good[0]), author="")

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    import ui.review.export

    monkeypatch.setattr(ui.handout, "write_export", broken)
    monkeypatch.setattr(ui.review.export, "write_export", broken)  # imported by name there
    at = make("pages/review.py")
    at.query_params["plan"] = plan_id
    at.run()
    at.segmented_control(key="review_view").set_value("export").run()  # the file is made as the format is chosen
    assert not at.exception, at.exception
    text = " ".join(e.value for e in at.error)
    assert "disk on fire" in text and "\\*\\*导出\\*\\*" in text, text
