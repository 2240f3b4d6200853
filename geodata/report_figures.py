"""The filing report's figures as SVG, drawn from the layout itself: no tiles, no browser, no
network.

- ``svg_map``: grids in the plan's colours, district lines and names, grid labels, lead
  hospitals, a north arrow and a metric scale bar;
- ``population_chart``: population per grid against the band and the target, the very chart the
  pages draw (``geodata.charts.population_bars``), sized for print with the CJK font named, as
  SVG through vl-convert (Vega-Lite's own renderer, run in process: no network);
- ``coverage_charts`` and ``matrix_chart``: the coverage page's share served and distance to care
  per district, and the pairings page's hospital x district matrix against the caps, the same
  way (``geodata.charts``).
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import shapely

from geodata.charts import PairingMatrix, access_bars, coverage_bars, pairing_matrix, population_bars
from geodata.export import writable_text
from planning.colours import NO_GRID, feature_colours

DETAIL_PX = 0.5  # the finest detail the report's maps keep, in their own pixels
PAD_PX = 14
KM_PER_DEGREE = 111.32  # of latitude (and of longitude at the equator)
FONT = "Noto Sans CJK SC"
FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts")
LEAD_FILL = "#b42318"


@dataclass(frozen=True)
class MapFrame:
    """Longitude/latitude to the map's pixels: equirectangular, scaled by the cosine of the mean
    latitude, fitted to the box with ``PAD_PX`` around."""

    origin: np.ndarray
    factor: np.ndarray
    width: int
    height: int

    @classmethod
    def fitted(cls, bounds: Iterable[float], width: int, height: int) -> MapFrame:
        """The frame fitting ``bounds`` (lon/lat) into ``width``; the height is the map's own
        (at most ``height``), so a wide district leaves no blank band under it."""
        min_lon, min_lat, max_lon, max_lat = bounds
        k = math.cos(math.radians((min_lat + max_lat) / 2))
        span_x, span_y = (max_lon - min_lon) * k or 1e-9, (max_lat - min_lat) or 1e-9
        scale = min((width - 2 * PAD_PX) / span_x, (height - 2 * PAD_PX) / span_y)
        used = int(math.ceil(span_y * scale + 2 * PAD_PX))
        return cls(np.array([min_lon, max_lat]), np.array([k * scale, -scale]), width, max(120, min(height, used)))

    @property
    def px_per_km(self) -> float:
        return -self.factor[1] / KM_PER_DEGREE

    def pixels(self, geom):
        return shapely.transform(geom, lambda xy: PAD_PX + (xy - self.origin) * self.factor)


def svg_map(features: list[dict], width: int = 760, height: int = 560, colours: dict[str, str] | None = None, *,
            districts: Iterable[tuple[str, object]] = (), leads: Iterable[tuple[float, float]] = (),
            grid_labels: Mapping[str, tuple[str, str]] | None = None, words: Mapping[str, str] | None = None) -> str:
    """The grids filled in the plan's colours (``colours``, else the features' ``fill``,
    ``planning.colours``) with their outlines, fitted to the box. Only Polygon and MultiPolygon
    geometries are drawn, simplified to ``DETAIL_PX`` in the map's own pixels (finer detail cannot
    show on the page and only slows the PDF down); one ``<path>`` per grid, in the features' order.

    ``districts``: (name, geometry) drawn as thick lines with their names; ``leads``: the lead
    hospitals (lon, lat), drawn as stars; ``grid_labels``: grid id -> (label, second line) written
    in each grid; ``words``: ``north`` and ``km`` (``"{n} km"``) for the north arrow and the scale
    bar, drawn when given."""
    shapes = [(f["properties"]["grid_id"], shapely.geometry.shape(f["geometry"])) for f in features
              if (f.get("geometry") or {}).get("type") in ("Polygon", "MultiPolygon")]
    shapes = [(grid, geom) for grid, geom in shapes if not geom.is_empty]
    if not shapes:
        return ""
    colours = feature_colours(features) if colours is None else colours
    frame = MapFrame.fitted(shapely.total_bounds([geom for _, geom in shapes]), width, height)
    parts = []
    for grid, geom in shapes:
        pixels = shapely.simplify(frame.pixels(geom), DETAIL_PX, preserve_topology=True)
        d = " ".join(_ring_path(ring) for poly in getattr(pixels, "geoms", [pixels]) if not poly.is_empty
                     for ring in (poly.exterior, *poly.interiors))
        parts.append(f'<path d="{d}" fill="{colours.get(str(grid), NO_GRID)}" stroke="#222" stroke-width="0.8" '
                     'fill-rule="evenodd"/>')
    districts = list(districts)
    parts += [_outline(frame.pixels(geom)) for _, geom in districts]
    parts += [_star(*frame.pixels(shapely.Point(lon, lat)).coords[0]) for lon, lat in leads]
    if grid_labels:
        for grid, geom in shapes:
            if str(grid) in grid_labels:
                parts.append(_label(_anchor(frame.pixels(geom)), *grid_labels[str(grid)], size=17))
    for name, geom in districts:
        if name:
            pixels = frame.pixels(geom)
            parts.append(_label(_anchor(pixels), name, "", size=min(16.0, max(9.0, math.sqrt(pixels.area) / 5))))
    if words:
        parts += [_north_arrow(frame, words["north"]), _scale_bar(frame, words["km"])]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width} {frame.height}" '
            f'font-family="{FONT}">{"".join(parts)}</svg>')


def _ring_path(ring) -> str:
    """One closed ring as SVG path data, in tenths of a pixel, repeated points left out."""
    xy = np.round(np.asarray(ring.coords)[:-1], 1)
    if len(xy) > 1:
        xy = xy[np.r_[True, np.any(xy[1:] != xy[:-1], axis=1)]]
    return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in xy) + " Z"


def _outline(geom) -> str:
    """A district's boundary: its outer rings as thick dark polylines (no ``<path>``: one path a grid)."""
    geom = shapely.simplify(geom, DETAIL_PX * 2, preserve_topology=True)
    rings = [poly.exterior for poly in getattr(geom, "geoms", [geom]) if getattr(poly, "exterior", None) is not None]
    return "".join(f'<polygon points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in np.round(np.asarray(r.coords), 1))}" '
                   'fill="none" stroke="#111" stroke-width="2.2" stroke-linejoin="round"/>' for r in rings)


def _anchor(geom) -> tuple[float, float]:
    """Where a shape's label goes: a point inside its largest part."""
    parts = getattr(geom, "geoms", [geom])
    point = max(parts, key=lambda p: p.area).representative_point()
    return point.x, point.y


def _label(at: tuple[float, float], text: str, second: str = "", *, size: float = 12) -> str:
    """Text with a white halo (drawn twice: the halo under the letters), a smaller second line."""
    x, y = at
    lines = [(text, size, "700", y if not second else y - size * 0.2)]
    if second:
        lines.append((second, size * 0.7, "400", y + size * 0.85))
    out = []
    for words, px, weight, ty in lines:
        escaped = html.escape(writable_text(words))
        common = f'x="{x:.1f}" y="{ty:.1f}" font-size="{px:.1f}" font-weight="{weight}" text-anchor="middle"'
        out.append(f'<text {common} fill="none" stroke="#fff" stroke-width="3" stroke-linejoin="round">{escaped}</text>'
                   f'<text {common} fill="#111">{escaped}</text>')
    return "".join(out)


def _star(x: float, y: float, r: float = 9.0) -> str:
    """A lead hospital: a five-pointed star."""
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.45
        angle = math.pi / 2 + i * math.pi / 5
        points.append(f"{x + radius * math.cos(angle):.1f},{y - radius * math.sin(angle):.1f}")
    return f'<polygon points="{" ".join(points)}" fill="{LEAD_FILL}" stroke="#fff" stroke-width="1.2"/>'


def star_svg(size_px: int = 14) -> str:
    """The lead hospitals' star alone, for the legend."""
    half = size_px / 2
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size_px} {size_px}" class="sym">'
            f'{_star(half, half + 0.5, half - 0.5)}</svg>')


def _north_arrow(frame: MapFrame, north: str) -> str:
    """An arrow pointing up with 北 / N over it, in the top right corner."""
    x, y = frame.width - 26, 14
    return (f'<rect x="{x - 16}" y="{y - 6}" width="32" height="50" fill="#fff" fill-opacity="0.85"/>'
            f'<polygon points="{x},{y + 14} {x + 8},{y + 40} {x},{y + 34}" fill="#111"/>'
            f'<polygon points="{x},{y + 14} {x - 8},{y + 40} {x},{y + 34}" fill="#fff" stroke="#111" stroke-width="1"/>'
            f'<text x="{x}" y="{y + 10}" font-size="13" font-weight="700" text-anchor="middle" fill="#111">'
            f"{html.escape(writable_text(north))}</text>")


def nice_km(px_per_km: float, target_px: float) -> float:
    """A round length (1, 2 or 5 times a power of ten, in km) drawn about ``target_px`` long."""
    wanted = target_px / px_per_km
    power = 10 ** math.floor(math.log10(wanted))
    return max((m * power for m in (1, 2, 5, 10) if m * power <= wanted), default=power)


def _scale_bar(frame: MapFrame, km_words: str) -> str:
    """A metric scale bar in the bottom left corner: two halves, black and white, 0 and its length."""
    km = nice_km(frame.px_per_km, frame.width / 5)
    length = km * frame.px_per_km
    x, y = 12.0, frame.height - 14.0
    shown = f"{km:g}"
    return (f'<rect x="{x - 6}" y="{y - 24}" width="{length + 50:.1f}" height="32" fill="#fff" fill-opacity="0.85"/>'
            f'<rect x="{x}" y="{y - 5}" width="{length / 2:.1f}" height="5" fill="#111"/>'
            f'<rect x="{x + length / 2:.1f}" y="{y - 5}" width="{length / 2:.1f}" height="5" fill="#fff" '
            'stroke="#111" stroke-width="1"/>'
            f'<text x="{x}" y="{y - 9}" font-size="11" text-anchor="middle" fill="#111">0</text>'
            f'<text x="{x + length:.1f}" y="{y - 9}" font-size="11" text-anchor="start" fill="#111">'
            f"{html.escape(km_words.format(n=shown))}</text>")


# --- the population chart -----------------------------------------------------------------------

@functools.cache
def _fonts_registered() -> bool:
    """vl-convert measures and names text with the fonts it was told of: the Noto CJK fonts
    (scripts/setup.sh installs them), else the widths of Chinese labels come out wrong."""
    import vl_convert

    for folder in FONT_DIRS:
        if Path(folder).is_dir():
            vl_convert.register_font_directory(folder)
            return True
    return False


def population_spec(rows: pd.DataFrame, *, band: tuple[float, float] | None, target: float | None,
                    labels: Mapping[str, str]) -> dict:
    """The Vega-Lite of the population chart, the pages' own (``geodata.charts.population_bars``)
    sized for an A4 page and set in the report's font. ``rows``: ``name``, ``population``,
    ``fill``; ``labels``: ``population`` (and ``grid``, ``band``, ``target`` if given)."""
    chart = population_bars(rows, band=band, target=target, labels=labels).properties(width=420, height=alt.Step(20))
    return chart.configure(font=FONT, background="white").configure_axis(
        labelFontSize=11, titleFontSize=12).configure_view(stroke=None).to_dict()


def population_chart(rows: pd.DataFrame, *, band: tuple[float, float] | None, target: float | None,
                     labels: Mapping[str, str]) -> str:
    """The population chart (``population_spec``) as SVG for the PDF; empty without rows."""
    if not len(rows):
        return ""
    return _svg(population_spec(rows, band=band, target=target, labels=labels))


def _print_spec(chart) -> dict:
    """A chart as Vega-Lite for print: the report's font, a white ground, no frame round the view."""
    return chart.configure(font=FONT, background="white").configure_axis(
        labelFontSize=11, titleFontSize=12).configure_view(stroke=None).to_dict()


def _printable(value: object) -> object:
    """``value`` (a Vega-Lite spec) with every string made writable (``writable_text``): vl-convert
    aborts the whole process on a control character (\\x01 in a name from a file was enough), and
    refuses a lone surrogate."""
    if isinstance(value, str):
        return writable_text(value)
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_printable(v) for v in value]
    return value


def _svg(spec: dict) -> str:
    """A Vega-Lite spec as SVG, in process (no network), its strings made safe first."""
    import vl_convert

    _fonts_registered()
    return vl_convert.vegalite_to_svg(_printable(spec))


def coverage_specs(frame: pd.DataFrame, *, ring_words: Mapping[str, str], labels: Mapping[str, str]) -> tuple[dict, dict]:
    """The Vega-Lite of the coverage page's two charts (``geodata.charts.coverage_bars`` and
    ``access_bars``), one row per district in ``coverage_frame``'s order, sized to share an A4
    landscape page side by side. ``labels`` as the pages give them."""
    served = coverage_bars(frame, ring_words=ring_words, labels=labels).properties(width=300, height=alt.Step(18))
    distance = access_bars(frame, ring_words=ring_words, labels=labels).properties(width=300, height=alt.Step(18))
    return _print_spec(served), _print_spec(distance)


def coverage_charts(frame: pd.DataFrame, *, ring_words: Mapping[str, str], labels: Mapping[str, str]) -> tuple[str, str]:
    """The two coverage charts (``coverage_specs``) as SVG for the PDF; empty without districts."""
    if not len(frame):
        return "", ""
    served, distance = coverage_specs(frame, ring_words=ring_words, labels=labels)
    return _svg(served), _svg(distance)


def matrix_spec(matrix: PairingMatrix, *, role_words: Mapping[str, str], labels: Mapping[str, str]) -> dict:
    """The Vega-Lite of the pairings page's matrix (``geodata.charts.pairing_matrix``) for print:
    a column a district (and the caps' column), a row a hospital, in the report's font."""
    chart = pairing_matrix(matrix, role_words=role_words, labels=labels, row=20).properties(width=alt.Step(40))
    return _print_spec(chart)


def matrix_chart(matrix: PairingMatrix, *, role_words: Mapping[str, str], labels: Mapping[str, str]) -> str:
    """The pairing matrix (``matrix_spec``) as SVG for the PDF; empty without hospitals or districts."""
    if not len(matrix.hospitals) or not len(matrix.districts):
        return ""
    return _svg(matrix_spec(matrix, role_words=role_words, labels=labels))
