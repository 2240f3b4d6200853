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
    link = {}
    source = {}
    for c in clinics:
        thc = given.get(facilities.codes[c], "")
        if thc and thc in code_to and facilities.kinds[code_to[thc]] == "thc":
            link[c], source[c] = code_to[thc], "given"
    load = pd.Series(list(link.values()), dtype=int).value_counts().to_dict()
    todo = [c for c in clinics if c not in link]
    if todo and len(thcs):
        tree = cKDTree(facilities.xy[thcs])
        k = min(NEAREST, len(thcs))
        dist, idx = tree.query(facilities.xy[todo], k=k)
        dist, idx = dist.reshape(len(todo), k), idx.reshape(len(todo), k)
        n, m = len(todo), len(thcs)
        tails, heads, caps, costs = [], [], [], []
        for a, c in enumerate(todo):
            for d, j in zip(dist[a], idx[a]):
                if facilities.district[thcs[j]] == facilities.district[c]:
                    tails.append(a), heads.append(n + j), caps.append(1), costs.append(int(d))
        cap = [max(0, config.max_clinics_per_thc - load.get(int(t), 0)) for t in thcs]
        sink = n + m
        tails += [n + j for j in range(m)] + list(range(n))
        heads += [sink] * (m + n)
        caps += cap + [1] * n
        costs += [0] * m + [10**9] * n  # the way out: a clinic no THC of its district can take
        smcf = min_cost_flow.SimpleMinCostFlow()
        smcf.add_arcs_with_capacity_and_unit_cost(np.array(tails), np.array(heads), np.array(caps), np.array(costs))
        supplies = np.zeros(n + m + 1, dtype=np.int64)
        supplies[:n], supplies[sink] = 1, -n
        smcf.set_nodes_supplies(np.arange(n + m + 1), supplies)
        smcf.solve()
        arcs = len(tails) - m - n
        flow = smcf.flows(np.arange(arcs))
        for a, h, f in zip(tails[:arcs], heads[:arcs], flow):
            if f:
                link[todo[a]], source[todo[a]] = thcs[h - n], "proposed"
    rows = []
    for c in clinics:
        j = link.get(c)
        d = float(np.hypot(*(facilities.xy[c] - facilities.xy[j]))) / 1000 * config.detour_factor if j is not None else np.nan
        district = facilities.district[c]
        done = bool(integrated.get(facilities.codes[c]) or False)
        weight = RING_WEIGHT.get(ring.get(district, "central"), 1.0)
        rows.append({
            "facility_code": facilities.codes[c], "district_code": district,
            "thc_code": facilities.codes[j] if j is not None else "", "link": source.get(c, "none"),
            "distance_km": round(d, 3), "far": bool(d > config.thc_threshold_km) if j is not None else True,
            "other_district": bool(j is not None and facilities.district[j] != district),
            "integrated": done, "meets_standard": bool(standard.get(facilities.codes[c]) or False),
            "priority": 0.0 if done else round(weight * (1 + (0 if np.isnan(d) else d)), 3),
        })
    out = pd.DataFrame(rows)
    return out.sort_values(["priority", "facility_code"], ascending=[False, True]).reset_index(drop=True)


def integration(table: pd.DataFrame, by: str, config: PlanConfig) -> pd.DataFrame:
    """Shares integrated and meeting the standard per ``by`` (thc_code or district_code), against V2."""
    g = table.groupby(by).agg(clinics=("facility_code", "size"), integrated=("integrated", "mean"),
                              meets_standard=("meets_standard", "mean")).round(4)
    g["integrated_target_met"] = g["integrated"] >= config.village_integration_target
    g["standard_target_met"] = g["meets_standard"] >= config.village_standard_target
    return g.reset_index()
