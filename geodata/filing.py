"""Exports of one plan version for filing (备案) systems and officials: GeoJSON, GeoPackage, the
unit -> grid CSV, an XLSX workbook, a PDF report, and the filing ZIP that holds them.

``build(package, plan, meta)`` gathers everything once (world, pairing problem, tables, layout);
``write(export, kind, path)`` writes one format. The CLI (``cli.py export``) and the app share it.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.export import (atomic_path, checks_document, facility_units, grid_layer, grid_settings, layout_collection,
                            write_csv, write_gpkg, write_json, write_layout, write_xlsx)
from planning.filing import Filing, compare, filing_tables
from planning.plan import Plan, plan_to_dict
from planning.session import PlanningSession
from planning.world import World
from texts import CATALOGUE

# the offline HTML map is drawn with the app's map pieces: ``ui.handout`` writes it (IO never
# depends on the UI); every other format is written here
KINDS = ("geojson", "gpkg", "csv", "xlsx", "pdf", "filing", "html", "checks")
SUFFIX = {"geojson": ".geojson", "gpkg": ".gpkg", "csv": ".csv", "xlsx": ".xlsx", "pdf": ".pdf", "filing": ".zip",
          "html": ".html", "checks": ".checks.json"}


@dataclass(frozen=True)
class Export:
    package: object
    session: PlanningSession
    world: World
    plan: Plan
    meta: dict
    filing: Filing
    collection: dict
    changes: dict | None  # against the last filed version, when there is one
    grid_shapes: gpd.GeoDataFrame | None = None  # the grids dissolved (geodata.export.grid_layer), full precision


def build(session: PlanningSession, plan: Plan, meta: dict, *, previous: Plan | None = None,
          quality: list[Mapping] | None = None) -> Export:
    """Everything the exports of ``plan`` need. ``meta``: plan_id, plan_name, version, created,
    author (and anything else worth filing); ``previous``: the last filed version, for the
    changes; ``quality``: how good each district's grids are (``geodata.export.quality_rows``),
    only when ``plan`` is the proposal they were measured on (``quality_fits`` checks a recorded
    one): a stored or edited plan has no solver's bound, and none is made up for it."""
    package, world = session.package, session.world
    filing = filing_tables(session, plan, facility_units(package.facilities, package.units))
    metadata = {
        **meta,
        "data_sources": _sources(package),
        "rules": {"checked": filing.rules["rule"].tolist(), "failed": filing.verdict.failed,
                  "errors": len(filing.verdict.errors), "warnings": len(filing.verdict.warnings)},
        "locked_units": sorted(plan.locked),
        "notes": list(plan.notes),
        "pairings": plan_to_dict(plan)["pairings"],
        "crs": "EPSG:4326 (WGS84 longitude, latitude)",
        # the planner's grid settings the plan was judged under (the session's: the package's
        # config.toml with the planner's changes from the page or the command line)
        "settings": grid_settings(session.config),
        # problems in the data every result inherits (an undeclared GCJ-02 layer), with the fix
        "data_warnings": [{"code": i.code, "layer": i.layer, "message": {"zh": i.message("zh"), "en": i.message("en")},
                           "fix": {"zh": i.fix("zh"), "en": i.fix("en")}} for i in _carried(package)],
        "generator": "医联体网格化布局规划",
    }
    if quality is not None:
        metadata["quality"] = [dict(row) for row in quality]
    shapes = grid_layer(package.units, dict(zip(filing.units["unit_code"], filing.units["grid_id"])), filing.grids,
                        crs=world.crs)
    collection = layout_collection(package.units, filing.grids, filing.units, filing.members, filing.pairings, metadata,
                                   layer=shapes)
    changes = compare(world, previous, plan) if previous is not None else None
    return Export(package, session, world, plan, metadata, filing, collection, changes, shapes)


def quality_fits(session: PlanningSession, plan: Plan, rows: list[Mapping], settings: Mapping) -> bool:
    """Whether recorded quality rows (``metrics.json`` of ``ylt propose``) describe ``plan`` under
    the settings in force: recorded under the same settings, and every district's number of
    grids, population max/min and mean distance to the lead as recorded (to the rows' rounding).
    An edited plan, or other settings, do not fit: its bounds would not be the solver's."""
    if not rows or dict(settings) != grid_settings(session.config):
        return False
    world = session.world
    lead = {str(c): j for j, c in enumerate(world.lead_codes)}
    grids = {g.grid_id: g for g in plan.grids}
    for row in rows:
        code = str(row["district_code"])
        units = world.units_of(code)
        own = [g for g in plan.grids if g.district_code == code]
        if len(own) != row["grids"] or any(g.lead_facility_code not in lead for g in own):
            return False
        ids = [plan.assignment.get(str(world.unit_codes[i]), "") for i in units]
        if any(i not in grids or grids[i].district_code != code for i in ids):
            return False
        pop = world.population[units]
        order = {g.grid_id: k for k, g in enumerate(own)}
        label = np.array([order[i] for i in ids])
        sizes = np.bincount(label, weights=pop, minlength=len(own))
        leads = np.array([lead[own[k].lead_facility_code] for k in label])
        dist = np.hypot(*(world.xy[units] - world.lead_xy[leads]).T)
        balance = float(sizes.max() / max(sizes.min(), 1.0))
        access = float((pop * dist).sum() / max(pop.sum(), 1.0) / 1000)
        if row["balance"] is None or row["access_km"] is None:
            return False
        if abs(balance - row["balance"]) > 1e-4 or abs(access - row["access_km"]) > 1e-4:
            return False
    return True


UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')  # what Windows refuses in a file name
NAME_CHARS = 60  # a plan name's share of a file name (Windows allows 255 for the whole)


def safe_name(text: object, fallback: str) -> str:
    """Text fit to stand in a file name on any system: the characters Windows refuses (/ \\ : * ?
    " < > | and controls) become "_", runs of spaces one space, no dot or space at either end
    (Windows drops them), at most ``NAME_CHARS`` characters; ``fallback`` when nothing is left."""
    cleaned = re.sub(r"\s+", " ", UNSAFE_IN_NAMES.sub("_", str(text or ""))).strip(" ._")
    cleaned = cleaned[:NAME_CHARS].rstrip(" .")
    return cleaned or fallback


def file_name(plan_name: object, version: int, kind: str, lang: str = "zh") -> str:
    """The name a clerk files an export under: plan, version and kind in the reader's language,
    e.g. ``2026年网格方案（送审稿）_第4版_备案.zip`` (``plan_v4_filing.zip`` in English), safe on
    Windows and bounded in length (``safe_name``)."""
    from texts import render

    plan = safe_name(plan_name, render("export.plan_fallback", lang))
    stem = render("export.file_name", lang, plan=plan, version=int(version), kind=render(f"export.kind_{kind}", lang))
    return safe_name(stem, "plan") + SUFFIX[kind]


def filing_concerns(export: Export, *, demo: bool) -> dict:
    """What a planner must confirm before filing: the rules the plan breaks with errors (their
    ids) and whether it stands on the demo data. Empty lists and False: nothing to confirm."""
    return {"rules": list(export.meta["rules"]["failed"]), "demo_data": bool(demo)}


def with_confirmation(export: Export, *, by: str, at: str, concerns: Mapping) -> Export:
    """The export with the planner's confirmation recorded in its metadata (the layout's
    ``metadata`` and the PDF's cover): who, when (ISO 8601), and what was confirmed (the failed
    rules, the demo data)."""
    from dataclasses import replace

    reasons = (["rules_failed"] if concerns.get("rules") else []) + (["demo_data"] if concerns.get("demo_data") else [])
    confirmed = {"by": by, "at": at, "reasons": reasons, "rules": list(concerns.get("rules", []))}
    meta = {**export.meta, "confirmed": confirmed}
    return replace(export, meta=meta, collection={**export.collection, "metadata": {**export.collection["metadata"],
                                                                                   "confirmed": confirmed}})


def _carried(package) -> list:
    report = getattr(package, "report", None)
    return report.carried() if report is not None else []


def _sources(package) -> list[str]:
    layers = sorted(getattr(package, "meta", {}).get("layers", {})) if isinstance(getattr(package, "meta", None), dict) else []
    modelled = sorted(getattr(package, "modelled_layers", ()) or ())
    out = [f"{getattr(package, 'name', '')}".strip()] if getattr(package, "name", "") else []
    out += [f"layer {name}" for name in layers]
    out += [f"modelled: {name}" for name in modelled]
    return out


def sheets(export: Export) -> dict[str, pd.DataFrame]:
    """The workbook officials read: grids, members, units, pairings, rules, violations, changes."""
    f = export.filing
    out = {"网格 grids": f.grids, "成员机构 members": f.members, "单元 units": f.units, "结对 pairings": f.pairings,
           "规则 rules": f.rules, "问题 violations": f.violations}
    coverage = export.session.coverage(sites=0)
    grid_of = dict(export.plan.assignment)
    out["覆盖 coverage"] = coverage.gaps.assign(grid_id=[grid_of.get(str(u), "") for u in coverage.gaps["unit_code"]])
    out["村卫生室 villages"] = coverage.villages
    access = export.session.accessibility(export.plan)
    out["可及性 accessibility"] = accessibility_units(access)
    out["可及性公平 equity"] = accessibility_equity(access)
    improvement = export.session.improve_access()  # the settings' budget (planning.improve)
    out["可及性改善 improvement"] = improvement.actions
    out["改善前后 before-after"] = improvement_effect(improvement)
    if export.meta.get("quality"):
        out["求解质量 quality"] = pd.DataFrame(
            [{**{k: v for k, v in row.items() if k != "verdict"}, "verdict_zh": row["verdict"]["zh"],
              "verdict_en": row["verdict"]["en"]} for row in export.meta["quality"]])
    if export.changes is not None:
        out["变化 changes"] = pd.DataFrame(export.changes["units_moved"], columns=["unit_code", "from", "to", "population"])
    return out


ACCESS_UNIT_COLUMNS = ("unit_name", "unit_code", "district_name", "district_code", "ring", "grid_id", "population",
                       "two_sfca", "e2sfca", "g2sfca", "three_sfca", "raam", "nearest", "chain", "limiting_tier")


def accessibility_units(access) -> pd.DataFrame:
    """The accessibility sheet: per unit, names before codes, every measure, each measured tier and
    its ratio to the tier's norm, the chain and the tier that limits access
    (``planning.accessibility.AccessibilityResult.units``)."""
    tiers = [c for c in access.units.columns if c.startswith(("tier_", "ratio_"))]
    return access.units[[*ACCESS_UNIT_COLUMNS, *tiers]]


def accessibility_equity(access) -> pd.DataFrame:
    """The equity sheet: the whole city, then by ring (remote suburbs first), by district (rings in
    that order) and by grid: residents, mean accessibility, Gini, Theil, the share below the
    threshold and the 15-minute circle against its target."""
    from planning.accessibility import EQUITY_COLUMNS

    whole = pd.DataFrame([{"scope": "city", "scope_code": "", "scope_name": "", **access.equity}])
    ring = access.by_ring.rename(columns={"ring": "scope_code"}).assign(scope="ring", scope_name="")
    district = access.by_district.rename(columns={"district_code": "scope_code", "district_name": "scope_name"})
    grid = access.by_grid.rename(columns={"grid_id": "scope_code"}).assign(scope="grid", scope_name="")
    parts = [whole, ring, district.assign(scope="district"), grid]
    return pd.concat([p[["scope", "scope_name", "scope_code", *EQUITY_COLUMNS]] for p in parts if len(p)],
                     ignore_index=True)


def improvement_effect(improvement) -> pd.DataFrame:
    """The before and after of the best use of the budget: the whole city, then by ring (remote
    suburbs first) and by district (``planning.improve.AccessImprovement``)."""
    pairs = ("residents", "mean", "share_below", "gini", "circle_share")
    whole = {"scope": "city", "scope_code": "", "scope_name": "", "residents": improvement.before["residents"],
             **{f"{k}_{when}": side[k] for k in pairs[1:] for when, side in (("before", improvement.before),
                                                                             ("after", improvement.after))}}
    ring = improvement.by_ring.rename(columns={"ring": "scope_code"}).assign(scope="ring", scope_name="")
    district = improvement.by_district.rename(columns={"district_code": "scope_code", "district_name": "scope_name"})
    columns = ["scope", "scope_name", "scope_code", "residents",
               *(f"{k}_{when}" for k in pairs[1:] for when in ("before", "after"))]
    return pd.concat([pd.DataFrame([whole]), ring, district.assign(scope="district")], ignore_index=True)[columns]


# Headers of the workbook's columns that the pages' tables do not show (texts.ui.COLUMNS has the rest)
WORKBOOK_COLUMNS: dict[str, tuple[str, str]] = {
    "member_facilities": ("成员机构", "Member facilities"), "partners": ("结对医院", "Partner hospitals"),
    "locked": ("已锁定", "Locked"), "rule": ("规则", "Rule"), "name_zh": ("规则名称", "Rule name"),
    "passed": ("通过", "Passed"), "errors": ("错误数", "Errors"), "warnings": ("警告数", "Warnings"),
    "severity": ("级别", "Severity"), "code": ("问题代码", "Problem code"), "place": ("位置", "Place"),
    "districts": ("涉及区县", "Districts"), "grids": ("涉及网格", "Grids"), "facilities": ("涉及机构", "Facilities"),
    "figures": ("数值", "Figures"), "message_zh": ("说明", "Message (Chinese)"), "message_en": ("说明（英文）", "Message"),
    "fix_zh": ("修改方法", "Fix (Chinese)"), "fix_en": ("修改方法（英文）", "Fix"),
    "primary_nearest": ("最近基层机构", "Nearest primary care"), "primary_covered_pop": ("基层覆盖人口", "Primary care: residents covered"),
    "primary_covered": ("基层已覆盖", "Primary care covered"), "village_km": ("到村卫生室距离（km）", "Village clinic km"),
    "village_nearest": ("最近村卫生室", "Nearest village clinic"), "village_covered_pop": ("村卫生室覆盖人口", "Village clinics: residents covered"),
    "village_covered": ("村卫生室已覆盖", "Village clinic covered"), "hospital_km": ("到区级医院距离（km）", "District hospital km"),
    "hospital_nearest": ("最近区级医院", "Nearest district hospital"), "hospital_covered_pop": ("区级医院覆盖人口", "District hospitals: residents covered"),
    "hospital_covered": ("区级医院已覆盖", "District hospital covered"), "city_km": ("到市级医院距离（km）", "City hospital km"),
    "city_nearest": ("最近市级医院", "Nearest city hospital"), "city_covered_pop": ("市级医院覆盖人口", "City hospitals: residents covered"),
    "city_covered": ("市级医院已覆盖", "City hospital covered"), "unknown": ("容量未知人口", "Residents, capacity unknown"),
    "served_estimated": ("按估计服务人口", "Served on an estimate"), "link": ("关联卫生院", "Linked THC"),
    "far": ("距离过远", "Too far"), "other_district": ("跨区", "Other district"), "priority": ("优先级", "Priority"),
    "from": ("原网格", "From grid"), "to": ("新网格", "To grid"), "verdict_zh": ("结论", "Verdict (Chinese)"),
    "verdict_en": ("结论（英文）", "Verdict"),
    # the accessibility (issue 17; docs/COVERAGE.md): per 10,000 residents, RAAM a cost
    "two_sfca": ("2SFCA 可及性（每万人全科医生）", "2SFCA (GPs per 10,000)"),
    "e2sfca": ("增强型 2SFCA 可及性（每万人全科医生）", "Enhanced 2SFCA (GPs per 10,000)"),
    "g2sfca": ("高斯 2SFCA 可及性（每万人全科医生）", "Gaussian 2SFCA (GPs per 10,000)"),
    "three_sfca": ("3SFCA 可及性（每万人全科医生）", "3SFCA (GPs per 10,000)"),
    "raam": ("RAAM 综合就医成本（越低越好）", "RAAM cost (lower is better)"),
    "nearest": ("到最近基层机构（km；有路网时为分钟）", "Nearest CHC or THC (km; minutes on roads)"),
    "chain": ("服务链", "Chain of care"), "limiting_tier": ("制约可及性的层级", "Tier that limits access"),
    "tier_village_clinic": ("村卫生室可及性（每万人医师）", "Village clinics (physicians per 10,000)"),
    "tier_thc": ("乡镇卫生院可及性（每万人全科医生）", "THCs (GPs per 10,000)"),
    "tier_county_hospital": ("县级医院可及性（每万人床位）", "County hospitals (beds per 10,000)"),
    "tier_chc": ("社区卫生服务中心可及性（每万人全科医生）", "CHCs (GPs per 10,000)"),
    "tier_district_hospital": ("区级医院可及性（每万人床位）", "District hospitals (beds per 10,000)"),
    "tier_city_hospital": ("市级医院可及性（每万人床位）", "City hospitals (beds per 10,000)"),
    "ratio_village_clinic": ("村卫生室：与全市平均之比", "Village clinics: ratio to the city's mean"),
    "ratio_thc": ("乡镇卫生院：与全市平均之比", "THCs: ratio to the city's mean"),
    "ratio_county_hospital": ("县级医院：与全市平均之比", "County hospitals: ratio to the city's mean"),
    "ratio_chc": ("社区卫生服务中心：与全市平均之比", "CHCs: ratio to the city's mean"),
    "ratio_district_hospital": ("区级医院：与全市平均之比", "District hospitals: ratio to the city's mean"),
    "ratio_city_hospital": ("市级医院：与全市平均之比", "City hospitals: ratio to the city's mean"),
    "scope": ("层面", "Scope"), "scope_name": ("名称", "Name"), "scope_code": ("代码", "Code"),
    "residents": ("居民", "Residents"), "mean": ("平均可及性（每万人全科医生）", "Mean accessibility (GPs per 10,000)"),
    "gini": ("基尼系数", "Gini"), "theil": ("泰尔指数", "Theil"),
    "share_below": ("低于阈值的居民占比", "Share of residents below the threshold"),
    "circle_share": ("15 分钟圈覆盖居民占比", "Share within the 15-minute circle"),
    "circle_meets_target": ("15 分钟圈达标", "15-minute circle meets target"),
    # improving access under a budget (planning.improve)
    "action": ("措施", "Action"),
    "gps_before": ("现有全科医生", "GPs now"), "gps_added": ("新增全科医生", "GPs added"),
    "lon": ("经度（WGS84）", "Longitude (WGS84)"), "lat": ("纬度（WGS84）", "Latitude (WGS84)"),
    "residents_in_reach": ("服务范围内居民（按距离衰减）", "Residents in reach (with decay)"),
    "mean_before": ("改善前平均可及性", "Mean access before"), "mean_after": ("改善后平均可及性", "Mean access after"),
    "share_below_before": ("改善前低于阈值占比", "Below the threshold, before"),
    "share_below_after": ("改善后低于阈值占比", "Below the threshold, after"),
    "gini_before": ("改善前基尼系数", "Gini before"), "gini_after": ("改善后基尼系数", "Gini after"),
    "circle_share_before": ("改善前 15 分钟圈覆盖", "15-minute circle before"),
    "circle_share_after": ("改善后 15 分钟圈覆盖", "15-minute circle after"),
}


def chinese_workbook(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The workbook with Chinese headers, and a last sheet 字段说明 fields that gives each header's
    column code and English name (for filing systems and English readers)."""
    from texts.ui import COLUMNS

    words = {**COLUMNS, **WORKBOOK_COLUMNS}
    out, fields = {}, {}
    for name, frame in tables.items():
        out[name] = frame.rename(columns={c: words[c][0] for c in frame.columns if c in words})
        for c in frame.columns:
            fields.setdefault(c, (words.get(c, (c, c))[0], c, words.get(c, (c, c))[1]))
    out["字段说明 fields"] = pd.DataFrame(list(fields.values()), columns=["表头", "column", "English"])
    return out


def workbook_values(tables: Mapping[str, pd.DataFrame], export: Export, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The tables with their coded values in the file's language (Chinese for filing): pairing
    roles (技术支持) and reasons (rendered again from the pairings' own messages: the filing's
    table keeps them in English for the CLI), facility kinds, severities, coded values
    (``texts.ui.VALUES``: rings, coverage reasons, …) and yes/no for the flags. Codes stay codes."""
    from texts import render
    from texts.ui import VALUES

    reasons = {(p.hospital_code, p.district_code): ("；" if lang == "zh" else "; ").join(r.render(lang) for r in p.reasons)
               for p in export.session.pairings(export.plan)}
    yes, no = render("export.yes", lang), render("export.no", lang)
    pick = 0 if lang == "zh" else 1

    def coded(prefix: str, value: object) -> object:
        code = f"{prefix}{value}"
        return render(code, lang) if code in CATALOGUE else value

    out = {}
    for name, frame in tables.items():
        frame = frame.copy()
        if {"role", "hospital_code", "district_code"} <= set(frame.columns):
            before = frame["reasons"] if "reasons" in frame else [""] * len(frame)
            frame["reasons"] = [reasons.get((h, d), r) for h, d, r in zip(frame["hospital_code"], frame["district_code"], before)]
            frame["role"] = [coded("role_", r) for r in frame["role"]]
        if "kind" in frame.columns:
            frame["kind"] = [coded("kind_", k) for k in frame["kind"]]
        if "severity" in frame.columns:
            frame["severity"] = [coded("report.", v) for v in frame["severity"]]
        for column, words in VALUES.items():
            if column in frame.columns:
                frame[column] = [words[v][pick] if isinstance(v, str) and v in words else v for v in frame[column]]
        if "limiting_tier" in frame.columns:
            frame["limiting_tier"] = [coded("kind_", t) if t else "" for t in frame["limiting_tier"]]
        if "action" in frame.columns:
            frame["action"] = [coded("better_action_", a) for a in frame["action"]]
        if "chain" in frame.columns:
            frame["chain"] = [coded("access_x.chain_", c) for c in frame["chain"]]
        if "scope" in frame.columns:
            frame["scope"] = [coded("access_x.scope_", c) for c in frame["scope"]]
            frame["scope_code"] = [coded("ring_", c) if s == "ring" else c for s, c in zip(tables[name]["scope"],
                                                                                        frame["scope_code"])]
        for column in ("fixed", "locked", "passed", "balance_met", "proved", "circle_meets_target"):
            if column in frame.columns and frame[column].dtype == bool:
                frame[column] = [yes if v else no for v in frame[column]]
        out[name] = frame
    return out


def write(export: Export, kind: str, path: Path, lang: str = "zh") -> Path:
    """Write ``export`` as ``kind`` (one of KINDS) to ``path``; returns the path. ``lang``: the
    PDF report's language when it is written alone (Chinese for filing; the filing ZIP's is always
    Chinese)."""
    path = Path(path)
    if kind == "geojson":
        write_layout(export.collection, path)
    elif kind == "gpkg":
        units = export.package.units[["unit_code", "geometry"]].merge(export.filing.units, on="unit_code")
        shapes = export.grid_shapes if export.grid_shapes is not None else grid_layer(
            export.package.units, dict(zip(export.filing.units["unit_code"], export.filing.units["grid_id"])),
            export.filing.grids, crs=export.world.crs)
        grids = shapes.merge(export.filing.grids[["grid_id", "district_name", "member_facilities", "partners"]],
                             on="grid_id")
        facilities = export.package.facilities.drop(columns=[c for c in ("_pos",) if c in export.package.facilities])
        write_gpkg(path, {"grids": grids, "units": gpd.GeoDataFrame(units, geometry="geometry", crs=4326),
                          "facilities": facilities, "pairings": export.filing.pairings},
                   metadata={key: export.meta[key] for key in ("plan_id", "plan_name", "version", "settings", "quality", "confirmed")
                             if key in export.meta})
    elif kind == "csv":
        write_csv(export.filing.units[["unit_code", "grid_id"]], path)
    elif kind == "checks":
        document = checks_document(export.filing.verdict, settings=export.meta.get("settings"),
                                   quality=export.meta.get("quality"))
        if export.meta.get("confirmed"):  # filed though it breaks rules or stands on demo data
            document["confirmed"] = export.meta["confirmed"]
        write_json(document, path)
    elif kind == "xlsx":
        write_xlsx(path, chinese_workbook(workbook_values(sheets(export), export)))
    elif kind == "pdf":
        from geodata.report import pdf_bytes, report_html

        document = pdf_bytes(report_html(export, lang))
        with atomic_path(path) as tmp:
            tmp.write_bytes(document)
    elif kind == "filing":
        write_filing_zip(export, path)
    else:
        raise ValueError(f"unknown export kind {kind!r}; one of {', '.join(k for k in KINDS if k != 'html')} "
                         "(the HTML map: ui.handout.write_export)")
    return path


def write_filing_zip(export: Export, path: Path) -> None:
    """The filing package: layout GeoJSON, unit CSV, the rules' verdict (checks.json), XLSX
    workbook and PDF report in one ZIP. Written whole or not at all (``atomic_path``): when one
    member fails, no ZIP is left that opens as if it were complete."""
    import tempfile

    stem = f"{export.meta.get('plan_id', 'plan')}-v{export.meta.get('version', 1)}"
    with tempfile.TemporaryDirectory() as tmp, atomic_path(path) as part:
        with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as archive:
            for kind in ("geojson", "csv", "checks", "xlsx", "pdf"):
                name = f"{stem}{SUFFIX[kind]}"
                write(export, kind, Path(tmp) / name)
                archive.write(Path(tmp) / name, arcname=name)
