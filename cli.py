"""Command line: ``validate``, ``demo``, ``propose`` (grids, pairings), ``coverage``, ``export``,
``batch`` (every pooling area of a region, on Dask) and ``users`` (local accounts).

Thin, like app.py: it parses arguments, calls geodata/planning, prints, and sets the exit code.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import geopandas as gpd
import pandas as pd

from geodata.default import write_default
from geodata.export import (checks_document, grid_layer, grid_settings, quality_rows, quality_summary, settings_summary,
                            write_csv, write_geojson, write_json, write_layout)
from geodata.errors import DataValidationError, GeodataError
from geodata.package import load_package
from planning.coverage import summary_by, supply_per_1000
from planning.config import GRID_LEADS, PlanConfig
from planning.errors import ConfigError, InfeasiblePlanError, NoUnitsError
from planning.grids import explain
from planning.metrics import district_metrics, summary
from planning.session import PlanningSession
from planning.villages import integration
from texts import render


def _print_issues(issues, lang: str) -> None:
    tags = {"error": "错误 ERROR", "warning": "警告 WARNING", "info": "提示 INFO"}
    for i in issues:
        print(f"[{tags[i.severity]}] {i.where(lang)}: {i.message(lang)}")
        if i.severity != "info":
            print(f"    → {i.fix(lang)}")


def _load(path: str, config: str | None, lang: str):
    """The package at ``path``, or None after printing why it cannot be used."""
    try:
        config_text = Path(config).read_text(encoding="utf-8-sig") if config else None
    except (OSError, UnicodeDecodeError) as exc:
        print(f"无法读取 / cannot read {config}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return None
    try:
        return load_package(Path(path), config_text=config_text)
    except DataValidationError as exc:
        _print_issues(exc.issues, lang)
        print("无法使用该数据包 / the package cannot be used", file=sys.stderr)
    except (GeodataError, OSError) as exc:
        print(f"无法读取 / cannot read {path}: {exc}", file=sys.stderr)
    return None


# --- the planner's grid settings on the command line -------------------------------------------
# each flag, the settings (planning.config) it sets, and what it accepts (texts: setting.*)
FLAGS = {"--balance-target": ("grid_balance_target",), "--band": ("grid_population_min", "grid_population_max"),
         "--grid-count": ("grid_counts",), "--leads": ("grid_leads",), "--exact-seconds": ("grid_exact_seconds",)}
WHY = {"--balance-target": "setting.grid_balance_target", "--band": "setting.band", "--grid-count": "setting.grid_counts",
       "--leads": "setting.grid_leads", "--exact-seconds": "setting.grid_exact_seconds"}


class BadSetting(Exception):
    """A settings flag with a value it does not accept: the flag, the value, and why (a code)."""

    def __init__(self, flag: str, value: str, why: str, **params: object) -> None:
        super().__init__(flag, value, why)
        self.flag, self.value, self.why, self.params = flag, value, why, params

    def line(self, command: str, lang: str) -> str:
        return f"ylt {command}: " + render("cli.bad_setting", lang, flag=self.flag, value=self.value,
                                           why=render(self.why, lang, **self.params))


def add_setting_flags(parser: argparse.ArgumentParser) -> None:
    """The grid settings of config.toml, changed for this run (docs/GRIDS.md)."""
    group = parser.add_argument_group("grid settings (override the package's config.toml for this run)")
    group.add_argument("--balance-target", metavar="X",
                       help="largest population max/min of a district's grids the solver aims for; 0 = access only")
    group.add_argument("--band", metavar="MIN:MAX",
                       help="population band of a grid, in residents (200000:800000, or 20万:80万); a side left "
                            "empty keeps the package's")
    group.add_argument("--grid-count", metavar="CODE=N", action="append", default=[],
                       help="fix a district's number of grids (repeatable); CODE=auto: from the band again")
    group.add_argument("--leads", metavar="choose|given",
                       help="choose: the engine picks which hospitals lead; given: every hospital that may lead "
                            "leads one grid")
    group.add_argument("--exact-seconds", metavar="S", help="time limit of the exact solver per district (0 < S <= 600)")


def _number(flag: str, text: str, *, residents: bool = False) -> float:
    """A finite number; with ``residents``, ``20万`` is 200,000 and thousands may be separated."""
    raw = text.strip().replace(",", "").replace("_", "")
    scale = 1.0
    if residents and raw.endswith(("万", "w", "W")):
        raw, scale = raw[:-1], 10_000.0
    try:
        value = float(raw) * scale
    except ValueError:
        raise BadSetting(flag, text, WHY[flag]) from None
    if not math.isfinite(value):
        raise BadSetting(flag, text, WHY[flag])
    return value


def setting_overrides(args: argparse.Namespace) -> dict[str, object]:
    """The settings the flags set, read but not yet checked against each other and the package
    (``with_settings`` does that); ``BadSetting`` for a value that is not even of the right form.
    ``grid_counts`` here holds the districts named (None: automatic again)."""
    out: dict[str, object] = {}
    if args.balance_target is not None:
        out["grid_balance_target"] = _number("--balance-target", args.balance_target)
    if args.band is not None:
        low, sep, high = args.band.partition(":")
        if not sep or not (low.strip() or high.strip()):
            raise BadSetting("--band", args.band, "cli.band_syntax")
        if low.strip():
            out["grid_population_min"] = _number("--band", low, residents=True)
        if high.strip():
            out["grid_population_max"] = _number("--band", high, residents=True)
    counts: dict[str, int | None] = {}
    for item in args.grid_count:
        code, sep, n = (part.strip() for part in item.partition("="))
        if not sep or not code:
            raise BadSetting("--grid-count", item, "cli.grid_count_syntax")
        if n.lower() == "auto":
            counts[code] = None
            continue
        if not n.isdigit() or int(n) < 1:
            raise BadSetting("--grid-count", item, "setting.grid_counts")
        counts[code] = int(n)
    if counts:
        out["grid_counts"] = counts
    if args.leads is not None:
        if args.leads.strip() not in GRID_LEADS:
            raise BadSetting("--leads", args.leads, "setting.grid_leads")
        out["grid_leads"] = args.leads.strip()
    if args.exact_seconds is not None:
        out["grid_exact_seconds"] = _number("--exact-seconds", args.exact_seconds)
    return out


def with_settings(config: PlanConfig, overrides: dict[str, object], args: argparse.Namespace,
                  districts: set[str]) -> PlanConfig:
    """``config`` with the flags' settings (``dataclasses.replace``), checked as config.toml is
    (``PlanConfig.check``); ``BadSetting`` names the flag of the first value refused."""
    if not overrides:
        return config
    values = dict(overrides)
    if "grid_counts" in values:
        named = values["grid_counts"]
        unknown = sorted(code for code in named if code not in districts)
        if unknown:
            item = next(i for i in args.grid_count if i.partition("=")[0].strip() == unknown[0])
            raise BadSetting("--grid-count", item, "setting.grid_counts_unknown", district=unknown[0])
        merged = {**config.grid_counts, **named}
        values["grid_counts"] = MappingProxyType({code: n for code, n in sorted(merged.items()) if n is not None})
    changed = replace(config, **values)
    try:
        changed.check()
    except ConfigError as exc:
        for flag, names in FLAGS.items():
            given = getattr(args, flag.lstrip("-").replace("-", "_"))
            if given and any(problem.startswith(name) for problem in exc.problems for name in names):
                raise BadSetting(flag, _given(args, flag), WHY[flag]) from None
        raise
    return changed


def _given(args: argparse.Namespace, flag: str) -> str:
    value = getattr(args, flag.lstrip("-").replace("-", "_"))
    return " ".join(value) if isinstance(value, list) else str(value)


def _configured(args: argparse.Namespace, pkg, command: str):
    """The package's settings changed by the flags, or None after printing why not (one line per
    flag refused, naming it)."""
    try:
        return with_settings(pkg.config, setting_overrides(args), args, set(pkg.districts["district_code"].astype(str)))
    except BadSetting as exc:
        print(exc.line(command, args.lang), file=sys.stderr)
    except ConfigError as exc:
        print(f"ylt {command}: {'; '.join(exc.problems)}", file=sys.stderr)
    return None


def cmd_validate(args: argparse.Namespace) -> int:
    pkg = _load(args.path, args.config, args.lang)
    if pkg is None:
        return 2
    for name in ("districts", "units", "facilities", "partnerships"):
        frame = getattr(pkg, name)
        meta = pkg.meta.get(name)
        rejected = len(pkg.report.rejected.get(name, ()))
        how = f"{meta.source}, {meta.crs}" if meta else "-"
        print(f"{name:13s} {len(frame):6d} loaded  {rejected:4d} rejected  ({how})")
    print(f"population    {pkg.population:,.0f}")
    _print_issues(pkg.report.issues, args.lang)
    counts = pkg.report.counts()
    print(f"errors {counts['error']}, warnings {counts['warning']}, notes {counts['info']}")
    return 1 if counts["error"] else 0


def _print_verdict(verdict, lang: str) -> None:
    """Each rule: pass or not (an error fails it; warnings are counted beside), then its violations."""
    for rule in verdict.rules:
        state = "pass" if rule.passed else "FAIL"
        counts = f"{len(rule.errors)} error(s), {len(rule.warnings)} warning(s)" if rule.violations else ""
        print(f"{rule.id}: {state}{'; ' + counts if counts else ''}")
        for v in rule.violations:
            tag = "错误 ERROR" if v.severity == "error" else "警告 WARNING"
            print(f"    [{tag}] {v.message(lang)} → {v.fix(lang)}")  # the message names its place, names first


def _carried(pkg, lang: str) -> list[dict]:
    """Problems every result inherits (an undeclared GCJ-02 layer): printed, and written beside
    the result with the fix."""
    out = []
    for problem in pkg.report.carried():
        print(f"[警告 WARNING] {problem.where(lang)}: {problem.message(lang)} → {problem.fix(lang)}", file=sys.stderr)
        out.append({"code": problem.code, "layer": problem.layer, "message": problem.message(lang), "fix": problem.fix(lang)})
    return out


def cmd_propose(args: argparse.Namespace) -> int:
    """Grids for the package: layout.geojson, units.csv, explanations.csv, checks.json, metrics.json.

    Exit 0: every rule passes (warnings allowed); 1: the plan is written and some rule has an
    error (checks.json says which, where and the fix); 2: the package cannot be used; 3: no
    district can be planned at all (no hospital anywhere may lead)."""
    try:
        setting_overrides(args)  # a flag's value of the wrong form stops before the package is read
    except BadSetting as exc:
        print(exc.line("propose", args.lang), file=sys.stderr)
        return 2
    pkg = _load(args.data, args.config, args.lang)
    if pkg is None:
        return 2
    config = _configured(args, pkg, "propose")
    if config is None:
        return 2
    errors = pkg.report.errors
    if errors:
        _print_issues(errors, args.lang)
        print("数据有错误，已按可用部分规划 / data has errors; planning with what loaded", file=sys.stderr)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    settings = grid_settings(config)
    print(settings_summary(settings, args.lang, _district_names(pkg)))
    try:
        session = PlanningSession(pkg, config)
        proposal = session.propose(grids=not args.pairings_only)
    except (InfeasiblePlanError, NoUnitsError) as exc:
        print(f"[{', '.join(getattr(exc, 'rules', ('G1',)))}] {exc.messages[args.lang]}", file=sys.stderr)
        return 3
    pairing = proposal.pairing
    write_csv(pd.DataFrame([{"hospital_code": p.hospital_code, "district_code": p.district_code, "role": p.role,
                             "fixed": p.fixed, "reason": "; ".join(r.render("en") for r in p.reasons)}
                            for p in pairing.pairings]), out / "pairings.csv")
    print(f"pairings {len(pairing.pairings)}; districts without a general partner: "
          f"{', '.join(d for d, _ in pairing.unpaired) or 'none'}")
    caps = session.binding_caps()
    if proposal.grids is None:
        verdict = session.judge_pairings(pairing.pairings)
        write_json({**checks_document(verdict, pairing, caps, settings=settings),
                    "data_warnings": _carried(pkg, args.lang)}, out / "checks.json")
        _print_verdict(verdict, args.lang)
        return 0 if verdict.passed else 1
    plan = proposal.grids.plan
    verdict = session.judge(plan, pairings=pairing.pairings)
    table = session.metrics(plan)
    world = session.world
    quality = quality_rows(proposal.grids.quality, world.district_names,
                           [d for d, ring in world.district_ring.items() if ring == "county"])
    _write_layout(grid_layer(pkg.units, plan.assignment, table), {"settings": settings}, out / "layout.geojson")
    write_csv(pd.DataFrame(sorted(plan.assignment.items()), columns=["unit_code", "grid_id"]), out / "units.csv")
    write_csv(pd.DataFrame(explain(session.world, proposal.grids)), out / "explanations.csv")
    write_json({**checks_document(verdict, pairing, caps, settings=settings, quality=quality),
                "data_warnings": _carried(pkg, args.lang)}, out / "checks.json")
    write_json({"plan": summary(table), "settings": settings, "districts": district_metrics(table).to_dict(orient="records"),
                "grids": table.to_dict(orient="records"), "island_links": list(proposal.grids.notes),
                "detached_parts": session.detached_parts(plan).to_dict(orient="records"), "quality": quality},
               out / "metrics.json")
    s = summary(table)
    print(f"grids {s['grids']}, population {s['population']:,.0f}, max/min {s['population_max_min_ratio']:.2f}, "
          f"mean access {s['mean_access_km']} km")
    _print_quality(quality, args.lang)
    _print_verdict(verdict, args.lang)
    if proposal.grids.unplanned:
        print(f"未能规划 / not planned: {', '.join(proposal.grids.unplanned)} (G5)", file=sys.stderr)
    return 0 if verdict.passed else 1


def _print_quality(rows: list[dict], lang: str) -> None:
    """How many districts are proved optimal, then one line per district that is not: its method
    and how far from the best possible its grids may be (from the solver's bound)."""
    if not rows:
        return
    print(render("quality.cli_line", lang, summary=quality_summary(rows, lang, items=None)))
    for r in rows:
        if r["proved"]:
            continue
        if r["status"] == "heuristic":  # its verdict says so
            line = render("quality.cli_district", lang, name=r["district_name"], district=r["district_code"],
                          verdict=r["verdict"][lang])
        else:
            line = render("quality.cli_district_method", lang, name=r["district_name"], district=r["district_code"],
                          method=render(f"quality.method_{r['method']}", lang), verdict=r["verdict"][lang])
        print("    " + line)


def _district_names(pkg) -> dict[str, str]:
    return dict(zip(pkg.districts["district_code"].astype(str), pkg.districts["district_name"].astype(str)))


def _write_layout(grids: gpd.GeoDataFrame, metadata: dict, path: Path) -> None:
    """The grids as RFC 7946 GeoJSON (GDAL writes the geometry) with a ``metadata`` member, as the
    filed layout has one (``geodata.export.layout_collection``)."""
    import json
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        write_geojson(grids, Path(tmp) / "grids.geojson")
        data = json.loads((Path(tmp) / "grids.geojson").read_text(encoding="utf-8"))
    data.pop("name", None)  # GDAL's foreign member naming the temporary layer
    data["metadata"] = metadata
    write_layout(data, path)


def cmd_coverage(args: argparse.Namespace) -> int:
    """Access, gaps, new sites, village links and the best use of the budget of GPs and sites: coverage.geojson,
    gaps.csv, sites.csv, villages.csv, improvement.csv, coverage.json."""
    pkg = _load(args.data, args.config, args.lang)
    if pkg is None:
        return 2
    config = pkg.config
    try:
        session = PlanningSession(pkg)
    except NoUnitsError as exc:
        print(exc.messages[args.lang], file=sys.stderr)
        return 3
    result = session.coverage(sites=args.sites)
    table, gaps, villages, network, demand = result.table, result.gaps, result.villages, result.network, result.demand
    gains = result.site_gains
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    units = pkg.units[["unit_code", "unit_name", "geometry"]].merge(gaps, on="unit_code").sort_values("unit_code")
    write_geojson(units, out / "coverage.geojson")
    write_csv(gaps[gaps["gap_score"] > 0], out / "gaps.csv")
    write_csv(pd.DataFrame({"rank": range(1, len(gains) + 1), "site_code": result.site_codes, "name": result.site_names,
                            "population_gained": gains, "lon": result.site_lonlat[:, 0].round(6),
                            "lat": result.site_lonlat[:, 1].round(6)}), out / "sites.csv")
    write_csv(villages, out / "villages.csv")
    improvement = session.improve_access()
    write_csv(improvement.actions.assign(lon=improvement.actions["lon"].round(6), lat=improvement.actions["lat"].round(6)),
              out / "improvement.csv")
    population = pkg.districts.set_index("district_code")["population"]
    plan = None
    try:  # per grid too, on the proposed grids
        plan = session.propose_grids().plan
        grid_of_unit = table["unit_code"].map(plan.assignment)
        grids = summary_by(table.assign(grid_id=grid_of_unit), "grid_id").to_dict(orient="records")
        placed = gpd.sjoin(pkg.facilities, pkg.units[["unit_code", "geometry"]], how="inner", predicate="within")
        grid_population = table.assign(grid_id=grid_of_unit).groupby("grid_id")["population"].sum()
        supply_grids = supply_per_1000(placed.assign(grid_id=placed["unit_code"].map(plan.assignment)), grid_population,
                                       by="grid_id").to_dict(orient="records")
    except InfeasiblePlanError as exc:
        grids = supply_grids = [{"error": exc.messages["en"]}]
    write_json({
        "city": summary_by(table.assign(city="all"), "city").to_dict(orient="records")[0],
        "districts": summary_by(table, "district_code").to_dict(orient="records"),
        "grids": grids,
        "supply": supply_per_1000(pkg.facilities, population).to_dict(orient="records"),
        "supply_grids": supply_grids,
        "villages": {"by_district": integration(villages, "district_code", config).to_dict(orient="records"),
                     "by_thc": integration(villages, "thc_code", config).to_dict(orient="records"),
                     # a package without village clinics (any urban one): no city row, not a crash
                     "city": next(iter(integration(villages.assign(city="all"), "city", config).to_dict(orient="records")),
                                  {"city": "all", "clinics": 0})},
        "sites_population_gained": float(sum(gains)),
        "data_warnings": _carried(pkg, args.lang),
        "capacity": {"no_staffing_recorded": result.staffing_gaps.to_dict(orient="records"),
                     "fallback": "the median GPs (else physicians) of the same kind in the package; unknown when the "
                                 "kind has none recorded (docs/COVERAGE.md)"},
        "travel": "road network" if network is not None else f"straight line x {config.detour_factor}",
        "demand": f"{len(demand.xy)} population points" if demand is not None else "one point per unit",
        # the 2SFCA family, tier by tier, and its equity by ring, district and grid (docs/DATA_FORMAT.md)
        "accessibility": session.accessibility(plan).document(),
        # the best use of the settings' budget of GPs and new sites (planning.improve), before and after
        "improvement": improvement.document(),
    }, out / "coverage.json")
    city = summary_by(table.assign(city="all"), "city").iloc[0]
    print(f"population {city['population']:,.0f}: served {city['served_share']:.1%}, within reach but unserved "
          f"{city['unserved_share']:.1%}, within reach with capacity unknown {city['unknown_share']:.1%}, "
          f"beyond reach {city['not_covered_share']:.1%}")
    gaps_staff = result.staffing_gaps
    if len(gaps_staff):
        by = gaps_staff["capacity_source"].value_counts()
        print(f"[警告 WARNING] {len(gaps_staff)} CHC/THC have no staffing recorded ({', '.join(gaps_staff['facility_code'][:10])}"
              f"{' …' if len(gaps_staff) > 10 else ''}): {by.get('median', 0)} estimated as the median of their kind, "
              f"{by.get('unknown', 0)} unknown (their residents counted as 'capacity unknown'); see coverage.json", file=sys.stderr)
    print(f"{args.sites} new sites would bring {sum(gains):,.0f} residents within reach")
    _print_accessibility(session.accessibility(plan))
    _print_improvement(improvement)
    if len(villages):
        print(f"village clinics: {len(villages)}, proposed links {int((villages['link'] == 'proposed').sum())}, "
              f"integrated {villages['integrated'].mean():.1%}")
    else:
        print("village clinics: none in this package")
    return 0


def _print_accessibility(result) -> None:
    """One line of the accessibility's equity, and the tiers the package lacks (skipped, said why)."""
    e, p = result.equity, result.params
    print(f"accessibility ({result.measure}, GPs per 10,000 residents): mean {e['mean']:.2f}, Gini {e['gini']:.3f}, "
          f"Theil {e['theil']:.3f}, below {p.threshold_per_10000:g} {e['share_below']:.1%}, "
          f"15-minute circle {e['circle_share']:.1%} (target {p.circle_target:.0%})")
    skipped = result.tiers[~result.tiers["measured"]]
    if len(skipped):
        print("tiers not measured: " + ", ".join(f"{t} ({why.replace('_', ' ')})" for t, why in
                                                 zip(skipped["tier"], skipped["skipped"])))


def _print_improvement(result) -> None:
    """One line of the best use of the budget: what it places, before -> after, proved or the gap."""
    b, before, after = result.budget, result.before, result.after
    if result.status == "nothing":
        print("improving access: nothing to place, or nobody in reach")
        return
    sites = int((result.actions["action"] == "new_site").sum())
    proof = "proved optimal" if result.gap <= 1e-6 else f"within {result.gap:.2%} of the optimum"
    print(f"improving access ({b.objective}): {result.gps_used} of {b.gps} GPs, {sites} new sites; mean "
          f"{before['mean']:.3f} -> {after['mean']:.3f}, Gini {before['gini']:.4f} -> {after['gini']:.4f}, below "
          f"{result.threshold:g} {before['share_below']:.1%} -> {after['share_below']:.1%}; {proof} (HiGHS"
          f"{', time limit' if result.status == 'time_limit' else ''}); see improvement.csv")


def _ranges(numbers: list[int]) -> str:
    """1-5, 7, 9-10"""
    out: list[str] = []
    for n in numbers:
        if out and out[-1].split("-")[-1] == str(n - 1):
            out[-1] = f"{out[-1].split('-')[0]}-{n}"
        else:
            out.append(str(n))
    return ", ".join(out) or "none"


def _plan_for_export(args: argparse.Namespace):
    """(package, plan, metadata, previous version or None) from a stored plan id, an exported
    layout (.geojson) or a folder written by ``propose``; None after printing why not. A propose
    folder's ``metrics.json`` quality rows ride along in the metadata (``_quality``) for
    ``cmd_export`` to check against the plan."""
    import csv
    import json

    from geodata.default import load_default
    from geodata.export import plan_payload_from_layout
    from geodata.plans import PlanNotFoundError, PlanStore
    from geodata.store import package_path
    from planning.plan import layout_problems, plan_from_dict, plan_problems

    source = Path(args.plan)
    previous = None
    if source.is_dir() or source.suffix.lower() in (".geojson", ".json"):
        if not args.data:
            print("--data is needed with a layout file or a propose folder / 需要 --data 指定数据包", file=sys.stderr)
            return None
        pkg = _load(args.data, None, args.lang)
        if pkg is None:
            return None
        layout = json.loads(((source / "layout.geojson") if source.is_dir() else source).read_text(encoding="utf-8"))
        # checked as a stored plan is (every problem at once): what would break an export is refused;
        # a unit left out is the rules' to judge (G1), as on the page
        problems = layout_problems(layout)
        payload = plan_payload_from_layout(layout) if not problems else None
        if source.is_dir():  # propose's folder: units.csv and pairings.csv beside the layout
            with open(source / "units.csv", encoding="utf-8") as fh:
                payload["assignment"] = {r["unit_code"]: r["grid_id"] for r in csv.DictReader(fh)}
            if (source / "pairings.csv").exists():
                with open(source / "pairings.csv", encoding="utf-8") as fh:
                    payload["pairings"] = [{"hospital_code": r["hospital_code"], "district_code": r["district_code"],
                                            "role": r["role"], "fixed": r["fixed"] == "True"} for r in csv.DictReader(fh)]
        problems = problems or plan_problems(payload, complete=False, units=pkg.units["unit_code"].astype(str),
                                             districts=pkg.districts["district_code"].astype(str))
        if problems:
            print(f"{source}: {len(problems)} problem(s), nothing exported / 方案有问题，未导出：", file=sys.stderr)
            for problem in problems:
                print(f"  - {problem.message(args.lang)}", file=sys.stderr)
            return None
        plan = plan_from_dict(payload)
        meta = {"plan_id": layout.get("metadata", {}).get("plan_id", source.stem), "plan_name": plan.name or source.stem,
                "version": layout.get("metadata", {}).get("version", 1), "author": layout.get("metadata", {}).get("author", ""),
                "created": layout.get("metadata", {}).get("created", "")}
        metrics = source / "metrics.json" if source.is_dir() else None
        if metrics is not None and metrics.exists():
            recorded = json.loads(metrics.read_text(encoding="utf-8"))
            if recorded.get("quality"):
                meta["_quality"] = (recorded["quality"], recorded.get("settings") or {})
        return pkg, plan, meta, previous
    store = PlanStore(store_path(args.store, "plans.sqlite"))
    info = next((p for p in store.plans() if p["plan_id"] == args.plan), None)
    if info is None:
        print(f"no plan {args.plan} in {store.path} / 找不到方案", file=sys.stderr)
        return None
    versions = sorted({entry["version"] for entry in store.history(args.plan)})
    for flag, wanted in (("--version", args.version), ("--since", args.since)):
        if wanted is not None and wanted not in versions:
            print(f"plan {args.plan} has no version {wanted} ({flag}); its versions: {_ranges(versions)} / "
                  f"方案没有版本 {wanted}，现有版本：{_ranges(versions)}", file=sys.stderr)
            return None
    try:
        version, payload = store.load(args.plan, args.version)
        if args.since:
            previous = plan_from_dict(store.load(args.plan, args.since)[1])
    except PlanNotFoundError:
        print(f"no plan {args.plan} in {store.path} / 找不到方案", file=sys.stderr)
        return None
    pkg = load_default() if info["package_id"] == "default" else _load(str(package_path(info["package_id"])), None, args.lang)
    if pkg is None:
        return None
    log = [e for e in store.history(args.plan) if e["version"] == version]
    meta = {"plan_id": args.plan, "plan_name": info["name"], "version": version, "created": info["updated"],
            "author": log[-1]["author"] if log else ""}
    return pkg, plan_from_dict(payload), meta, previous


class StoreMissing(Exception):
    """A ``--store`` path with no database there (a typo would otherwise start an empty one)."""


def store_path(given: str | None, default_name: str, create: bool = False) -> Path:
    """The database a command uses: ``given`` or ``<data dir>/<default_name>``. The default is
    created when missing (a fresh install); a ``--store`` path must exist unless ``--create``
    says to start a new database there, so a mistyped path never quietly opens an empty one."""
    from geodata.store import data_dir

    if not given:
        return data_dir() / default_name
    path = Path(given)
    if path.is_dir():
        raise StoreMissing(f"--store {given}: a folder, not a database file / 是文件夹，不是数据库文件")
    if not path.exists() and not create:
        raise StoreMissing(f"--store {given}: no database there (add --create to start a new one) / "
                           "该路径没有数据库（新建请加 --create）")
    return path


def cmd_export(args: argparse.Namespace) -> int:
    from geodata.filing import build, quality_fits
    from ui.handout import write_export

    try:
        setting_overrides(args)
    except BadSetting as exc:
        print(exc.line("export", args.lang), file=sys.stderr)
        return 2
    found = _plan_for_export(args)
    if found is None:
        return 2
    pkg, plan, meta, previous = found
    config = _configured(args, pkg, "export")
    if config is None:
        return 2
    session = PlanningSession(pkg, config)
    recorded = meta.pop("_quality", None)
    # the solver's bounds are filed only for the proposal they were measured on: a propose folder
    # whose grids and settings are still those of its metrics.json; never for a stored plan
    quality = recorded[0] if recorded and quality_fits(session, plan, *recorded) else None
    if recorded and quality is None:
        print(render("quality.cli_not_filed", args.lang), file=sys.stderr)
    export = build(session, plan, meta, previous=previous, quality=quality)
    print(write_export(export, args.format, Path(args.out), args.lang))
    failed = export.meta["rules"]["failed"]
    if failed:
        print(f"规则未通过 / rules failed: {', '.join(failed)}", file=sys.stderr)
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    """Every pooling area of the region through the pipeline, one Dask task each (region.runner).

    Exit 0: every area done (or done before); 1: some area failed (each said, with its reason);
    2: nothing could be run (no region, no package in it, bad settings, no cluster)."""
    from region.areas import find_areas
    from region.runner import RegionError, run_region

    try:
        settings = setting_overrides(args)
    except BadSetting as exc:
        print(exc.line("batch", args.lang), file=sys.stderr)
        return 2
    if args.workers is not None and args.workers < 1:
        print(f"ylt batch: --workers {args.workers}: 1 or more / 至少 1 个", file=sys.stderr)
        return 2
    config_text = Path(args.config).read_text(encoding="utf-8-sig") if args.config else None
    if settings.get("grid_counts") and Path(args.region).exists():  # a code of no district here is a typo
        areas = find_areas(args.region)
        known = {code for area in areas for code in area.districts}
        unknown = sorted(code for code in settings["grid_counts"] if code not in known)
        if unknown and all(area.districts for area in areas):
            item = next(i for i in args.grid_count if i.partition("=")[0].strip() == unknown[0])
            print(BadSetting("--grid-count", item, "batch.grid_count_unknown", district=unknown[0]).line("batch", args.lang),
                  file=sys.stderr)
            return 2
    try:
        result = run_region(args.region, args.out, cells=args.cells, scheduler=args.scheduler, workers=args.workers,
                            resume=not args.no_resume, settings=settings, sites=args.sites, config_text=config_text,
                            lang=args.lang)
    except RegionError as exc:
        print(f"ylt batch: {exc.messages[args.lang]}", file=sys.stderr)
        return 2
    print(render("batch.summary", args.lang, ok=result.count("ok"), resumed=result.count("resumed"),
                 failed=len(result.failed), seconds=result.run["seconds"]))
    for failure in result.failed:
        print(render("batch.failed_line", args.lang, name=failure["area_name"], area=failure["area_code"],
                     reason=failure[args.lang]), file=sys.stderr)
    print(render("batch.written", args.lang, files=[str(p) for p in result.files]))
    return 1 if result.failed else 0


def cmd_demo(args: argparse.Namespace) -> int:
    for path in write_default(Path(args.out)):
        print(path)
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    """Local accounts (``<data dir>/accounts.sqlite``): list, add, passwd, role, remove. A
    password is read from the terminal without echo, or from one line of standard input with
    ``--password-stdin`` (for scripts); never from the command line, where ``ps`` shows it."""
    import getpass

    from geodata.accounts import AccessError, AccountStore

    if args.action != "list" and not args.name.strip():
        print(f"ylt users {args.action}: name the account / 请给出账户名", file=sys.stderr)
        return 2
    if args.action == "role" and args.role is None:  # never a quiet demotion to a default role
        print("ylt users role: --role official|planner|admin is required / 必须用 --role 指定角色", file=sys.stderr)
        return 2
    store = AccountStore(store_path(args.store, "accounts.sqlite", args.create))

    def password() -> str:
        if args.password_stdin:
            return sys.stdin.readline().rstrip("\n")
        first, again = getpass.getpass("密码 / password: "), getpass.getpass("再次输入 / again: ")
        if first != again:
            raise AccessError("passwords_differ")
        return first

    try:
        if args.action == "list":
            for account in store.accounts():
                locked = f"  locked until {account['locked_until']}" if account["locked_until"] else ""
                print(f"{account['name']}\t{account['role']}\t{account['created']}{locked}")
        elif args.action == "add":
            store.add(args.name, password(), args.role or "planner")
        elif args.action == "passwd":
            store.set_password(args.name, password())
        elif args.action == "role":
            store.set_role(args.name, args.role)
        elif args.action == "remove":
            store.remove(args.name)
    except AccessError as exc:
        print(exc.messages[args.lang], file=sys.stderr)
        return 2
    if args.action != "list":
        print(f"ok: {args.action} {args.name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ylt", description="医联体网格化布局规划 / medical alliance grid planner")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of messages (default zh)")
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="load a data package and print every problem; exit 1 on errors")
    v.add_argument("path", help="package folder, .zip of one, or .gpkg")
    v.add_argument("--config", help="config.toml to use instead of the package's own")
    v.set_defaults(func=cmd_validate)
    p = sub.add_parser("propose", help="propose grids and pairings; writes layout.geojson, units.csv, pairings.csv, "
                                       "checks.json, metrics.json")
    p.add_argument("--data", required=True, help="data package (folder, .zip or .gpkg)")
    p.add_argument("--out", required=True, help="folder to write")
    p.add_argument("--config", help="config.toml to use instead of the package's own")
    p.add_argument("--pairings-only", action="store_true", help="only the hospital-district pairings (no grids)")
    add_setting_flags(p)
    p.set_defaults(func=cmd_propose)
    c = sub.add_parser("coverage", help="access, coverage gaps, new sites, village links")
    c.add_argument("--data", required=True, help="data package (folder, .zip or .gpkg)")
    c.add_argument("--out", required=True, help="folder to write")
    c.add_argument("--config", help="config.toml to use instead of the package's own")
    c.add_argument("--sites", type=int, default=10, help="how many new primary-care sites to propose (default 10)")
    c.set_defaults(func=cmd_coverage)
    e = sub.add_parser("export", help="write one plan version as geojson, gpkg, csv, xlsx, pdf, html, checks "
                                      "(the rules' verdict as JSON) or a filing zip")
    e.add_argument("--plan", required=True, help="a stored plan id, an exported layout .geojson, or a folder from propose")
    e.add_argument("--format", required=True, choices=("geojson", "gpkg", "csv", "xlsx", "pdf", "filing", "html", "checks"),
                   help="checks: the rules' verdict as checks.json (docs/DATA_FORMAT.md)")
    e.add_argument("--out", required=True, help="file to write")
    e.add_argument("--data", help="the data package (with a layout file or a propose folder)")
    e.add_argument("--version", type=int, help="the plan version (default: the latest)")
    e.add_argument("--since", type=int, help="the last filed version: the report lists the changes since")
    e.add_argument("--store", help="plans database (default: <data dir>/plans.sqlite); must exist")
    add_setting_flags(e)  # the plan is judged again under them; the metadata records them
    e.set_defaults(func=cmd_export)
    b = sub.add_parser("batch", help="plan every pooling area of a region (one package of many districts or counties, "
                                     "or a folder of packages) on Dask; see docs/BATCH.md")
    b.add_argument("region", help="a data package (folder, .zip or .gpkg) or a folder of packages")
    b.add_argument("--out", required=True, help="folder to write (areas/<code>/, summary.csv, region.json, grids.gpkg, "
                                                "grids.parquet)")
    b.add_argument("--cells", help="population cells partitioned by county (county=<code>/part-0.parquet)")
    b.add_argument("--scheduler", help="tcp://HOST:PORT of a running Dask scheduler, or serial (this process alone); "
                                       "default: a local cluster of --workers processes")
    b.add_argument("--workers", type=int, help="workers of the local cluster (default: one per CPU)")
    b.add_argument("--no-resume", action="store_true", help="compute every area again, even those done before")
    b.add_argument("--config", help="config.toml for every area instead of each package's own")
    b.add_argument("--sites", type=int, default=10, help="new primary-care sites proposed per area (default 10)")
    add_setting_flags(b)
    b.set_defaults(func=cmd_batch)
    d = sub.add_parser("demo", help="write the embedded Shanghai default as a data package")
    d.add_argument("--out", required=True, help="folder to write")
    d.set_defaults(func=cmd_demo)
    u = sub.add_parser("users", help="local accounts for access control (see docs/RELIABILITY.md)")
    u.add_argument("action", choices=("list", "add", "passwd", "role", "remove"))
    u.add_argument("name", nargs="?", default="", help="the account name (all but list)")
    u.add_argument("--role", choices=("official", "planner", "admin"),
                   help="official = read-only review, planner = edits plans, admin = also manages plans and accounts "
                        "(add: planner when not given; role: required)")
    u.add_argument("--password-stdin", action="store_true", help="read the password from one line of standard input")
    u.add_argument("--store", help="accounts database (default: <data dir>/accounts.sqlite); must exist unless --create")
    u.add_argument("--create", action="store_true", help="start a new accounts database at --store")
    u.set_defaults(func=cmd_users)
    st = sub.add_parser("store", help="the plans database: check its integrity, or back it up while the app runs")
    st.add_argument("action", choices=("check", "backup"))
    st.add_argument("--store", help="plans database (default: <data dir>/plans.sqlite); must exist")
    st.add_argument("--to", help="backup: a file, or a folder for plans-<UTC time>.sqlite (default: <data dir>/backups/)")
    st.set_defaults(func=cmd_store)
    cl = sub.add_parser("clean", help="remove uploads no plan uses, map files and sign-in records older than "
                                      "retention_days (access.toml, default 90)")
    cl.add_argument("--days", type=float, help="this many days instead of retention_days")
    cl.add_argument("--dry-run", action="store_true", help="say what would go, remove nothing")
    cl.set_defaults(func=cmd_clean)
    args = parser.parse_args(argv)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    """The command, with every failure to read or store told in one line (exit 2), never a traceback."""
    import json

    from geodata.accounts import AccessError
    from geodata.plans import PlanStorageError

    try:
        return args.func(args)
    except StoreMissing as exc:
        print(f"ylt {args.command}: {exc}", file=sys.stderr)
    except (PlanStorageError, AccessError) as exc:
        print(f"ylt {args.command}: {exc.messages[args.lang]}", file=sys.stderr)
    except GeodataError as exc:  # a stored package gone, an id that is none
        print(f"ylt {args.command}: {getattr(exc, 'messages', {}).get(args.lang) or exc}", file=sys.stderr)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = getattr(exc, "filename", None)
        print(f"ylt {args.command}: cannot read {where + ': ' if where else ''}{getattr(exc, 'strerror', None) or exc} "
              "/ 无法读取", file=sys.stderr)
    return 2


def cmd_store(args: argparse.Namespace) -> int:
    """``check``: PRAGMA integrity_check, ``ok`` (exit 0) or each problem (exit 1); ``backup``: a
    consistent copy with SQLite's online backup API (the app may keep running)."""
    from geodata.plans import PlanStore, backup_dir

    path = store_path(args.store, "plans.sqlite")
    if not path.exists():
        raise StoreMissing(f"no plans database at {path} / 没有方案数据库")
    store = PlanStore(path)
    if args.action == "check":
        problems = store.check()
        if problems == ["ok"]:
            print(f"ok: {path}")
            return 0
        for line in problems:
            print(line)
        print(f"{path}: {len(problems)} problem(s); restore a backup from {backup_dir(path)} / 数据库有问题，请用备份恢复",
              file=sys.stderr)
        return 1
    print(store.backup(Path(args.to) if args.to else backup_dir(path)))
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    """Remove what the retention setting lets go: stored uploads no plan was made on, the map's
    published files (written again when needed), expired sign-ins and failed-attempt records."""
    import time

    from geodata.accounts import AccountStore, read_config
    from geodata.plans import PlanStore
    from geodata.store import ROOT, clean_files, clean_uploads, data_dir

    days = args.days if args.days is not None else read_config(data_dir() / "access.toml").retention_days
    if not 0 <= days <= 36500:
        print(f"ylt clean: --days {days}: from 0 to 36500 / 天数须在 0 到 36500 之间", file=sys.stderr)
        return 2
    plans_db, accounts_db = data_dir() / "plans.sqlite", data_dir() / "accounts.sqlite"
    keep = set()
    if plans_db.exists():
        store = PlanStore(plans_db)
        keep = {p["package_id"] for p in store.plans()} | {p["package_id"] for p in store.plans(deleted=True)}
    if args.dry_run:
        cutoff = time.time() - days * 86400
        root = data_dir() / "packages"
        old = [f.name for f in (sorted(root.iterdir()) if root.is_dir() else ())
               if f.name not in keep and f.is_dir() and f.stat().st_mtime < cutoff]
        print(f"would remove {len(old)} upload(s) older than {days:g} days: {', '.join(old) or 'none'}")
        return 0
    uploads = clean_uploads(days, keep)
    cache = clean_files(ROOT / "static" / "cache", days, pattern="*.json")
    records = AccountStore(accounts_db).clean() if accounts_db.exists() else {"sessions": 0, "attempts": 0}
    print(f"removed {len(uploads)} upload(s), {cache} map file(s) older than {days:g} days, "
          f"{records['sessions']} expired sign-in(s), {records['attempts']} failed-attempt record(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
