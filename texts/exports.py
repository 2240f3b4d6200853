"""Words of the exports and the filing package: file names, confirmations, the PDF: code -> (zh, en)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    # the PDF report (geodata.report): times in Beijing time, the cover's data, the maps' legends
    "export.when": ("{year}年{month}月{day}日 {hour:02d}:{minute:02d}",
                    "{year}-{month:02d}-{day:02d} {hour:02d}:{minute:02d} (Beijing time, UTC+8)"),
    "export.data_modelled": ("模拟数据：{layers}", "modelled: {layers}"),
    "export.data_layers": ("数据图层：{layers}", "layers: {layers}"),
    "export.layer_units": ("单元", "units"),
    "export.layer_facilities": ("医疗机构", "facilities"),
    "export.layer_districts": ("区县", "districts"),
    "export.layer_population": ("人口", "population"),
    "export.layer_roads": ("道路", "roads"),
    "export.layer_partnerships": ("既有合作", "partnerships"),
    "export.map_north": ("北", "N"),
    "export.map_km": ("{n} 公里", "{n} km"),
    "export.legend_grids": ("网格（相邻网格颜色不同）", "Grids (neighbouring grids differ in colour)"),
    "export.legend_lead": ("牵头医院", "Lead hospital"),
    "export.legend_district": ("区县界线", "District boundary"),
    "export.legend_grid_label": ("网格内注记：网格编号及牵头医院", "In each grid: its number and lead hospital"),
    "export.chart_title": ("各网格常住人口", "Population per grid"),
    "export.chart_note_band": ("柱色同地图；浅蓝带为人口区间 {band}，红色虚线为本区网格平均人口 {mean}。",
                               "Bars in the map's colours; the shaded band is the population band ({band}), "
                               "the red dashed line the district's mean per grid ({mean})."),
    "export.chart_note_county": ("柱色同地图；县域医共体不设人口区间，红色虚线为本县医共体平均人口 {mean}。",
                                 "Bars in the map's colours; a county's alliances have no band; the red dashed "
                                 "line is the county's mean per alliance ({mean})."),
    "export.band": ("{lo}–{hi} 万人", "{lo}–{hi} residents"),
    "export.yes": ("是", "yes"),
    "export.no": ("否", "no"),
    # the report's page of coverage and pairings (geodata.report._coverage_pairings_page)
    "export.cov_title": ("覆盖与结对", "Coverage and pairings"),
    "export.cov_none": ("数据包没有医疗机构图层，无法计算覆盖与就医距离，此处不画覆盖图。",
                        "The package has no facilities layer: coverage and distance to care cannot be measured, so no "
                        "coverage chart is drawn here."),
    "export.matrix_none": ("本方案没有医院结对，此处不画结对矩阵。",
                           "This plan has no hospital pairings: no pairing matrix is drawn here."),
    "export.matrix_rings": ("区县多于 {most} 个，矩阵只列{rings}的 {n} 个区县（与结对页默认所示相同），共 {total} 个区县；"
                            "医院的结对数仍按全部区县计。",
                            "More than {most} districts: the matrix shows only the {n} districts of the {rings} ring(s) (as the "
                            "pairings page shows by default), of {total}; a hospital's count is still over every district."),
    "export.matrix_note": ("色块为结对，颜色为结对形式（见图例）；浅灰为可结对（有院区或既往合作）但未结对；黑框“本部”为医院本部所在区。"
                           "右列：每家医院的结对区数 / 上限（P2，中医类、专科医院不计）；末行：每区结对的市级综合医院数 / 上限（P1）。"
                           "蓝色为已到上限，红色为超出上限。",
                           "A filled cell is a pairing, coloured by its role (see the legend); light grey: the hospital could pair "
                           "there (a campus or a partnership) but does not; a black frame marked Home: the hospital's home "
                           "district. Last column: each hospital's districts against its cap (P2; TCM and specialty hospitals "
                           "are exempt). Last row: each district's city general hospitals against its cap (P1). Blue: at the "
                           "cap; red: over it."),
    "export.confirmed": ("编制人已确认备案", "Filing confirmed by the planner"),
    # file names a clerk can file (geodata.filing.file_name): plan, version, kind
    "export.file_name": ("{plan}_第{version}版_{kind}", "{plan}_v{version}_{kind}"),
    "export.plan_fallback": ("方案", "plan"),
    "export.kind_geojson": ("网格布局", "layout"),
    "export.kind_gpkg": ("网格布局", "layout"),
    "export.kind_csv": ("单元网格对照表", "units"),
    "export.kind_xlsx": ("方案表格", "workbook"),
    "export.kind_pdf": ("备案报告", "report"),
    "export.kind_filing": ("备案", "filing"),
    "export.kind_html": ("网格地图", "map"),
    "export.kind_checks": ("规则检查", "checks"),
    # the review page's 导出 view (ui.review.export)
    "export.download": ("下载 {name}", "Download {name}"),
    "export.preparing": ("正在生成 {name} …", "Making {name} …"),
    "export.confirm_title": ("备案前请确认", "Please confirm before filing"),
    "export.confirm_rules": ("本方案有 {n} 条规则未通过（错误）：{rules}。", "This plan breaks {n} rule(s) with errors: {rules}."),
    "export.confirm_demo": ("本方案基于演示数据（内置的上海市模拟数据），并非真实数据。",
                            "This plan is built on the demo data (the embedded, modelled Shanghai package), not real data."),
    "export.confirm_box": ("我已了解上述问题，仍要备案", "I understand, file it anyway"),
    "export.confirm_needed": ("勾选上面的确认后才能下载备案文件。", "Tick the confirmation above to download the filing package."),
    "export.reason_rules": ("规则未通过：{rules}", "rules failed: {rules}"),
    "export.reason_demo": ("演示数据", "demo data"),
    "action_file": ("备案", "filed"),
    "export.whole_plan": ("导出与备案始终是整个方案（全部区县和网格）；上面的筛选只作用于评审和版本对比。",
                          "Exports and filing always hold the whole plan (every district and grid); the filters above "
                          "apply to the review and the comparison only."),
}
