"""One colouring of a plan's grids (planning.colours): touching grids always differ, and the same
plan shows the same colour per grid on the grid page, in review, in the PDF's SVG, in the HTML
handout and on the workspace map."""

from __future__ import annotations

import json
import re

import pytest
import shapely
from shapely.geometry import box

from geodata.default import load_default
from geodata.export import grid_layer as dissolve_grids
from geodata.filing import build
from geodata.report import report_html
from planning.colours import PALETTE, assignment_colours, feature_colours, grid_colours, shape_colours, touching_pairs
from planning.session import PlanningSession
from ui import maps
from ui.handout import handout_html


def test_touching_grids_differ_and_the_colouring_is_stable():
    # a 4 x 4 chequerboard of grids: every square touches up to 8 others (edges and corners)
    ids = [f"3101{r:02d}-G{c:02d}" for r in range(4) for c in range(4)]
    geoms = [box(c, r, c + 1, r + 1) for r in range(4) for c in range(4)]
    pairs = touching_pairs(ids, geoms)
    assert ("310100-G00", "310100-G01") in pairs and ("310100-G00", "310101-G01") in pairs  # edge and corner
    assert ("310100-G00", "310100-G02") not in pairs
    colours = shape_colours(ids, geoms)
    assert set(colours.values()) <= set(PALETTE)
    assert all(colours[a] != colours[b] for a, b in pairs)
    assert shape_colours(list(reversed(ids)), list(reversed(geoms))) == colours  # order does not matter
    assert maps.grid_colours(ids, pairs) == grid_colours(ids, pairs) == colours  # the workspace's entry point


def test_a_grid_alone_and_missing_shapes():
    assert shape_colours(["A"], [box(0, 0, 1, 1)]) == {"A": PALETTE[0]}
    assert touching_pairs(["A", "B"], [None, box(0, 0, 1, 1)]) == set()


@pytest.fixture(scope="module")
def plan_views():
    session = PlanningSession(load_default())
    plan = session.propose().plan
    meta = {"plan_id": "c0l0ur", "plan_name": "颜色方案", "version": 1, "author": "张三", "created": "2026-11-22T10:00:00+00:00"}
    return session, plan, build(session, plan, meta)


def _svg_fills(svg: str) -> list[str]:
    return re.findall(r'<path d="[^"]*" fill="(#[0-9a-f]{6})"', svg)


def test_the_same_plan_has_the_same_colours_in_every_view(plan_views):
    session, plan, export = plan_views
    features = export.collection["features"]
    carried = {f["properties"]["grid_id"]: f["properties"]["fill"] for f in features}  # the export carries them
    assert set(carried) == {g.grid_id for g in plan.grids}

    # neighbours differ, across district lines too
    geoms = [shapely.geometry.shape(f["geometry"]) for f in features]
    pairs = touching_pairs(list(carried), geoms)
    assert pairs and all(carried[a] != carried[b] for a, b in pairs)
    assert any(a.split("-")[0] != b.split("-")[0] for a, b in pairs)

    # the grid page: the plan's dissolved grids
    grids = dissolve_grids(session.package.units, plan.assignment, session.metrics(plan))
    assert shape_colours(grids["grid_id"].astype(str).tolist(), list(grids.geometry)) == carried
    # review: the export's features (carried, or computed from their shapes when an old export lacks them)
    assert feature_colours(features) == carried
    bare = [{**f, "properties": {k: v for k, v in f["properties"].items() if k != "fill"}} for f in features]
    assert feature_colours(bare) == carried
    # the PDF's city map: the paths in the features' order
    html = report_html(export)
    city = re.search(r"<svg .*?</svg>", html).group(0)
    shown = [f["properties"]["grid_id"] for f in features if (f.get("geometry") or {}).get("type")]
    assert _svg_fills(city) == [carried[g] for g in shown]
    # the HTML handout: each grid's feature carries its fill
    handout = handout_html(export)
    found = {g: c for c, g in re.findall(r'"_fill": "(#[0-9a-f]{6})", [^{}]*?"grid_id": "([^"]+)"', handout)}
    assert found == carried


def test_the_workspace_colours_from_the_same_plan_touching(plan_views):
    session, plan, export = plan_views
    carried = {f["properties"]["grid_id"]: f["properties"]["fill"] for f in export.collection["features"]}
    geoms = [shapely.geometry.shape(f["geometry"]) for f in export.collection["features"]]
    assert maps.grid_colours(list(carried), touching_pairs(list(carried), geoms)) == carried
    json.dumps(carried)


def test_the_units_give_the_same_colours_as_the_grid_outlines(plan_views):
    """The workspace can colour every edit from the units' touching pairs (computed once per package)."""
    from planning.colours import assignment_colours, unit_touching

    session, plan, export = plan_views
    units = session.package.units
    pairs = unit_touching(units["unit_code"].astype(str).tolist(), list(units.geometry))
    carried = {f["properties"]["grid_id"]: f["properties"]["fill"] for f in export.collection["features"]}
    assert assignment_colours(pairs, plan.assignment, [g.grid_id for g in plan.grids]) == carried


def test_the_workspace_map_paints_the_exported_colours(plan_views):
    """``ui.workmap``: the units' fills on the editing map are their grids' exported colours."""
    from ui import workmap

    session, plan, export = plan_views
    carried = {f["properties"]["grid_id"]: f["properties"]["fill"] for f in export.collection["features"]}
    ready = workmap.prepare(session)
    assert assignment_colours(ready.touching, plan.assignment, [g.grid_id for g in plan.grids]) == carried
