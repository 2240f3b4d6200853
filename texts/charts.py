"""Words of the charts: axes, legends, titles and captions: code -> (zh, en); and of the line
that says which plan 网格方案 and 医院结对 show (``ui.open_plan``)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    # coverage and access by district, by ring (pages/coverage.py)
    "chart_coverage_title": ("各区县覆盖与就医距离（远郊优先）", "Coverage and distance to care by district (remote suburbs first)"),
    "chart_served_axis": ("已服务居民占比", "Share of residents served"),
    "chart_distance_axis": ("到最近基层医疗机构的距离（km）", "Distance to the nearest primary-care facility (km)"),
    "chart_mean_km": ("人口加权平均距离（km）", "Mean distance, weighted by residents (km)"),
    "chart_p95_km": ("95% 居民在此距离内（km）", "95% of residents live within (km)"),
    "chart_district": ("区县", "District"),
    "chart_coverage_note": ("柱色为圈层，远郊在前、同一圈层内覆盖最低的在前。左：按全科医生容量计已服务的居民占比；"
                            "右：柱长为到最近社区卫生服务中心或乡镇卫生院的人口加权平均距离，黑色刻度为 95% 居民所在的距离。",
                            "Bars coloured by ring, remote suburbs first and, within a ring, the least served first. Left: the "
                            "share of residents served within GP capacity. Right: the bar is the mean distance to the nearest "
                            "community health centre or township health centre, weighted by residents; the black tick is the "
                            "distance within which 95% of residents live."),
    # accessibility, the 2SFCA family (pages/coverage.py through ui/accessibility_view.py)
    "acc_title": ("可及性（两步移动搜寻法 2SFCA）", "Accessibility (two-step floating catchment area, 2SFCA)"),
    "acc_intro": ("每个居民能分到多少基层医疗资源：社区卫生服务中心和乡镇卫生院的全科医生（缺时以执业医师计），"
                  "按距离衰减分摊给{reach}内的居民。{demand}",
                  "How much primary care each resident can reach: the general practitioners (else physicians) of "
                  "community and township health centres, shared among the residents within {reach} with distance "
                  "decay. {demand}"),
    "acc_demand_points": ("居民位置取自人口点。", "Residents are placed by the population points."),
    "acc_demand_units": ("没有人口点，居民按单元代表点计。", "No population points: residents are placed at each unit's point."),
    "acc_measure": ("测算方法", "Measure"),
    "acc_reach_km": ("{n} km", "{n} km"),
    "acc_reach_min": ("{n} 分钟", "{n} minutes"),
    "acc_m_two_sfca": ("两步移动搜寻法（2SFCA）", "Two-step floating catchment (2SFCA)"),
    "acc_m_e2sfca": ("增强两步移动搜寻法（E2SFCA，分段衰减）", "Enhanced 2SFCA (E2SFCA, stepped decay)"),
    "acc_m_g2sfca": ("高斯两步移动搜寻法（G2SFCA）", "Gaussian 2SFCA (G2SFCA)"),
    "acc_m_three_sfca": ("三步移动搜寻法（3SFCA，考虑就医选择）", "Three-step floating catchment (3SFCA, with choice)"),
    "acc_m_raam": ("理性可及性模型（RAAM，出行与拥挤成本）", "Rational agent access model (RAAM, travel and crowding)"),
    "acc_value": ("每万人口可及全科医生数", "GPs within reach per 10,000 residents"),
    "acc_value_raam": ("就医综合成本（越低越好）", "Cost of care: travel plus crowding (lower is better)"),
    "acc_map_title": ("各单元可及性", "Accessibility by unit"),
    "acc_legend": ("{value}，按居民人数五等分：", "{value}, in fifths of the residents:"),
    "acc_no_value": ("范围内无机构", "nothing within reach"),
    "acc_residents": ("居民数", "Residents"),
    "acc_share": ("占居民比例", "Share of residents"),
    "acc_threshold": ("标准线：每万人口 {value} 名全科医生", "Standard: {value} GPs per 10,000 residents"),
    "acc_hist_title": ("居民可及性分布", "How accessibility is spread across residents"),
    "acc_lorenz_title": ("洛伦兹曲线", "Lorenz curve"),
    "acc_lorenz_people": ("居民累计占比（由低到高）", "Cumulative share of residents (least served first)"),
    "acc_lorenz_access": ("可及资源累计占比", "Cumulative share of accessibility"),
    "acc_lorenz_cost": ("就医成本累计占比", "Cumulative share of the cost of care"),
    "acc_lorenz_equality": ("完全均等线", "Line of equality"),
    "acc_lorenz_note": ("基尼系数 {gini}（0 为完全均等，越大越不均）；泰尔指数 {theil}。",
                        "Gini coefficient {gini} (0: all equal, higher: less equal); Theil index {theil}."),
    "acc_hist_note": ("{below} 的居民低于标准线（每万人口 {threshold} 名全科医生）；"
                      "{circle} 的居民在 15 分钟社区健康服务圈内（目标 {target}）。",
                      "{below} of residents are below the standard ({threshold} GPs per 10,000 residents); {circle} "
                      "live within the 15-minute community health circle (target {target})."),
    "acc_hist_note_raam": ("RAAM 为成本，无标准线；{circle} 的居民在 15 分钟社区健康服务圈内（目标 {target}）。",
                           "RAAM is a cost and has no standard; {circle} of residents live within the 15-minute "
                           "community health circle (target {target})."),
    "acc_bars_title": ("各圈层、各区县居民平均可及性（远郊优先）", "Residents' mean accessibility by ring and district "
                       "(remote suburbs first)"),
    "acc_group": ("范围", "Area"),
    "acc_share_below": ("低于标准线的居民", "Residents below the standard"),
    "acc_bars_note": ("柱长为居民加权平均值，柱色为圈层；远郊在前，同一圈层内按区县代码。",
                      "Bars are means weighted by residents, coloured by ring; remote suburbs first, then by district code."),
    # pairings per hospital against its cap (pages/pairings.py)
    "chart_matrix_title": ("结对矩阵：市级医院 × 区县", "Pairing matrix: city hospitals × districts"),
    "chart_hospital": ("医院", "Hospital"),
    "chart_role": ("结对形式", "Role"),
    "chart_home": ("本部", "Home"),
    "chart_eligible": ("可结对（有院区或既往合作）", "Could pair (campus or partnership)"),
    "chart_count": ("结对数", "Pairings"),
    "chart_cap": ("上限", "Cap"),
    "chart_exempt": ("不计", "exempt"),
    "chart_hospital_cap": ("结对 / 上限", "Pairings / cap"),
    "chart_district_cap": ("区内综合医院 / 上限", "General hospitals / cap"),
    "chart_matrix_note": ("色块为结对，颜色为结对形式（同地图连线）；浅灰为可结对（有院区或既往合作）但未结对；黑框“本部”为医院本部所在区。"
                          "右列：每家医院的结对区数 / 上限（P2，中医类、专科医院不计，写“不计”）；末行：每区结对的市级综合医院数 / 上限（P1）。"
                          "蓝色为已到上限，红色为超出上限。",
                          "A filled cell is a pairing, coloured by its role (as the map's lines); light grey: the hospital could "
                          "pair there (a campus or a partnership) but does not; a black frame marked Home: the hospital's home "
                          "district. Last column: each hospital's districts against its cap (P2; TCM and specialty hospitals are "
                          "exempt). Last row: each district's city general hospitals against its cap (P1). Blue: at the cap; red: "
                          "over it."),
    "chart_matrix_rings": ("区县较多，按圈层查看", "Many districts: show those of these rings"),
    "chart_matrix_map": ("结对连线图", "Pairings on the map"),
    # which plan the grid and pairing pages show (ui/open_plan.py)
    "op_showing_plan": ("当前显示：方案“{name}”第 {version} 版（在规划工作台中打开的方案）",
                        "Showing the open plan: {name}, version {version} (opened in the workspace)"),
    "op_showing_proposal": ("当前显示：引擎建议（方案“{name}”第 {version} 版已打开，未显示）",
                            "Showing the engine's proposal (the open plan {name}, version {version}, is not shown)"),
    "op_showing_proposal_none": ("当前显示：引擎建议（尚未打开方案：在规划工作台中打开或新建方案后，这里显示该方案）",
                                 "Showing the engine's proposal (no plan is open: open or create one in the workspace and it "
                                 "is shown here)"),
    "op_view": ("显示", "Show"),
    "op_view_plan": ("当前方案", "Open plan"),
    "op_view_proposal": ("引擎建议", "Engine's proposal"),
    "op_unusable": ("方案“{name}”第 {version} 版与当前数据不符（{n} 处问题），改为显示引擎建议：",
                    "The plan {name}, version {version}, does not fit the current data ({n} problem(s)); showing the "
                    "engine's proposal instead:"),
    "op_plan_pairings_note": ("以下为方案中保存的结对；未结对原因、约束上限分析和“假设调整上限”针对引擎建议，切换到“引擎建议”查看。",
                              "These are the pairings saved in the plan; why districts are unpaired, the binding caps and "
                              "the what-if are about the engine's proposal: switch to it to see them."),
}
