"""The filing report (备案报告) as HTML, and as PDF through WeasyPrint with the Noto CJK fonts.

Every value from a planner's file is escaped (``html.escape``) before it enters the HTML; maps
and charts are SVG drawn from the layout itself (``geodata.report_figures``), so the PDF needs
no tiles, no browser and no network. Times are Beijing time; every word is the reader's
language (the cover of a Chinese report holds no English word of ours).
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone

from geodata.report_figures import DETAIL_PX, svg_map  # noqa: F401  (the report's maps, as before)
from planning.colours import feature_colours
from texts import CATALOGUE, render

CSS = """
@page { size: A4; margin: 14mm 12mm 16mm 12mm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; color: #555; } }
@page wide { size: A4 landscape; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; font-size: 10pt; color: #222; }
h1 { font-size: 24pt; margin: 40mm 0 6mm 0; } h2 { font-size: 15pt; margin: 0 0 3mm 0; border-bottom: 1.5pt solid #1f4e9c; }
h3 { font-size: 11.5pt; margin: 4mm 0 1mm 0; }
.page { page-break-before: always; } .wide { page: wide; } .muted { color: #555; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm 0; font-size: 8.5pt; }
th, td { border: 0.5pt solid #999; padding: 1.2mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eef2f8; white-space: nowrap; word-break: keep-all; }
td { word-break: keep-all; } td.n { text-align: right; white-space: nowrap; } .k { white-space: nowrap; }
td.long { word-break: normal; }
.pass { color: #1a7f37; } .fail { color: #b42318; font-weight: 600; }
svg { width: 100%; height: auto; } svg.sym { width: 3.4mm; height: 3.4mm; vertical-align: -0.6mm; }
.sw { display: inline-block; width: 3.2mm; height: 3.2mm; border: 0.5pt solid #222; vertical-align: -0.5mm;
      margin-right: 1mm; }
.legend { font-size: 8.5pt; margin: 1mm 0 2mm 0; } .legend span { margin-right: 5mm; white-space: nowrap; }
.line { display: inline-block; width: 6mm; border-top: 2pt solid #111; vertical-align: 0.8mm; margin-right: 1mm; }
.chart svg { width: auto; max-width: 100%; max-height: 120mm; }
table.pair, table.pair td { border: none; padding: 0; vertical-align: top; } table.pair td { width: 50%; }
.pair svg { width: auto; max-width: 100%; max-height: 150mm; }
.matrix svg { width: auto; max-width: 100%; max-height: 160mm; }
"""

BEIJING = timezone(timedelta(hours=8))


def _e(value: object) -> str:
    """A value for the report's HTML: escaped, and without the characters no document can hold
    (control characters, lone surrogates: ``geodata.export.writable_text``)."""
    from geodata.export import writable_text

    return html.escape(writable_text("" if value is None else str(value)))


def beijing_time(value: str | datetime | None, lang: str) -> str:
    """A time as a reader in China says it, in Beijing time (UTC+8): "2026年12月2日 19:34" (in
    English "2026-12-02 19:34 (Beijing time, UTC+8)"). A stored time is ISO 8601; one without a
    zone is UTC, as the plan store writes it; None is now; text that is no time is shown as it is."""
    if value is None or value == "":
        moment = datetime.now(timezone.utc)
    elif isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    at = moment.astimezone(BEIJING)
    return render("export.when", lang, year=at.year, month=at.month, day=at.day, hour=at.hour, minute=at.minute)


def data_lines(package, lang: str) -> list[str]:
    """The cover's data row in the reader's language: the package's name, its layers and the
    ones that are modelled (the filed metadata keeps the codes: ``data_sources``)."""
    def layer_names(names) -> list[str]:
        return [render(f"export.layer_{n}", lang) if f"export.layer_{n}" in CATALOGUE else str(n) for n in names]

    meta = getattr(package, "meta", None)
    layers = sorted(meta.get("layers", {})) if isinstance(meta, dict) else []
    modelled = sorted(getattr(package, "modelled_layers", ()) or ())
    out = [str(package.name).strip()] if str(getattr(package, "name", "") or "").strip() else []
    if layers:
        out.append(render("export.data_layers", lang, layers=layer_names(layers)))
    if modelled:
        out.append(render("export.data_modelled", lang, layers=layer_names(modelled)))
    return out


def _words(lang: str) -> dict[str, str]:
    return {"north": render("export.map_north", lang), "km": render("export.map_km", lang)}


def _lead_points(export, codes) -> list[tuple[float, float]]:
    """The lead hospitals' places (lon, lat), for the maps' stars."""
    facilities = export.package.facilities
    leads = facilities[facilities["facility_code"].astype(str).isin({str(c) for c in codes})]
    return [(p.x, p.y) for p in leads.geometry if p is not None and not p.is_empty]


def _grid_label(grid_id: str, lead: str) -> tuple[str, str]:
    """A grid's label on its district's map: its number (the id after the district code) and lead."""
    return str(grid_id).rsplit("-", 1)[-1], str(lead)


def _legend(lang: str, *items: str) -> str:
    """The maps' symbols: grid colours, lead hospitals, district lines (and what a label says)."""
    from geodata.report_figures import star_svg

    w = lambda code: _e(render(f"export.{code}", lang))  # noqa: E731
    symbols = {"grids": "<i class='sw' style='background:#fbb4ae'></i>", "lead": star_svg(),
               "district": "<i class='line'></i>", "grid_label": ""}
    return "<p class='legend'>" + "".join(f"<span>{symbols[i]}{w('legend_' + i)}</span>" for i in items) + "</p>"


def _population_chart(grids, colours: dict[str, str], band, county: bool, lang: str) -> str:
    """A district's population per grid against the band and its mean, with its note."""
    import pandas as pd

    from geodata.report_figures import population_chart

    rows = pd.DataFrame({"name": [f"{lead} · {g}" for lead, g in zip(grids["lead_name"].astype(str), grids["grid_id"])],
                         "population": grids["population"].astype(float).to_numpy(),
                         "fill": [colours.get(str(g), "#d9d9d9") for g in grids["grid_id"]]})
    mean = float(rows["population"].mean())
    labels = {"population": render("report.residents", lang)}
    svg = population_chart(rows, band=None if county else band, target=mean, labels=labels)
    if county:
        note = render("export.chart_note_county", lang, mean=f"{mean:,.0f}")
    else:
        lo, hi = (f"{band[0] / 1e4:,.0f}", f"{band[1] / 1e4:,.0f}") if lang == "zh" else (f"{band[0]:,.0f}", f"{band[1]:,.0f}")
        note = render("export.chart_note_band", lang, band=render("export.band", lang, lo=lo, hi=hi), mean=f"{mean:,.0f}")
    return (f"<h3>{_e(render('export.chart_title', lang))}</h3><div class='chart'>{svg}</div>"
            f"<p class='muted'>{_e(note)}</p>")


def report_html(export, lang: str = "zh") -> str:
    """The whole report of one plan version: cover (with the grid settings the plan was judged
    under), how good the grids are (when the filing carries the solver's bounds), city map, a
    page per district (its map, grids, population chart and partners), the rules and their
    violations, and the changes since the last filed version. In Chinese for filing
    (``lang="en"`` for visitors); every word from the catalogue (``texts``)."""
    colours = feature_colours(export.collection["features"])  # one colouring for the whole plan, as in every view
    parts = [f"<html><head><meta charset='utf-8'><style>{CSS}</style></head><body>",
             *_cover(export, lang), *_quality_table(export.meta.get("quality"), lang),
             *_city_page(export, colours, lang), *_coverage_pairings_page(export, lang)]
    districts = export.package.districts
    rings = dict(zip(districts["district_code"].astype(str), districts["ring"].astype(str)))
    for code, grids in export.filing.grids.groupby("district_code", sort=True):
        parts += _district_page(export, str(code), grids, colours, rings.get(str(code)) == "county", lang)
    parts += _access_page(export.session.accessibility(export.plan), export.package.config, lang)
    parts += _improvement_page(export.session.improve_access(), lang)
    parts += _rules_page(export, lang)
    parts += _changes_page(export, lang)
    parts.append("</body></html>")
    return "".join(parts)


def _w(code: str, lang: str, prefix: str = "report", **params: object) -> str:
    return _e(render(f"{prefix}.{code}", lang, **params))


def failed_rule_names(export, lang: str) -> list[str]:
    """The rules the plan breaks (with errors), each as "G1 name" in the reader's language."""
    rules = export.filing.rules
    names = dict(zip(rules["rule"].astype(str), rules["name_zh" if lang == "zh" else "name_en"].astype(str)))
    return [f"{r} {names.get(str(r), '')}".strip() for r in export.meta["rules"]["failed"]]


def _cover(export, lang: str) -> list[str]:
    """The cover: title, plan and version, and the table of what the plan is and was judged on."""
    meta, f = export.meta, export.filing
    failed = failed_rule_names(export, lang)
    return [f"<h1>{_w('title', lang)}</h1>",
            f"<p style='font-size:14pt'>{_w('version', lang, name=meta.get('plan_name', ''), version=meta.get('version', ''))}</p>",
            "<table style='width:75%'>",
            f"<tr><th>{_w('plan_id', lang)}</th><td>{_e(meta.get('plan_id'))}</td></tr>",
            f"<tr><th>{_w('author', lang)}</th><td>{_e(meta.get('author'))}</td></tr>",
            f"<tr><th>{_w('created', lang)}</th><td>{_e(beijing_time(meta.get('created'), lang))}</td></tr>",
            f"<tr><th>{_w('data', lang)}</th><td>{'<br>'.join(_e(s) for s in data_lines(export.package, lang))}</td></tr>",
            f"<tr><th>{_w('grids', lang)}</th><td>{len(f.grids)}</td></tr>",
            f"<tr><th>{_w('population', lang)}</th><td>{f.grids['population'].sum():,.0f}</td></tr>",
            f"<tr><th>{_w('rules', lang)}</th><td class='{'fail' if failed else 'pass'}'>"
            f"{_w('rules_failed', lang, rules=failed) if failed else _w('rules_all_passed', lang)}</td></tr>",
            *_confirmed_row(meta, lang), *_settings_row(meta, export, lang), *_quality_row(meta.get("quality"), lang),
            "</table>"]


def _confirmed_row(meta: dict, lang: str) -> list[str]:
    """When the planner confirmed filing a plan that breaks rules or stands on demo data: by whom and why."""
    confirmed = meta.get("confirmed")
    if not confirmed:
        return []
    reasons = [render("export.reason_demo", lang) if r == "demo_data" else
               render("export.reason_rules", lang, rules=list(confirmed.get("rules", []))) for r in confirmed.get("reasons", [])]
    line = "；".join(reasons) if lang == "zh" else "; ".join(reasons)
    return [f"<tr><th class='k'>{_e(render('export.confirmed', lang))}</th><td class='fail'>"
            f"{_e(' · '.join(x for x in (confirmed.get('by', ''), beijing_time(confirmed.get('at'), lang)) if x))}"
            f"<br>{_e(line)}</td></tr>"]


def _city_page(export, colours: dict[str, str], lang: str) -> list[str]:
    """The city map: every grid, the districts with their names, the lead hospitals."""
    districts = export.package.districts
    outlines = list(zip(districts["district_name"].astype(str), districts.geometry))
    svg = svg_map(export.collection["features"], 760, 1000, colours, districts=outlines,
                  leads=_lead_points(export, export.filing.grids["lead_facility_code"]), words=_words(lang))
    return [f"<div class='page'><h2>{_w('city_map', lang)}</h2>", svg, _legend(lang, "grids", "lead", "district"), "</div>"]


MATRIX_MOST = 30  # districts the report's matrix lists at once; beyond, the rings the pairings page shows by default
RINGS = ("central", "near_suburb", "remote_suburb", "county")
ROLES = ("technical_support", "main_support", "tcm", "specialty")


def _coverage_pairings_page(export, lang: str) -> list[str]:
    """覆盖与结对 on landscape pages: the coverage page's share served and distance to care per
    district, coloured by ring, remote suburbs first; then the pairings page's hospital x district
    matrix against the caps. A package without facilities or a plan without pairings says so in
    a line instead of its chart."""
    return [f"<div class='page wide'><h2>{_w('cov_title', lang, prefix='export')}</h2>", *_coverage_section(export, lang),
            "</div>", f"<div class='page wide'><h2>{_w('cov_title', lang, prefix='export')}</h2>",
            *_matrix_section(export, lang), "</div>"]


def _coverage_section(export, lang: str) -> list[str]:
    """Share served and distance to care per district, side by side (``geodata.charts``)."""
    from geodata.charts import coverage_frame
    from geodata.report_figures import coverage_charts

    head = f"<h3>{_e(render('chart_coverage_title', lang))}</h3>"
    facilities = getattr(export.package, "facilities", None)
    if facilities is None or not len(facilities):
        return [head, f"<p class='muted'>{_w('cov_none', lang, prefix='export')}</p>"]
    world = export.session.world
    try:
        table = export.session.coverage(sites=0).table
    except KeyError:  # a facilities layer made without the columns the analysis reads (built in code): no chart
        return [head, f"<p class='muted'>{_w('cov_none', lang, prefix='export')}</p>"]
    frame = coverage_frame(table, world.district_names, world.district_ring)
    ring_words = {r: render(f"ring_{r}", lang) for r in RINGS}
    labels = {"served_share": render("chart_served_axis", lang), "district": render("chart_district", lang),
              "ring": render("ring", lang), "population": render("population", lang),
              "distance": render("chart_distance_axis", lang), "mean": render("chart_mean_km", lang),
              "p95": render("chart_p95_km", lang)}
    served, distance = coverage_charts(frame, ring_words=ring_words, labels=labels)
    return [head, f"<table class='pair'><tr><td>{served}</td><td>{distance}</td></tr></table>",
            f"<p class='muted'>{_e(render('chart_coverage_note', lang))}</p>"]


def _matrix_section(export, lang: str) -> list[str]:
    """The hospital x district matrix of the plan's pairings against the caps; more than
    ``MATRIX_MOST`` districts: only the first ring present (remote suburbs first), said in a line."""
    from geodata.charts import RING_ORDER, ROLE_FILLS, pairing_matrix_frame
    from geodata.report_figures import matrix_chart

    head = f"<h3>{_e(render('chart_matrix_title', lang))}</h3>"
    if not export.plan.pairings:
        return [head, f"<p class='muted'>{_w('matrix_none', lang, prefix='export')}</p>"]
    session = export.session
    problem, pairings = session.problem, session.pairings(export.plan)
    districts = export.package.districts
    names = dict(zip(districts["district_code"].astype(str), districts["district_name"].astype(str)))
    rings = dict(zip(districts["district_code"].astype(str), districts["ring"].astype(str)))
    only, out = None, [head]
    present = [r for r in RING_ORDER if r in {rings.get(d) for d in problem.districts}]
    if len(problem.districts) > MATRIX_MOST and present:
        only = [d for d in problem.districts if rings.get(d) == present[0]]
        out.append(f"<p><b>{_w('matrix_rings', lang, prefix='export', most=MATRIX_MOST, n=len(only), total=len(problem.districts), rings=[render('ring_' + present[0], lang)])}</b></p>")
    matrix = pairing_matrix_frame(problem, pairings, district_names=names, rings=rings, only=only)
    labels = {key: render(f"chart_{key}", lang) for key in ("hospital", "role", "home", "eligible", "count", "cap",
                                                             "exempt", "hospital_cap", "district_cap")}
    labels["district"] = render("chart_district", lang)
    svg = matrix_chart(matrix, role_words={r: render("role_" + r, lang) for r in ROLES}, labels=labels)
    legend = "".join(f"<span><i class='sw' style='background:{ROLE_FILLS[r]}'></i>{_e(render('role_' + r, lang))}</span>"
                     for r in ROLES)
    return [*out, f"<div class='matrix'>{svg}</div><p class='legend'>{legend}</p>",
            f"<p class='muted'>{_w('matrix_note', lang, prefix='export')}</p>"]


def _district_page(export, code: str, grids, colours: dict[str, str], county: bool, lang: str) -> list[str]:
    """One district: its map (grids labelled with their number and lead), its grids' table (the
    colour keyed to the map), their population against the band, and its partner hospitals."""
    f = export.filing
    features = [x for x in export.collection["features"] if str(x["properties"]["district_code"]) == code]
    district = export.package.districts[export.package.districts["district_code"].astype(str) == code]
    name = grids["district_name"].iloc[0]
    labels = {str(g): _grid_label(g, lead) for g, lead in zip(grids["grid_id"], grids["lead_name"])}
    tall = 520 if len(grids) <= 6 else 960  # many grids: the map has the page, the tables follow
    svg = svg_map(features, 760, tall, colours, districts=[("", geom) for geom in district.geometry],
                  leads=_lead_points(export, grids["lead_facility_code"]), grid_labels=labels, words=_words(lang))
    group = _w("alliance", lang) if county else _w("grid", lang)  # a county's are 医共体
    out = [f"<div class='page'><h2>{_e(name)}（{_e(code)}）</h2>", svg, _legend(lang, "lead", "district", "grid_label"),
           f"<table><thead><tr><th>{group}</th><th>{_w('lead', lang)}</th><th class='n'>{_w('residents', lang)}</th>"
           f"<th class='n'>{_w('units', lang)}</th><th class='n'>{_w('members', lang)}</th>"
           f"<th class='n'>{_w('mean_km', lang)}</th></tr></thead>"]
    for row in grids.itertuples():
        members = len([m for m in str(row.member_facilities).split(";") if m])
        swatch = f"<i class='sw' style='background:{colours.get(str(row.grid_id), '#d9d9d9')}'></i>"
        out.append(f"<tr><td class='k'>{swatch}{_e(row.grid_id)}</td>"
                   f"<td class='k'>{_e(row.lead_name)}（{_e(row.lead_facility_code)}）</td>"
                   f"<td class='n'>{row.population:,.0f}</td><td class='n'>{row.units}</td>"
                   f"<td class='n'>{members}</td><td class='n'>{row.mean_access_km:.1f}</td></tr>")
    out.append("</table>")
    out.append(_population_chart(grids, colours, export.session.band, county, lang))
    partners = f.pairings[f.pairings["district_code"] == code]
    out.append(f"<p><b>{_w('partners', lang)}</b>" + (("；" if lang == "zh" else "; ").join(
        f"{_e(p.hospital)}（{_e(render('role_' + p.role, lang))}{_w('fixed', lang) if p.fixed else ''}）"
        for p in partners.itertuples()) or _w("none", lang)) + "</p></div>")
    return out


def _a(code: str, lang: str, **params: object) -> str:
    return _e(render(f"access_x.{code}", lang, **params))


def _access_rows(rows, lang: str) -> list[str]:
    """Equity table rows: place, residents, mean, Gini, Theil, share below, circle share, target met."""
    def num(value: float, digits: int) -> str:
        return "—" if value is None or value != value else f"{value:.{digits}f}"  # NaN: no residents

    def share(value: float) -> str:
        return "—" if value is None or value != value else f"{value:.1%}"

    return [f"<tr><td class='k'>{place}</td><td class='n'>{r['residents']:,.0f}</td><td class='n'>{num(r['mean'], 2)}</td>"
            f"<td class='n'>{num(r['gini'], 3)}</td><td class='n'>{num(r['theil'], 3)}</td>"
            f"<td class='n'>{share(r['share_below'])}</td><td class='n'>{share(r['circle_share'])}</td>"
            f"<td class='k {'pass' if r['circle_meets_target'] else 'fail'}'>"
            f"{_e(render('export.yes' if r['circle_meets_target'] else 'export.no', lang))}</td></tr>"
            for place, r in rows]


def _access_page(access, config, lang: str) -> list[str]:
    """Accessibility and its equity (issue 17): the whole city and each ring, then each district,
    remote suburbs first (``planning.accessibility.AccessibilityResult``); which tier limits how
    many units, and the tiers the package cannot measure."""
    p = access.params
    travel = _a("travel_roads", lang) if access.cost_unit == "min" else _a("travel_line", lang, detour=config.detour_factor)
    head = (f"<table><thead><tr><th>{_a('place', lang)}</th><th class='n'>{_a('residents', lang)}</th>"
            f"<th class='n'>{_a('mean', lang)}</th><th class='n'>{_a('gini', lang)}</th><th class='n'>{_a('theil', lang)}</th>"
            f"<th class='n'>{_a('share_below', lang, threshold=f'{p.threshold_per_10000:g}')}</th>"
            f"<th class='n'>{_a('circle', lang)}</th><th class='k'>{_a('meets', lang)}</th></tr></thead>")
    rings = [(_a("whole", lang), access.equity)]
    rings += [(_e(render(f"ring_{r['ring']}", lang)) if f"ring_{r['ring']}" in CATALOGUE else _e(r["ring"]), r)
              for r in access.by_ring.to_dict(orient="records")]
    districts = [(f"{_e(r['district_name'])}（{_e(r['district_code'])}）" if lang == "zh" else
                  f"{_e(r['district_name'])} ({_e(r['district_code'])})", r) for r in access.by_district.to_dict(orient="records")]
    out = [f"<div class='page'><h2>{_a('title', lang)}</h2>",
           f"<p class='muted'>{_a('note', lang, unit=render('access_x.unit_' + access.cost_unit, lang), travel=travel, threshold=f'{p.threshold_per_10000:g}', target=f'{p.circle_target:.0%}')}</p>",
           f"<h3>{_a('by_ring', lang)}</h3>", head, *_access_rows(rings, lang), "</table>",
           f"<h3>{_a('by_district', lang)}</h3>", head, *_access_rows(districts, lang), "</table>"]
    counts = access.units["limiting_tier"].value_counts()
    items = [render("access_x.count_item", lang, tier=render(f"kind_{t}", lang), n=int(n)) for t, n in counts.items() if t]
    if items:
        out.append(f"<p>{_a('limiting', lang, tiers=items)}</p>")
    skipped = access.tiers[~access.tiers["measured"]]
    if len(skipped):
        why = [render("access_x.tier_item", lang, tier=render(f"kind_{t}", lang), why=render(f"access_x.skip_{r}", lang))
               for t, r in zip(skipped["tier"], skipped["skipped"])]
        out.append(f"<p class='muted'>{_a('skipped', lang, tiers=why)}</p>")
    out.append("</div>")
    return out


def _improvement_page(better, lang: str) -> list[str]:
    """The best use of the settings' budget (``planning.improve.AccessImprovement``): the budget,
    the figures before and after, the proof or the gap, and what to do (names first, new sites
    first, 15 lines at most)."""
    b = better.budget
    goal = render(f"access_x.better_goal_{b.objective}", lang)
    note = _a("better_note", lang, gps=b.gps, sites=b.sites, site_gps=b.site_gps, goal=goal)
    out = [f"<div class='page'><h2>{_a('better_title', lang)}</h2>", f"<p class='muted'>{note}</p>"]
    if better.status == "nothing":
        return [*out, f"<p>{_e(render('better_nothing', lang))}</p></div>"]
    fig = lambda k, f: f"{f.format(better.before[k])} → {f.format(better.after[k])}"  # noqa: E731
    proof = render("better_proved", lang) if better.gap <= 1e-6 else render("better_gap", lang, gap=f"{better.gap:.2%}")
    effect = _a("better_effect", lang, mean=fig("mean", "{:.3f}"), gini=fig("gini", "{:.4f}"),
                below=fig("share_below", "{:.1%}"), circle=fig("circle_share", "{:.1%}"))
    out.append(f"<p>{effect} {_e(proof)}</p>")
    out.append(f"<table><thead><tr><th>{_e(render('better_col_action', lang))}</th><th>{_e(render('better_col_name', lang))}</th>"
               f"<th>{_e(render('better_col_district', lang))}</th><th class='n'>{_e(render('better_col_before', lang))}</th>"
               f"<th class='n'>{_e(render('better_col_added', lang))}</th><th class='n'>{_e(render('better_col_reach', lang))}</th></tr></thead>")
    out += [f"<tr><td class='k'>{_e(render(f'better_action_{a.action}', lang))}</td><td>{_e(a.name)}</td>"
            f"<td>{_e(a.district_name)}</td><td class='n'>{a.gps_before:,.0f}</td><td class='n'>{a.gps_added:,.0f}</td>"
            f"<td class='n'>{a.residents_in_reach:,.0f}</td></tr>" for a in better.actions.head(15).itertuples()]
    out.append("</table>")
    if len(better.actions) > 15:
        out.append(f"<p class='muted'>{_a('better_more', lang, n=len(better.actions) - 15)}</p>")
    out.append("</div>")
    return out


def _rules_page(export, lang: str) -> list[str]:
    """The rules and their results, then every violation with its fix, on landscape pages (wide table)."""
    f = export.filing
    out = [f"<div class='page wide'><h2>{_w('rules', lang)}</h2><p class='muted'>{_w('rules_note', lang)}</p><table><thead><tr>"
           f"<th>{_w('rule', lang)}</th><th>{_w('rule_name', lang)}</th><th>{_w('result', lang)}</th>"
           f"<th class='n'>{_w('errors', lang)}</th><th class='n'>{_w('warnings', lang)}</th></tr></thead>"]
    for r in f.rules.itertuples():
        out.append(f"<tr><td class='k'>{_e(r.rule)}</td><td class='k'>{_e(r.name_zh if lang == 'zh' else r.name_en)}</td>"
                   f"<td class='k {'pass' if r.passed else 'fail'}'>{_w('passed' if r.passed else 'failed', lang)}</td>"
                   f"<td class='n'>{r.errors}</td><td class='n'>{r.warnings}</td></tr>")
    out.append("</table>")
    if len(f.violations):
        out.append(f"<table><thead><tr><th class='k'>{_w('rule', lang)}</th><th class='k'>{_w('severity', lang)}</th>"
                   f"<th>{_w('place', lang)}</th><th>{_w('problem', lang)}</th><th>{_w('fix', lang)}</th></tr></thead>")
        out += [f"<tr><td class='k'>{_e(v.rule)}</td><td class='k'>{_w(v.severity, lang)}</td><td>{_e(v.place)}</td>"
                f"<td class='long'>{_e(v.message_zh if lang == 'zh' else v.message_en)}</td>"
                f"<td class='long'>{_e(v.fix_zh if lang == 'zh' else v.fix_en)}</td></tr>" for v in f.violations.itertuples()]
        out.append("</table>")
    if export.plan.notes:
        out.append(f"<h2>{_w('notes', lang)}</h2>" + "".join(f"<p>{_e(n)}</p>" for n in export.plan.notes))
    out.append("</div>")
    return out


def _changes_page(export, lang: str) -> list[str]:
    """What changed since the last filed version: counts, then the units that moved (300 at most)."""
    out = [f"<div class='page'><h2>{_w('changes', lang)}</h2>"]
    changes = export.changes
    listed = lambda items: list(items) or render("report.none", lang)  # noqa: E731
    if changes is None:
        out.append(f"<p class='muted'>{_w('first_filing', lang)}</p>")
    else:
        out.append("<p>" + _w("changes_summary", lang, units=len(changes["units_moved"]), people=changes["residents_moved"],
                              grids_added=listed(changes["grids_added"]), grids_removed=listed(changes["grids_removed"]),
                              pairings_added=listed(f"{h}→{d}" for h, d in changes["pairings_added"]),
                              pairings_removed=listed(f"{h}→{d}" for h, d in changes["pairings_removed"])) + "</p>")
        if changes["units_moved"]:
            out.append(f"<table><thead><tr><th>{_w('units', lang)}</th><th>{_w('from_grid', lang)}</th><th>{_w('to_grid', lang)}</th>"
                       f"<th class='n'>{_w('residents', lang)}</th></tr></thead>")
            units = export.filing.units
            names = dict(zip(units["unit_code"].astype(str), units["unit_name"].astype(str)))
            out += [f"<tr><td class='k'>{_e(names.get(str(u['unit_code']), ''))}（{_e(u['unit_code'])}）</td><td class='k'>{_e(u['from'])}</td><td class='k'>{_e(u['to'])}</td>"
                    f"<td class='n'>{u['population']:,.0f}</td></tr>" for u in changes["units_moved"][:300]]
            out.append("</table>")
    out.append("</div>")
    return out


def _settings_row(meta: dict, export, lang: str) -> list[str]:
    """The header's row of the grid settings the plan was judged under (``meta["settings"]``)."""
    from geodata.export import settings_summary

    settings = meta.get("settings")
    if not settings:
        return []
    names = getattr(getattr(export, "world", None), "district_names", {}) or {}
    line = settings_summary(settings, lang, names, bare=True)
    return [f"<tr><th class='k'>{_e(render('quality.report_settings', lang))}</th><td>{_e(line)}</td></tr>"]


def _quality_row(rows: list[dict] | None, lang: str) -> list[str]:
    """The header's row saying how many districts are proved optimal (the table follows)."""
    from geodata.export import quality_summary

    if not rows:
        return []
    return [f"<tr><th class='k'>{_e(render('quality.title', lang))}</th>"
            f"<td>{_e(quality_summary(rows, lang, items=None))}</td></tr>"]


def _quality_table(rows: list[dict] | None, lang: str) -> list[str]:
    """How good each district's grids are, when the filing carries it (the proposal's own
    bounds; an edited or stored plan carries none), on a page of its own after the cover: the
    summary line, then per district its method, grids, balance reached and best possible, mean
    distance and its bound, and the verdict. Proved districts are marked ✓."""
    from geodata.export import quality_summary

    if not rows:
        return []

    def q(code: str, **params: object) -> str:
        return _e(render(f"quality.{code}", lang, **params))

    def ratio(value: float | None) -> str:
        return q("unknown") if value is None else f"{value:.3f}"

    out = [f"<div class='page'><h2>{q('title')}</h2>",
           f"<p>{_e(quality_summary(rows, lang))}</p>",
           f"<p class='muted'>{q('help')}</p>",
           "<table><thead>"
           f"<tr><th>{q('col_district')}</th><th class='k'>{q('col_method')}</th><th class='n k'>{q('col_grids')}</th>"
           f"<th class='n'>{q('col_balance')}</th><th class='n'>{q('col_balance_bound')}</th>"
           f"<th class='n'>{q('col_access')}</th><th class='n'>{q('col_access_bound')}</th><th>{q('col_verdict')}</th></tr></thead>"]
    for r in rows:
        mark = "✓ " if r["proved"] else ""
        access = "" if r["access_km"] is None else f"{r['access_km']:.2f}"
        bound = "" if r["access_bound_km"] is None else f"{r['access_bound_km']:.2f}"
        place = f"{_e(r['district_name'])}（{_e(r['district_code'])}）" if lang == "zh" else \
            f"{_e(r['district_name'])} ({_e(r['district_code'])})"
        out.append(f"<tr><td class='k'>{place}</td>"
                   f"<td class='k'>{q('method_' + str(r['method']))}</td><td class='n'>{int(r['grids'])}</td>"
                   f"<td class='n'>{ratio(r['balance'])}</td><td class='n'>{ratio(r['balance_bound'])}</td>"
                   f"<td class='n'>{access}</td><td class='n'>{bound}</td>"
                   f"<td class='{'pass' if r['proved'] else ''}'>{_e(mark + r['verdict'][lang])}</td></tr>")
    out.append("</table></div>")
    return out


def pdf_bytes(document: str) -> bytes:
    """The HTML as PDF (fonts embedded); nothing is fetched: only our own inline CSS and SVG."""
    from weasyprint import HTML

    def no_fetch(url, *args, **kwargs):
        raise ValueError(f"the report fetches nothing ({url})")

    return HTML(string=document, url_fetcher=no_fetch).write_pdf()
