"""Data in markdown is shown as text (issue 16, item 4): every district, hospital, unit, grid and
plan name, user name, file name and error text that reaches ``st.markdown``, captions, alerts,
spinners and labels goes through ``ui.i18n.plain`` / ``tp``. A scan of the pages' calls finds
any that does not; the helpers are checked on hostile names; and the call sites the issue named
are driven with AppTest on a package whose names are markdown-hostile."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, collection, district_features, facilities_csv, facility_rows, unit_features, write_world
from ui.i18n import plain, sendable, tp

HOSTILE = ("[x](http://example.com/a)", "![i](http://example.com/i.png)", "**b**", "$x$", "<b>b</b>", "`c`", ":red[r]",
           "# h", "a_b_", "~~s~~", "\\[y\\](http://example.com/y)")
NAME = "[x](http://e.com/a) ![i](http://e.com/i.png) **b** $x$"  # fits the name field (60)

# calls that render their first argument as markdown
MARKDOWN_CALLS = {"markdown", "caption", "info", "warning", "error", "success", "toast", "write", "spinner", "expander",
                  "subheader", "header", "title", "checkbox", "button", "form_submit_button", "popover", "tabs"}
# catalogue parameters that are numbers the page computed (counts, versions, figures), never data
NUMERIC = {"n", "version", "errors", "warnings", "people", "balance", "km", "seconds", "units", "facilities", "population",
           "delta", "median", "unknown", "share", "estimated", "branch", "partner", "remote", "m", "target", "groups",
           "group", "gap", "missing"}
SAFE_CALLS = {"plain", "tp", "len", "int", "float", "sum", "round", "local_time", "violation_text", "problem_list",
              "storage_message", "layer_label", "safe_text", "legend_html", "role_legend_html", "_point_label"}
FILES = sorted([*(ROOT / "ui").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"])
SKIP = {"access.py"}  # another part of the work (its names go through plain there)


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        return _name(node.func)
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _unsafe(node: ast.AST) -> list[str]:
    """The parts of an expression shown as markdown that may hold data unescaped."""
    out = []
    if isinstance(node, ast.Call):
        name = _name(node)
        if name in SAFE_CALLS:
            return []
        if name == "t":
            for kw in node.keywords:
                if kw.arg not in NUMERIC and _unsafe_value(kw.value):
                    out.append(f"t(..., {kw.arg}=…)")
            return out
        if name in ("join", "format"):
            return [ast.unparse(node)[:60]]
        return []
    if isinstance(node, ast.JoinedStr):
        for part in node.values:
            if isinstance(part, ast.FormattedValue) and part.format_spec is None and _unsafe_value(part.value):
                out.append(f"f-string {{{ast.unparse(part.value)[:40]}}}")
        return out
    if isinstance(node, ast.BinOp):
        return _unsafe(node.left) + _unsafe(node.right)
    if isinstance(node, ast.IfExp):
        return _unsafe(node.body) + _unsafe(node.orelse)
    if isinstance(node, (ast.Name, ast.Subscript, ast.Attribute)):
        return [] if _words(node) else [ast.unparse(node)[:40]]
    return []


def _words(node: ast.AST) -> bool:
    """The app's own words: ``L[...]``, a catalogue text, a constant."""
    if isinstance(node, ast.Subscript):
        return isinstance(node.value, ast.Name) and node.value.id in ("L", "BIG")
    if isinstance(node, ast.Name):
        return node.id in ("BIG", "summary", "label", "text", "message")  # built from escaped parts (checked there)
    return False


def _unsafe_value(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return False
    if isinstance(node, ast.Call) and _name(node) in (SAFE_CALLS | {"t"}) and not (
            _name(node) == "t" and any(kw.arg not in NUMERIC for kw in node.keywords)):
        return False
    if _words(node):
        return False
    return not (isinstance(node, ast.JoinedStr) and not _unsafe(node))


def findings() -> list[str]:
    out = []
    for path in FILES:
        if path.name in SKIP:
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MARKDOWN_CALLS
                    and node.args):
                continue
            if node.func.attr in ("title", "header") and _name(node.func.value) != "st":
                continue  # a rule's title(lang), not Streamlit's
            if "markdown: the app's own words" in lines[node.lineno - 1]:
                continue  # marked by hand: the schema's words, no data
            if any(kw.arg == "unsafe_allow_html" for kw in node.keywords):
                continue  # raw HTML: checked by hand (safe_text / html.escape), see test_html_call_sites
            for part in _unsafe(node.args[0]):
                out.append(f"{path.relative_to(ROOT)}:{node.lineno}: {part}")
    return out


def test_every_markdown_call_escapes_its_data():
    assert findings() == []


def test_the_scan_finds_an_unescaped_name():
    tree = ast.parse('st.caption(t("saved_as", lang, version=v, name=info["name"]))\n'
                     'st.error(f"{t(\'load_failed\', lang)} {exc}")\nst.caption(tp("saved_as", lang, name=x))\n')
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _name(n) in ("caption", "error")]
    assert [bool(_unsafe(c.args[0])) for c in sorted(calls, key=lambda c: c.lineno)] == [True, True, False]


def test_html_call_sites_escape_what_they_insert():
    """Every ``unsafe_allow_html`` call builds its HTML from escaped data or the app's words."""
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"unsafe_allow_html=True", text):
            start = text.rfind("st.markdown(", 0, m.start())
            call = text[start:m.start()]
            for value in re.findall(r"\{([^{}:]+)\}", call):
                value = value.strip()
                assert (value.startswith(("safe_text(", "swatch_html(", "L[", "c", "label", "len(", "row.population",
                                          "row.units", "row.mean_access_km")) or "legend_html" in call or value == "BIG"), \
                    f"{path.name}: {value}"


@pytest.mark.parametrize("name", HOSTILE)
def test_plain_and_tp_leave_no_markdown_in_a_name(name):
    for text in (plain(name), tp("saved_as", "zh", name=name, version=3), tp("pairings_diff", "en", added=[name], removed="—")):
        unescaped = re.sub(r"\\.", "", text)  # what markdown would still read as syntax
        assert not re.search(r"[\[\]()*$`<>~#_!]", unescaped.replace("（", "").replace("）", "")), text


def test_tp_keeps_numbers_and_the_catalogues_words():
    assert tp("saved_as", "zh", name="甲", version=3) == "已保存：甲 第 3 版"
    assert tp("pairing_weights", "en", branch=1.5, partner=2, remote=3).count("1.5") == 1


def test_lone_surrogates_are_replaced_so_a_page_can_carry_them():
    assert plain("a\ud800b") == "a\ufffdb" and sendable("a\udfffb") == "a\ufffdb"
    tp("saved_as", "zh", name="x\ud800", version=1).encode("utf-8")


# --- the call sites the issue named, on a markdown-hostile package -----------------------------

def hostile_world(folder: Path) -> Path:
    """The small world with markdown-hostile district, unit, hospital names."""
    world = write_world(folder)
    d = district_features()
    d[0]["properties"]["district_name"] = NAME
    d[1]["properties"]["district_name"] = "**乙区** $y$"
    (world / "districts.geojson").write_text(collection(d), encoding="utf-8")
    u = unit_features()
    u[0]["properties"]["unit_name"] = NAME
    (world / "units.geojson").write_text(collection(u), encoding="utf-8")
    rows = facility_rows()
    rows[0]["name"] = "[医院](http://example.com/h) **粗**"
    rows[-1]["name"] = "![市一](http://example.com/c.png)"
    (world / "facilities.csv").write_text(facilities_csv(rows), encoding="utf-8")
    return world


def _rendered(at) -> list[str]:
    """Every markdown text the run produced (markdown, captions, alerts)."""
    out = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success"):
        out += [e.value for e in getattr(at, kind)]
    return out


def _no_live_markdown(texts: list[str]) -> None:
    for text in texts:
        stripped = re.sub(r"\\.", "", text)
        assert "](http" not in stripped and "**粗**" not in stripped and "$y$" not in stripped, text


@pytest.mark.slow
def test_hostile_names_in_the_workspace_review_and_pairings(tmp_path, monkeypatch):
    import streamlit_folium

    from geodata.plans import PlanStore
    from geodata.store import save_upload

    monkeypatch.setenv("YLT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(streamlit_folium, "st_folium", lambda *a, **k: None)
    world = hostile_world(tmp_path / "w")
    package_id = save_upload([(p.name, p.read_bytes()) for p in world.iterdir()])

    def app(page: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params["data"] = package_id
        at.switch_page(page)
        return at

    at = app("pages/workspace.py").run()
    at.text_input(key="ws_first_name").set_value(NAME)
    at.button(key="ws_first_plan").click().run()
    assert not at.exception, at.exception
    saved = next(c.value for c in at.caption if c.value.startswith("已保存"))
    assert plain(NAME) in saved  # the "已保存：…" caption
    _no_live_markdown(_rendered(at))
    first_grid = at.multiselect(key="ws_grids").options[0].split(" · ")[0]  # options as shown: id · lead
    at.multiselect(key="ws_grids").set_value([first_grid]).run()
    next(b for b in at.button if b.label == "选中其单元").click().run()
    assert not at.exception, at.exception
    line = next(m.value for m in at.markdown if m.value.startswith("**已选**"))  # the workspace selection line
    assert "16 个单元" in line and plain(NAME) in line, line
    _no_live_markdown(_rendered(at))
    plan_id = at.query_params["plan"]
    store = PlanStore(tmp_path / "data" / "plans.sqlite")
    assert next(p["name"] for p in store.plans() if p["plan_id"] == plan_id) == NAME

    at = app("pages/review.py")
    at.query_params["plan"] = plan_id
    at.run()
    assert not at.exception, at.exception
    _no_live_markdown(_rendered(at))

    at = app("pages/pairings.py").run()
    assert not at.exception, at.exception
    _no_live_markdown(_rendered(at))
