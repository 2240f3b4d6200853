"""Words of the accessibility (issue 17): in the exports (the workbook's sheets and columns, the
filing report's section on equity by ring and district), and of improving it under a budget
(覆盖缺口 · 改善可及性, ``ui/access_improve_view.py``): code -> (zh, en)."""

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
    "access_x.better_title": ("改善可及性（建议）", "Improving access (proposed)"),
    "access_x.better_note": ("在 {gps} 名全科医生、至多 {sites} 处新站点（每处至少 {site_gps} 名）的名额内，优化模型（HiGHS）"
                             "给出的最好安排，使{goal}。按增强型 2SFCA 计，改善前后在每个居民点上实测。",
                             "The best use of {gps} GPs and at most {sites} new sites (each with at least {site_gps}) an "
                             "optimisation model (HiGHS) finds, to {goal}. Enhanced 2SFCA, measured at every residents' point "
                             "before and after."),
    "access_x.better_goal_shortfall": ("低于标准线的居民尽量少、差得越多越优先", "lift the residents below the standard, the furthest below first"),
    "access_x.better_goal_spread": ("居民之间的差距尽量小", "make residents' access as even as it can be"),
    "access_x.better_effect": ("人均可及性 {mean}；基尼系数 {gini}；低于标准线的居民 {below}；15 分钟圈覆盖 {circle}。",
                               "Mean access {mean}; Gini {gini}; residents below the standard {below}; 15-minute circle {circle}."),
    "access_x.better_more": ("另有 {n} 项见工作簿“可及性改善”。", "{n} more in the workbook's improvement sheet."),
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
    # improving accessibility under a budget (ui/access_improve_view.py, planning/improve.py)
    "better_title": ("改善可及性：新增全科医生与新建站点", "Improving access: more GPs and new sites"),
    "better_intro": ("在给定的全科医生名额和新建站点数内，由优化模型（HiGHS 混合整数规划）决定把医生加到哪些现有"
                  "社区卫生服务中心、乡镇卫生院，或新建哪些站点，使{goal}。模型按增强型 2SFCA 计，"
                  "改善前后均在每个居民点上实测。",
                  "Within a number of GPs and of new sites, an optimisation model (a HiGHS mixed-integer programme) "
                  "decides which existing community or township health centres get more GPs and which new sites "
                  "open, so as to {goal}. It works on the Enhanced 2SFCA; the before and after are measured at every "
                  "residents' point."),
    "better_goal_shortfall": ("低于标准线的居民尽量少、差得越多越优先", "lift the residents below the standard, the furthest below first"),
    "better_goal_spread": ("居民之间的差距尽量小", "make residents' access as even as it can be"),
    "better_gps": ("可新增全科医生（名）", "GPs to place"),
    "better_sites": ("新建站点最多（处）", "New sites, at most"),
    "better_site_gps": ("每个新站点至少配备全科医生（名）", "GPs a new site opens with, at least"),
    "better_objective": ("优化目标", "Objective"),
    "better_obj_shortfall": ("优先提升最差者（低于标准线的缺口）", "Raise the worst-off (shortfall below the standard)"),
    "better_obj_spread": ("缩小不均衡（皮埃特拉指数）", "Cut the inequality (Pietra index)"),
    "better_run": ("计算改善方案", "Find the best plan"),
    "better_running": ("正在求解……", "Solving…"),
    "better_prompt": ("设定名额后点击“计算改善方案”。", "Set the budget, then press “Find the best plan”."),
    "better_metric_mean": ("人均可及性（每万人全科医生）", "Mean access (GPs per 10,000)"),
    "better_metric_gini": ("基尼系数", "Gini"),
    "better_metric_below": ("低于标准线的居民", "Residents below the standard"),
    "better_metric_circle": ("15 分钟圈覆盖", "15-minute circle"),
    "better_proved": ("已证明最优（HiGHS）。", "Proved optimal (HiGHS)."),
    "better_gap": ("与最优相差至多 {gap}（HiGHS 给出的下界）。", "Within {gap} of the optimum (HiGHS's bound)."),
    "better_time_limit": ("达到求解时限 {seconds} 秒，给出已找到的最好方案。", "Stopped at the {seconds}-second limit with the best plan found."),
    "better_rows_exact": ("全部 {n} 类居民点逐一建模。", "All {n} kinds of residents' points modelled one by one."),
    "better_rows_merged": ("居民点较多，按{by}内可及性相近者合并为 {n} 组建模；改善效果仍在每个居民点上实测。",
                        "Many residents' points: those of close access within a {by} are merged into {n} rows; the effect is "
                        "still measured at every point."),
    "better_by_units": ("单元", "unit"),
    "better_by_districts": ("区县", "district"),
    "better_used": ("使用全科医生 {used} 名（可用 {pool} 名），新建站点 {sites} 处。",
                 "{used} of {pool} GPs placed, {sites} new sites."),
    "better_unused": ("其余 {n} 名全科医生不能再降低任何居民的缺口，留作机动。",
                   "The other {n} GPs would lower no one's shortfall and are kept in reserve."),
    "better_nothing": ("没有可用的名额，或范围内没有居民：维持现状。", "Nothing to place, or nobody in reach: nothing changes."),
    "better_candidates_layer": ("候选站点取自数据包的候选站点图层（{n} 处）。", "Candidate sites from the package's candidate layer ({n})."),
    "better_candidates_population": ("候选站点按人口点加权聚类生成（{n} 处，落在居民集中处）。",
                              "Candidate sites from population-weighted clusters of the population points ({n}, where people live)."),
    "better_candidates_units": ("候选站点为各单元中心（{n} 处；有人口点时改为按居民聚类）。",
                             "Candidate sites are the units' centres ({n}; with population points they follow where people live)."),
    "better_map_title": ("改善方案：各单元可及性提升与新增资源", "The plan: each unit's gain in access, and where the GPs go"),
    "better_legend_gain": ("可及性提升（每万人全科医生）", "Gain in access (GPs per 10,000)"),
    "better_legend_new": ("新建站点", "New site"),
    "better_legend_add": ("增配全科医生（圈越大增配越多）", "More GPs (the larger, the more)"),
    "better_tip_new": ("新建站点 {name}：配备全科医生 {gps} 名", "New site {name}: {gps} GPs"),
    "better_tip_add": ("{name}：全科医生 {before} → {after} 名", "{name}: {before} → {after} GPs"),
    "better_chart_title": ("各圈层、各区县人均可及性的提升（远郊优先）", "The gain in mean access by ring and district (remote suburbs first)"),
    "better_gain": ("人均可及性提升（每万人全科医生）", "Gain in mean access (GPs per 10,000)"),
    "better_before": ("改善前", "Before"),
    "better_after": ("改善后", "After"),
    "better_chart_note": ("柱长为改善后与改善前居民加权平均可及性之差，柱色为圈层；悬停可见改善前后的数值。标准线为每万人口 {threshold} 名全科医生。",
                          "The bar is the residents' mean access after minus before, coloured by ring; hover for the "
                          "values before and after. The standard is {threshold} GPs per 10,000 residents."),
    "better_table_title": ("改善措施清单", "What to do"),
    "better_action_new_site": ("新建站点", "Open a new site"),
    "kind_new": ("新站点", "New site"),
    "better_action_add_gps": ("增配全科医生", "Add GPs"),
    "better_col_action": ("措施", "Action"),
    "better_col_name": ("机构 / 站点", "Facility or site"),
    "better_col_district": ("区县", "District"),
    "better_col_unit": ("所在单元", "Unit"),
    "better_col_before": ("现有全科医生", "GPs now"),
    "better_col_added": ("新增全科医生", "GPs added"),
    "better_col_reach": ("服务范围内居民（按距离衰减）", "Residents in reach (with decay)"),
}
