"""Writing plans: RFC 7946 GeoJSON of the grids, and the tables beside it.

GDAL (through pyogrio) writes the GeoJSON with ``RFC7946=YES``: WGS84 longitude/latitude,
counter-clockwise outer rings, no ``crs`` member, 6 decimals, UTF-8 with Chinese unescaped.
Same plan, same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd


def grid_layer(units: gpd.GeoDataFrame, assignment: Mapping[str, str], metrics: pd.DataFrame) -> gpd.GeoDataFrame:
    """One feature per grid: the dissolved units with the grid's figures (EPSG:4326). Units in no
    grid of the plan (a G1 error the rules report) are in no feature."""
    frame = units[["unit_code", "geometry"]].copy()
    frame["grid_id"] = frame["unit_code"].map(assignment)
    frame = frame[frame["grid_id"].isin(set(metrics["grid_id"]))]
    dissolved = frame.dissolve(by="grid_id", as_index=False)[["grid_id", "geometry"]]
    out = dissolved.merge(metrics, on="grid_id", how="left").sort_values("grid_id").reset_index(drop=True)
    columns = ["grid_id", "district_code", "lead_facility_code", "lead_name", "population", "units", "area_km2",
               "mean_access_km", "max_access_km", "polsby_popper", "geometry"]
    return gpd.GeoDataFrame(out[columns], geometry="geometry", crs=4326)


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    path = Path(path)
    path.unlink(missing_ok=True)
    gdf.to_crs(4326).to_file(path, driver="GeoJSON", engine="pyogrio", RFC7946="YES", COORDINATE_PRECISION=6,
                             WRITE_NAME="NO")


def write_json(data: object, path: Path) -> None:
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=float) + "\n",
                          encoding="utf-8")


def checks_document(verdict, pairing=None, binding_caps=None) -> dict:
    """``checks.json`` (docs/DATA_FORMAT.md): whether the plan passes (no rule has an error), the
    rules that fail, and per rule its id, title, source, passed, errors and warnings, each
    violation with its message code, place codes, figures and texts. With a pairing result, the
    partnerships it dropped, the districts left without a partner, and the caps that bind."""
    out: dict = {"passed": verdict.passed, "failed": verdict.failed, "rules": verdict.as_list()}
    if pairing is not None:
        out["pairing"] = {
            "dropped_partnerships": [{"hospital_code": h, "district_code": d, "code": why.code, "message": why.messages}
                                     for h, d, why in pairing.dropped],
            "districts_without_partner": [{"district_code": d, "code": why.code, "message": why.messages}
                                          for d, why in pairing.unpaired],
            "binding_caps": list(binding_caps or [])}
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def facility_units(facilities: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> dict[str, str]:
    """The unit each facility stands in (the nearest unit of its own district when it lies just
    outside every unit, as points on a boundary do)."""
    points = facilities[["facility_code", "geometry"]].reset_index(drop=True)
    hits = gpd.sjoin(points, units[["unit_code", "geometry"]], how="left", predicate="within")
    out = {str(f): str(u) for f, u in zip(hits["facility_code"], hits["unit_code"]) if isinstance(u, str)}
    missing = points[~points["facility_code"].astype(str).isin(out)]
    if len(missing):
        metric = units.estimate_utm_crs()
        near = gpd.sjoin_nearest(missing.to_crs(metric), units[["unit_code", "geometry"]].to_crs(metric), how="left")
        out.update({str(f): str(u) for f, u in zip(near["facility_code"], near["unit_code"]) if isinstance(u, str)})
    return out


def layout_collection(units: gpd.GeoDataFrame, grids: pd.DataFrame, plan_units: pd.DataFrame, members: pd.DataFrame,
                      pairings: pd.DataFrame, metadata: Mapping) -> dict:
    """The filed layout as an RFC 7946 FeatureCollection: one feature per grid (id
    ``<district_code>-G<nn>``) with its district, lead, member units and facilities, population,
    area and partner hospitals; the plan's pairings and the metadata (plan id, version, time,
    author, sources, rules summary) in a ``metadata`` member. GDAL writes the geometry (winding,
    6 decimals); the lists are added here, as GDAL writes only flat properties."""
    import tempfile

    flat = grid_layer(units, dict(zip(plan_units["unit_code"], plan_units["grid_id"])), grids)
    with tempfile.TemporaryDirectory() as tmp:
        write_geojson(flat, Path(tmp) / "grids.geojson")
        data = json.loads((Path(tmp) / "grids.geojson").read_text(encoding="utf-8"))
    by_grid = grids.set_index("grid_id")
    partners = pairings.groupby("district_code")
    for feature in data["features"]:
        props = feature["properties"]
        grid = props["grid_id"]
        row = by_grid.loc[grid]
        feature["id"] = grid
        props["district_name"] = str(row["district_name"])
        props["unit_codes"] = sorted(plan_units.loc[plan_units["grid_id"] == grid, "unit_code"].astype(str))
        props["member_facilities"] = members.loc[members["grid_id"] == grid, "facility_code"].astype(str).tolist()
        district = props["district_code"]
        props["partners"] = [] if district not in partners.groups else [
            {"hospital_code": p.hospital_code, "hospital": p.hospital, "role": p.role, "fixed": bool(p.fixed)}
            for p in partners.get_group(district).itertuples()]
    data.pop("name", None)  # GDAL's foreign member naming the temporary layer
    data["metadata"] = dict(metadata)
    return data


def write_layout(collection: Mapping, path: Path) -> None:
    """The layout as UTF-8 JSON, Chinese unescaped, keys in a stable order (same plan, same bytes)."""
    Path(path).write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


def plan_payload_from_layout(collection: Mapping) -> dict:
    """The plan (as ``planning.plan.plan_from_dict`` reads it) in an exported layout: grids and
    their units from the features, locks, pairings, name and version from the metadata."""
    meta = collection.get("metadata") or {}
    grids, assignment = [], {}
    for feature in collection.get("features", []):
        props = feature.get("properties") or {}
        grids.append({"grid_id": props["grid_id"], "district_code": props["district_code"],
                      "lead_facility_code": props["lead_facility_code"]})
        assignment.update({str(u): props["grid_id"] for u in props.get("unit_codes", [])})
    return {"name": meta.get("plan_name", ""), "version": int(meta.get("version", 1)), "assignment": assignment,
            "grids": grids, "locked": list(meta.get("locked_units", [])), "notes": list(meta.get("notes", [])),
            "pairings": list(meta.get("pairings", []))}


def write_gpkg(path: Path, layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame]) -> None:
    """Layers (and plain tables) in one GeoPackage; WGS84."""
    path = Path(path)
    path.unlink(missing_ok=True)
    for name, frame in layers.items():
        if isinstance(frame, gpd.GeoDataFrame):
            frame.to_crs(4326).to_file(path, layer=name, driver="GPKG", engine="pyogrio")
        else:
            import pyogrio

            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")


def write_xlsx(path: Path, sheets: Mapping[str, pd.DataFrame]) -> None:
    """One sheet per table, headers bold and frozen, columns wide enough to read."""
    from openpyxl.styles import Font

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            sheet.freeze_panes = "A2"
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            for column in sheet.columns:
                width = max((len(str(c.value)) if c.value is not None else 0) for c in column[:200])
                sheet.column_dimensions[column[0].column_letter].width = min(60, max(8, width * 1.3 + 2))
