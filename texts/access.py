"""Words of the accessibility in the exports (issue 17): the workbook's sheets and columns, and the
filing report's section on equity by ring and district: code -> (zh, en)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    # the filing report's section (geodata/report.py)
    "access_x.title": ("就医可及性与公平", "Accessibility of care and its equity"),
    "access_x.note": ("两步移动搜寻法（增强型 2SFCA，Luo & Qi 2009）：每万名居民可及的全科医生数，"
                      "按{unit}计（{travel}），居民加权；远郊在前。低于 {threshold} 的居民占比对照每万人 4.5 名全科医生；"
                      "15 分钟社区健康服务圈的目标为 {target}。",
                      "Two-step floating catchment area (Enhanced 2SFCA, Luo & Qi 2009): GPs within reach per 10,000 "
                      "residents, in {unit} ({travel}), weighted by residents; remote suburbs first. The share below "
                      "{threshold} is against 4.5 GPs per 10,000 residents; the 15-minute community health circle's "
                      "target is {target}."),
    "access_x.unit_min": ("出行分钟", "travel minutes"),
    "access_x.unit_km": ("公里", "km"),
    "access_x.travel_roads": ("按路网", "on the road network"),
    "access_x.travel_line": ("直线距离 × 绕行系数 {detour}", "straight line × detour {detour}"),
    "access_x.by_ring": ("按圈层", "By ring"),
    "access_x.by_district": ("按区县", "By district"),
    "access_x.whole": ("全市", "Whole city"),
    "access_x.place": ("圈层 / 区县", "Ring / district"),
    "access_x.residents": ("常住人口", "Residents"),
    "access_x.mean": ("可及性（每万人全科医生）", "Accessibility (GPs per 10,000)"),
    "access_x.gini": ("基尼系数", "Gini"),
    "access_x.theil": ("泰尔指数", "Theil"),
    "access_x.share_below": ("低于 {threshold} 的居民占比", "Residents below {threshold}"),
    "access_x.circle": ("15 分钟圈覆盖", "15-minute circle"),
    "access_x.meets": ("达标", "Meets target"),
    "access_x.limiting": ("制约可及性的层级（单元数）：{tiers}", "The tier that limits access (units): {tiers}"),
    "access_x.skipped": ("本数据包未测的层级：{tiers}", "Tiers this package cannot measure: {tiers}"),
    "access_x.skip_no_facilities": ("无此类机构", "no such facilities"),
    "access_x.skip_no_supply": ("未登记人员或床位", "no staff or beds recorded"),
    "access_x.tier_item": ("{tier}（{why}）", "{tier} ({why})"),
    "access_x.count_item": ("{tier} {n}", "{tier} {n}"),
    # coded values in the workbook
    "access_x.scope_city": ("全市", "Whole city"),
    "access_x.scope_ring": ("圈层", "Ring"),
    "access_x.scope_district": ("区县", "District"),
    "access_x.scope_grid": ("网格", "Grid"),
    "access_x.chain_urban": ("城市：社区卫生服务中心—区级医院—市级医院", "Urban: CHC, district hospital, city hospital"),
    "access_x.chain_rural": ("农村：村卫生室—乡镇卫生院—县级医院", "Rural: village clinic, THC, county hospital"),
    "access_x.supply_gps": ("全科医生", "GPs"),
    "access_x.supply_physicians": ("执业（助理）医师", "Physicians"),
    "access_x.supply_beds": ("床位", "Beds"),
}
