"""Words of the new primary-care sites on 覆盖缺口 (issue 17): where the candidate sites the
maximal covering model chooses among come from: code -> (zh, en)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "sites.source_population": (
        "候选站点：按人口点聚类得到的 {n} 处（人口加权 k 均值，逐区县计算，每处落在本区县的单元内），"
        "从中选出使尚未覆盖的居民得到覆盖最多的 {k} 处（社区卫生服务中心半径 {km} 公里）。",
        "Candidate sites: {n} clusters of the population points (population-weighted k-means, district by "
        "district, each inside a unit of its district); the {k} that bring the most residents not yet within "
        "reach are chosen (a CHC's radius, {km} km)."),
    "sites.source_units": (
        "候选站点：各单元的中心点，共 {n} 处（数据包没有人口点，无法按居住地聚类），"
        "从中选出使尚未覆盖的居民得到覆盖最多的 {k} 处（社区卫生服务中心半径 {km} 公里）。",
        "Candidate sites: every unit's centre, {n} in all (the package has no population points to cluster); "
        "the {k} that bring the most residents not yet within reach are chosen (a CHC's radius, {km} km)."),
    "sites.source_layer": (
        "候选站点：数据包的候选站点图层，共 {n} 处，从中选出使尚未覆盖的居民得到覆盖最多的 {k} 处"
        "（社区卫生服务中心半径 {km} 公里）。",
        "Candidate sites: the package's candidate sites layer, {n} in all; the {k} that bring the most residents "
        "not yet within reach are chosen (a CHC's radius, {km} km)."),
}
