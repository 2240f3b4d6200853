"""The filing report (备案报告) as HTML, and as PDF through WeasyPrint with the Noto CJK fonts.

Every value from a planner's file is escaped (``html.escape``) before it enters the HTML; maps
are SVG drawn here from the layout's geometry, so the PDF needs no tiles, no browser and no
network.
"""

from __future__ import annotations

import html
import math
from datetime import datetime, timezone

import numpy as np
import shapely

from planning.colours import NO_GRID, feature_colours
from texts import render

DETAIL_PX = 0.5  # the finest detail the report's maps keep, in their own pixels


CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; color: #555; } }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; font-size: 10pt; color: #222; }
h1 { font-size: 24pt; margin: 40mm 0 6mm 0; } h2 { font-size: 15pt; margin: 0 0 3mm 0; border-bottom: 1.5pt solid #1f4e9c; }
.page { page-break-before: always; } .muted { color: #555; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm 0; font-size: 8.5pt; }
th, td { border: 0.5pt solid #999; padding: 1.2mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eef2f8; } td.n { text-align: right; white-space: nowrap; } .k { white-space: nowrap; }
.pass { color: #1a7f37; } .fail { color: #b42318; font-weight: 600; }
svg { width: 100%; height: auto; }
"""


def _e(value: object) -> str:
    """A value for the report's HTML: escaped, and without the characters no document can hold
    (control characters, lone surrogates: ``geodata.export.writable_text``)."""
    from geodata.export import writable_text

    return html.escape(writable_text("" if value is None else str(value)))


def svg_map(features: list[dict], width: int = 760, height: int = 560, colours: dict[str, str] | None = None) -> str:
    """Grids filled in the plan's colours (``colours``, else the features' ``fill``,
    ``planning.colours``) with their outlines, fitted to the box (equirectangular, scaled by
    the cosine of the mean latitude). Only Polygon and MultiPolygon geometries are drawn; they are
    simplified to ``DETAIL_PX`` in the map's own pixels, as finer detail cannot show on the page
    and only slows the PDF down."""
    shapes = [(f["properties"]["grid_id"], shapely.geometry.shape(f["geometry"])) for f in features
              if (f.get("geometry") or {}).get("type") in ("Polygon", "MultiPolygon")]
    shapes = [(grid, geom) for grid, geom in shapes if not geom.is_empty]
    if not shapes:
        return ""
    colours = feature_colours(features) if colours is None else colours
    min_lon, min_lat, max_lon, max_lat = shapely.total_bounds([geom for _, geom in shapes])
    k = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x, span_y = (max_lon - min_lon) * k or 1e-9, (max_lat - min_lat) or 1e-9
    scale = min((width - 20) / span_x, (height - 20) / span_y)
    origin, factor = np.array([min_lon, max_lat]), np.array([k * scale, -scale])
    paths = []
    for grid, geom in shapes:
        pixels = shapely.simplify(shapely.transform(geom, lambda xy: 10 + (xy - origin) * factor), DETAIL_PX,
                                  preserve_topology=True)
        d = " ".join(_ring_path(ring) for poly in getattr(pixels, "geoms", [pixels]) if not poly.is_empty
                     for ring in (poly.exterior, *poly.interiors))
        paths.append(f'<path d="{d}" fill="{colours.get(str(grid), NO_GRID)}" stroke="#222" stroke-width="0.8" fill-rule="evenodd"/>')
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}">{"".join(paths)}</svg>'


def _ring_path(ring) -> str:
    """One closed ring as SVG path data, in tenths of a pixel, repeated points left out."""
    xy = np.round(np.asarray(ring.coords)[:-1], 1)
    if len(xy) > 1:
        xy = xy[np.r_[True, np.any(xy[1:] != xy[:-1], axis=1)]]
    return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in xy) + " Z"


def report_html(export, lang: str = "zh") -> str:
    """The whole report of one plan version: cover (with the grid settings the plan was judged
    under), how good the grids are (when the filing carries the solver's bounds), city map, a
    page per district (its grids and partners), the rules and their violations, and the changes
    since the last filed version. In Chinese for filing (``lang="en"`` for visitors); every word
    from the catalogue (``texts``)."""
    def w(code: str, **params: object) -> str:
        return _e(render(f"report.{code}", lang, **params))

    meta, f = export.meta, export.filing
    features = export.collection["features"]
    colours = feature_colours(features)  # one colouring for the whole plan, as in every view
    when = meta.get("created") or datetime.now(timezone.utc).isoformat(timespec="seconds")
    failed = meta["rules"]["failed"]
    listed = lambda items: list(items) or render("report.none", lang)  # noqa: E731
    parts = [f"<html><head><meta charset='utf-8'><style>{CSS}</style></head><body>",
             f"<h1>{w('title')}</h1>",
             f"<p style='font-size:14pt'>{w('version', name=meta.get('plan_name', ''), version=meta.get('version', ''))}</p>",
             "<table style='width:70%'>",
             f"<tr><th>{w('plan_id')}</th><td>{_e(meta.get('plan_id'))}</td></tr>",
             f"<tr><th>{w('author')}</th><td>{_e(meta.get('author'))}</td></tr>",
             f"<tr><th>{w('created')}</th><td>{_e(when)}</td></tr>",
             f"<tr><th>{w('data')}</th><td>{'<br>'.join(_e(s) for s in meta.get('data_sources', []))}</td></tr>",
             f"<tr><th>{w('grids')}</th><td>{len(f.grids)}</td></tr>",
             f"<tr><th>{w('population')}</th><td>{f.grids['population'].sum():,.0f}</td></tr>",
             f"<tr><th>{w('rules')}</th><td class='{'fail' if failed else 'pass'}'>"
             f"{w('rules_failed', rules=failed) if failed else w('rules_all_passed')}</td></tr>",
             *_settings_row(meta, export, lang),
             *_quality_row(meta.get("quality"), lang),
             "</table>",
             *_quality_table(meta.get("quality"), lang),
             f"<div class='page'><h2>{w('city_map')}</h2>", svg_map(features, colours=colours), "</div>"]
    districts = export.package.districts
    rings = dict(zip(districts["district_code"].astype(str), districts["ring"].astype(str)))
    for code, grids in f.grids.groupby("district_code", sort=True):
        name = grids["district_name"].iloc[0]
        parts.append(f"<div class='page'><h2>{_e(name)}（{_e(code)}）</h2>")
        parts.append(svg_map([x for x in features if x["properties"]["district_code"] == code], 760, 420, colours))
        group = w("alliance") if rings.get(str(code)) == "county" else w("grid")  # a county's are 医共体
        parts.append(f"<table><tr><th>{group}</th><th>{w('lead')}</th><th class='n'>{w('residents')}</th>"
                     f"<th class='n'>{w('units')}</th><th class='n'>{w('members')}</th><th class='n'>{w('mean_km')}</th></tr>")
        for row in grids.itertuples():
            members = len([m for m in str(row.member_facilities).split(";") if m])
            parts.append(f"<tr><td>{_e(row.grid_id)}</td><td>{_e(row.lead_name)}（{_e(row.lead_facility_code)}）</td>"
                         f"<td class='n'>{row.population:,.0f}</td><td class='n'>{row.units}</td>"
                         f"<td class='n'>{members}</td><td class='n'>{row.mean_access_km:.1f}</td></tr>")
        parts.append("</table>")
        partners = f.pairings[f.pairings["district_code"] == code]
        parts.append(f"<p><b>{w('partners')}</b>" + ("；".join(
            f"{_e(p.hospital)}（{_e(render('role_' + p.role, lang))}{w('fixed') if p.fixed else ''}）"
            for p in partners.itertuples()) or w("none")) + "</p></div>")
    parts.append(f"<div class='page'><h2>{w('rules')}</h2><p class='muted'>{w('rules_note')}</p><table><tr>"
                 f"<th>{w('rule')}</th><th>{w('rule_name')}</th><th>{w('result')}</th><th class='n'>{w('errors')}</th>"
                 f"<th class='n'>{w('warnings')}</th></tr>")
    for r in f.rules.itertuples():
        parts.append(f"<tr><td>{_e(r.rule)}</td><td>{_e(r.name_zh if lang == 'zh' else r.name_en)}</td>"
                     f"<td class='{'pass' if r.passed else 'fail'}'>{w('passed' if r.passed else 'failed')}</td>"
                     f"<td class='n'>{r.errors}</td><td class='n'>{r.warnings}</td></tr>")
    parts.append("</table>")
    if len(f.violations):
        parts.append(f"<table><tr><th class='k'>{w('rule')}</th><th class='k'>{w('severity')}</th><th>{w('place')}</th><th>{w('problem')}</th>"
                     f"<th>{w('fix')}</th></tr>")
        parts += [f"<tr><td class='k'>{_e(v.rule)}</td><td class='k'>{w(v.severity)}</td><td>{_e(v.place)}</td>"
                  f"<td>{_e(v.message_zh if lang == 'zh' else v.message_en)}</td>"
                  f"<td>{_e(v.fix_zh if lang == 'zh' else v.fix_en)}</td></tr>" for v in f.violations.itertuples()]
        parts.append("</table>")
    if export.plan.notes:
        parts.append(f"<h2>{w('notes')}</h2>" + "".join(f"<p>{_e(n)}</p>" for n in export.plan.notes))
    parts.append(f"</div><div class='page'><h2>{w('changes')}</h2>")
    changes = export.changes
    if changes is None:
        parts.append(f"<p class='muted'>{w('first_filing')}</p>")
    else:
        parts.append("<p>" + w("changes_summary", units=len(changes["units_moved"]), people=changes["residents_moved"],
                               grids_added=listed(changes["grids_added"]), grids_removed=listed(changes["grids_removed"]),
                               pairings_added=listed(f"{h}→{d}" for h, d in changes["pairings_added"]),
                               pairings_removed=listed(f"{h}→{d}" for h, d in changes["pairings_removed"])) + "</p>")
        if changes["units_moved"]:
            parts.append(f"<table><tr><th>{w('units')}</th><th>{w('from_grid')}</th><th>{w('to_grid')}</th>"
                         f"<th class='n'>{w('residents')}</th></tr>")
            parts += [f"<tr><td>{_e(u['unit_code'])}</td><td>{_e(u['from'])}</td><td>{_e(u['to'])}</td>"
                      f"<td class='n'>{u['population']:,.0f}</td></tr>" for u in changes["units_moved"][:300]]
            parts.append("</table>")
    parts.append("</div></body></html>")
    return "".join(parts)


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
           "<table>"
           f"<tr><th>{q('col_district')}</th><th class='k'>{q('col_method')}</th><th class='n k'>{q('col_grids')}</th>"
           f"<th class='n'>{q('col_balance')}</th><th class='n'>{q('col_balance_bound')}</th>"
           f"<th class='n'>{q('col_access')}</th><th class='n'>{q('col_access_bound')}</th><th>{q('col_verdict')}</th></tr>"]
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
