"""A self-contained HTML map of a plan for handouts: one file that opens in any browser with no
server and no network (Leaflet's script and styles are inlined from ``static/vendor``)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import geopandas as gpd

from geodata.filing import write
from ui.i18n import TEXT, t
from ui.maps import (LEAFLET_CSS, LEAFLET_JS, STATIC, STATIC_DIR, base_map, district_labels, grid_layer, lead_layer,
                     use_local_assets)


def _inline(document: str) -> str:
    """Replace the references to our vendored Leaflet and jQuery with their contents."""
    for _, url in LEAFLET_JS:
        code = (STATIC_DIR / url.removeprefix("/app/static/")).read_text(encoding="utf-8")
        document = document.replace(f'<script src="{url}"></script>', f"<script>{code}</script>")
    for _, url in LEAFLET_CSS:
        css = (STATIC_DIR / url.removeprefix("/app/static/")).read_text(encoding="utf-8")
        document = re.sub(rf'<link rel="stylesheet" href="{re.escape(url)}"\s*/?>', lambda _m: f"<style>{css}</style>", document)
    if STATIC in document:
        raise ValueError("the handout still refers to the app's static files")
    return document


def handout_html(export, lang: str = "zh") -> str:
    """The plan's grids, leads and district names on one offline map, with a title."""
    use_local_assets()
    L = {key: t(key, lang) for key in TEXT}
    package = export.package
    grids = gpd.GeoDataFrame.from_features(export.collection["features"], crs=4326)
    grids = grids.merge(export.filing.grids[["grid_id", "mean_access_km", "lead_name"]], on="grid_id", suffixes=("", "_"))
    m = base_map(package.districts)
    grid_layer(grids, L).add_to(m)
    leads = package.facilities[package.facilities["facility_code"].isin(set(export.filing.grids["lead_facility_code"]))]
    lead_layer(leads, L).add_to(m)
    district_labels(package.districts).add_to(m)
    title = f"{export.meta.get('plan_name', '')} · v{export.meta.get('version', '')} · {t('app_title', lang)}"
    m.get_root().header.add_child(__import__("folium").Element(f"<title>{html.escape(title)}</title>"))
    return _inline(m.get_root().render())


def write_export(export, kind: str, path: Path, lang: str = "zh") -> Path:
    """Write ``export`` as ``kind``: the offline HTML map here, every other format by
    ``geodata.filing.write`` (the CLI and the review page both call this)."""
    if kind != "html":
        return write(export, kind, path, lang)
    from geodata.export import atomic_path

    path = Path(path)
    with atomic_path(path) as part:  # written beside, renamed only when whole
        Path(part).write_text(handout_html(export, lang), encoding="utf-8")
    return path
