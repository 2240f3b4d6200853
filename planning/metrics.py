"""Figures of a plan: per grid, per district and for the whole plan.

Area and perimeter of a grid come from its units: the perimeter is the units' perimeters minus
twice the boundary they share, so no dissolve is needed. Polsby-Popper = 4 pi A / P^2.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planning.plan import Plan
from planning.world import World


def grid_metrics(world: World, plan: Plan) -> pd.DataFrame:
    """One row per grid: population, area, units, lead, access distances, compactness."""
    index = world.index_of()
    lead_of = {str(c): j for j, c in enumerate(world.lead_codes)}
    rows = []
    for grid in plan.grids:
        members = np.array([index[u] for u, g in plan.assignment.items() if g == grid.grid_id and u in index], dtype=int)
        pop = world.population[members]
        area = float(world.area_m2[members].sum())
        shared = float(world.shared_m[members][:, members].sum())  # each shared edge counted twice
        perimeter = float(world.perimeter_m[members].sum()) - shared
        j = lead_of.get(grid.lead_facility_code)
        if j is not None and len(members):
            d = np.hypot(*(world.xy[members] - world.lead_xy[j]).T) / 1000
            mean_km = float((d * pop).sum() / pop.sum()) if pop.sum() > 0 else float(d.mean())
            max_km = float(d.max())
        else:
            mean_km = max_km = math.nan
        rows.append({
            "grid_id": grid.grid_id,
            "district_code": grid.district_code,
            "lead_facility_code": grid.lead_facility_code,
            "lead_name": str(world.lead_names[j]) if j is not None else "",
            "units": int(len(members)),
            "population": float(pop.sum()),
            "area_km2": round(area / 1e6, 3),
            "mean_access_km": round(mean_km, 3),
            "max_access_km": round(max_km, 3),
            "polsby_popper": round(4 * math.pi * area / perimeter**2, 4) if perimeter > 0 else math.nan,
        })
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> dict[str, float]:
    """Plan-wide figures from ``grid_metrics``."""
    pop = table["population"]
    mean = float(pop.mean()) if len(pop) else 0.0
    weighted = (table["mean_access_km"] * pop).sum() / pop.sum() if pop.sum() else math.nan
    return {
        "grids": int(len(table)),
        "population": float(pop.sum()),
        # not rounded here: shown as 2.11 where it is 2.1149..., not 2.12 by rounding twice (the review
        # computes it from the grids directly)
        "population_max_min_ratio": float(pop.max() / pop.min()) if len(pop) and pop.min() > 0 else math.inf,
        "population_max_deviation": round(float((pop - mean).abs().max() / mean), 4) if mean else 0.0,
        "mean_access_km": round(float(weighted), 3),
        "mean_polsby_popper": round(float(table["polsby_popper"].mean()), 4) if len(table) else math.nan,
    }


def district_metrics(table: pd.DataFrame) -> pd.DataFrame:
    """Per district: grids, population, balance (max/min) and access."""
    out = []
    for code, g in table.groupby("district_code", sort=True):
        s = summary(g)
        out.append({"district_code": code, **s})
    return pd.DataFrame(out)


def detached_parts(units, assignment, crs) -> pd.DataFrame:
    """Per grid, every polygon of its outline (its units' union, in the metric ``crs``) apart from
    the largest: grid, area (km²), gap to the largest part (km), and the units it is made of."""
    import geopandas as gpd
    import shapely

    frame = gpd.GeoDataFrame({"unit_code": units["unit_code"].astype(str).to_numpy(),
                              "grid_id": units["unit_code"].astype(str).map(assignment).to_numpy()},
                             geometry=units.geometry.to_crs(crs).values, crs=crs)
    frame = frame[frame["grid_id"].notna() & (frame["grid_id"] != "")]
    rows = []
    for grid, members in frame.groupby("grid_id", sort=True):
        merged = shapely.union_all(shapely.make_valid(members.geometry.values))
        parts = sorted((p for p in shapely.get_parts(merged) if p.geom_type == "Polygon"), key=lambda p: -p.area)
        if len(parts) < 2:
            continue
        tree = shapely.STRtree(members.geometry.values)
        for part in parts[1:]:
            hit = tree.query(part, predicate="intersects")
            rows.append({"grid_id": grid, "area_km2": round(part.area / 1e6, 4),
                         "gap_km": round(part.distance(parts[0]) / 1000, 3),
                         "units": ";".join(sorted(members["unit_code"].to_numpy()[hit]))})
    return pd.DataFrame(rows, columns=["grid_id", "area_km2", "gap_km", "units"])


def band_deviation(population: float, band: tuple[float, float]) -> float:
    """How far a grid's population lies outside the band, as a share of the bound it crosses:
    0 inside, +0.1 for 10 % above the maximum, -0.1 for 10 % below the minimum."""
    lo, hi = band
    if population > hi:
        return round((population - hi) / hi, 4)
    if population < lo:
        return round((population - lo) / lo, 4) if lo > 0 else 0.0
    return 0.0
