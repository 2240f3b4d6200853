"""Village clinics and their township health centres (乡村一体化, V1-V3).

Each clinic is linked to one THC (V1): a valid link the data gives is kept; the others are
proposed by a capacitated min-cost flow to the nearest THCs of the same district (at most
``max_clinics_per_thc`` clinics per THC, V3), with a way out for clinics no THC can take, which
are reported rather than forced. Integration figures are compared with V2 (70 % integrated,
60 % meeting the service standard); the clinics to integrate first are ranked with remote
suburbs first, then the farthest from their THC.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from ortools.graph.python import min_cost_flow
from scipy.spatial import cKDTree

from planning.config import PlanConfig
from planning.coverage import RING_WEIGHT, Facilities

NEAREST = 10


def link_villages(facilities: Facilities, frame: pd.DataFrame, ring: dict[str, str], config: PlanConfig) -> pd.DataFrame:
    """Per village clinic: its THC, whether given or proposed, distance, flags and priority."""
    clinics = facilities.of(("village_clinic",))
    thcs = facilities.of(("thc",))
    code_to = {c: i for i, c in enumerate(facilities.codes)}
    given = frame.set_index("facility_code")["thc_code"].to_dict() if len(frame) else {}
    integrated = frame.set_index("facility_code")["integrated"].to_dict() if len(frame) else {}
    standard = frame.set_index("facility_code")["meets_standard"].to_dict() if len(frame) else {}
    link = np.full(len(facilities.codes), -1)
    source = np.full(len(facilities.codes), "none", dtype=object)
    for c in clinics:
        thc = given.get(facilities.codes[c], "")
        if thc and thc in code_to and facilities.kinds[code_to[thc]] == "thc":
            link[c], source[c] = code_to[thc], "given"
    load = np.bincount(np.searchsorted(thcs, link[clinics][link[clinics] >= 0]), minlength=len(thcs))
    todo = clinics[link[clinics] < 0]
    if len(todo) and len(thcs):
        n, m = len(todo), len(thcs)
        # the nearest THCs of each clinic's own district (one k-d tree per district)
        a_parts, j_parts, d_parts = [], [], []
        for district in np.unique(facilities.district[todo]):
            mine = np.flatnonzero(facilities.district[todo] == district)
            theirs = np.flatnonzero(facilities.district[thcs] == district)
            if len(theirs) == 0:
                continue
            k = min(NEAREST, len(theirs))
            dist, idx = cKDTree(facilities.xy[thcs[theirs]]).query(facilities.xy[todo[mine]], k=k)
            dist, idx = dist.reshape(len(mine), k), idx.reshape(len(mine), k)
            a_parts.append(np.repeat(mine, k))
            j_parts.append(theirs[idx.ravel()])
            d_parts.append(dist.ravel())
        a = np.concatenate(a_parts) if a_parts else np.zeros(0, dtype=int)
        j = np.concatenate(j_parts) if j_parts else np.zeros(0, dtype=int)
        d = np.concatenate(d_parts) if d_parts else np.zeros(0)
        sink = n + m
        tails = np.concatenate([a, n + np.arange(m), np.arange(n)])
        heads = np.concatenate([n + j, np.full(m + n, sink)])
        caps = np.concatenate([np.ones(len(a)), np.maximum(config.max_clinics_per_thc - load, 0), np.ones(n)])
        # the way out (last n arcs): a clinic no THC of its district can take is reported, not forced
        costs = np.concatenate([d.astype(np.int64), np.zeros(m), np.full(n, 10**9)])
        smcf = min_cost_flow.SimpleMinCostFlow()
        smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps.astype(np.int64), costs.astype(np.int64))
        supplies = np.zeros(n + m + 1, dtype=np.int64)
        supplies[:n], supplies[sink] = 1, -n
        smcf.set_nodes_supplies(np.arange(n + m + 1), supplies)
        smcf.solve()
        used = smcf.flows(np.arange(len(a))) > 0
        link[todo[a[used]]] = thcs[j[used]]
        source[todo[a[used]]] = "proposed"
    linked = link[clinics] >= 0
    target = np.where(linked, link[clinics], clinics)
    d = np.where(linked, np.hypot(*(facilities.xy[clinics] - facilities.xy[target]).T) / 1000 * config.detour_factor, np.nan)
    codes = facilities.codes[clinics]
    done = np.array([bool(integrated.get(c) or False) for c in codes])
    weight = np.array([RING_WEIGHT.get(ring.get(dd, "central"), 1.0) for dd in facilities.district[clinics]])
    out = pd.DataFrame({
        "facility_code": codes, "district_code": facilities.district[clinics],
        "thc_code": np.where(linked, facilities.codes[target], ""), "link": source[clinics],
        "distance_km": np.round(d, 3), "far": ~linked | (d > config.thc_threshold_km),
        "other_district": linked & (facilities.district[target] != facilities.district[clinics]),
        "integrated": done, "meets_standard": np.array([bool(standard.get(c) or False) for c in codes]),
        "priority": np.where(done, 0.0, np.round(weight * (1 + np.nan_to_num(d)), 3)),
    })
    return out.sort_values(["priority", "facility_code"], ascending=[False, True]).reset_index(drop=True)


def integration(table: pd.DataFrame, by: str, config: PlanConfig) -> pd.DataFrame:
    """Shares integrated and meeting the standard per ``by`` (thc_code or district_code), against V2."""
    g = table.groupby(by).agg(clinics=("facility_code", "size"), integrated=("integrated", "mean"),
                              meets_standard=("meets_standard", "mean")).round(4)
    g["integrated_target_met"] = g["integrated"] >= config.village_integration_target
    g["standard_target_met"] = g["meets_standard"] >= config.village_standard_target
    return g.reset_index()
