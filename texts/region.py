"""Words of the 全省汇总 page (issue 19): a province's or region's batch results, county by county,
opened in the app: code -> (zh, en)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "region.page": ("全省汇总", "Province results"),
    "region.intro": (
        "批量规划的结果：各区县的医联体网格、汇总指标和未完成的区县。逐区县修改请在工作台打开该区县的数据包。",
        "A batch run's results: every county's alliances, the summary figures and the counties not done. "
        "To change a county, open its data package in the workspace."),
    "region.none": (
        "还没有批量规划的结果。在命令行运行下面的命令，把结果目录（含 region.json）放在 {root} 下，即会在此列出：",
        "No batch results yet. Run the command below; every results folder (with its region.json) under {root} is "
        "listed here:"),
    "region.command": ("ylt batch 数据包目录 --out {root}/名称", "ylt batch PACKAGES_FOLDER --out {root}/NAME"),
    "region.choose": ("批量结果", "Batch results"),
    "region.option": ("{folder}（{name}，{areas} 个区县，{created}）", "{folder} ({name}, {areas} counties, {created})"),
    "region.unreadable": ("无法读取结果目录 {folder}：{reason}", "The results folder {folder} cannot be read: {reason}"),
    "region.bad_json": ("region.json 不是有效的 JSON（{detail}）", "region.json is not valid JSON ({detail})"),
    "region.no_grids": ("没有 grids.gpkg 或 grids.parquet，地图无法绘制", "no grids.gpkg or grids.parquet: no map to draw"),
    "region.bad_grids": ("网格文件无法读取（{detail}）", "the grids file cannot be read ({detail})"),
    "region.provenance": (
        "生成于 {created}（北京时间），软件版本 {version}，输入：{inputs}",
        "Made {created} (Beijing time), version {version}, inputs: {inputs}"),
    "region.m_done": ("已完成区县", "Counties done"),
    "region.m_failed": ("未完成区县", "Counties failed"),
    "region.m_residents": ("常住人口", "Residents"),
    "region.m_alliances": ("医联体（网格）", "Alliances (grids)"),
    "region.m_balance": ("最不均衡（最大/最小）", "Worst balance (max/min)"),
    "region.m_balance_help": ("{county}：各网格人口最大值与最小值之比", "{county}: its largest grid's residents over its smallest's"),
    "region.m_villages": ("已关联村卫生室 / 总数", "Village clinics linked / all"),
    "region.m_over": ("超过均衡目标的区县", "Counties above the balance target"),
    "region.m_served": ("服务覆盖率", "Served share"),
    "region.map": ("全省医联体分布", "The province's alliances"),
    "region.map_note": (
        "每个区县的医联体一种颜色（相邻医联体颜色不同），粗线为区县界；悬停查看区县、医联体、牵头医院和常住人口。"
        "未完成的区县没有网格，不在图上。",
        "One colour per alliance (neighbouring alliances differ), thick lines are county borders; hover for the "
        "county, alliance, lead hospital and residents. Counties not done have no grids and are not drawn."),
    "region.tip_county": ("区县", "County"),
    "region.tip_alliance": ("医联体", "Alliance"),
    "region.tip_lead": ("牵头医院", "Lead hospital"),
    "region.tip_residents": ("常住人口", "Residents"),
    "region.charts": ("各区县医联体人口与均衡度", "Residents per alliance and balance by county"),
    "region.chart_residents": ("常住人口", "Residents"),
    "region.chart_balance": ("均衡度（最大/最小）", "Balance (max/min)"),
    "region.chart_target": ("均衡目标", "Balance target"),
    "region.chart_county": ("区县", "County"),
    "region.chart_alliance": ("医联体", "Alliance"),
    "region.chart_lead": ("牵头医院", "Lead hospital"),
    "region.chart_smallest": ("最小网格人口", "Smallest grid"),
    "region.chart_largest": ("最大网格人口", "Largest grid"),
    "region.chart_note": (
        "左：各区县每个医联体的常住人口（颜色同地图）；右：各区县网格人口最大/最小之比，红色虚线为均衡目标 {target}。按均衡度从差到好排列。",
        "Left: each county's alliances by residents (the map's colours); right: each county's largest over smallest "
        "grid, the dashed red line the balance target {target}. Worst balance first."),
    "region.chart_cut": ("只显示均衡度最差的 {shown} 个区县（共 {total} 个）；全部见下表。",
                         "Only the {shown} counties with the worst balance are shown (of {total}); all are in the table below."),
    "region.table": ("各区县汇总", "Counties"),
    "region.table_failed": ("另有 {n} 个区县未完成，没有结果，见下方「未完成的区县」。",
                            "Not done, so not in the table: {n} (see Counties not done below)."),
    "region.named": ("{name}（{ident}）", "{name} ({ident})"),
    "region.failed": ("未完成的区县", "Counties not done"),
    "region.failed_none": ("所有区县均已完成。", "Every county is done."),
    "region.failed_line": ("{name}（{area}）：{reason}", "{name} ({area}): {reason}"),
    "region.failed_fix": (
        "修正这些区县的数据包后重新运行同一条 ylt batch 命令：已完成的区县会跳过，只重算未完成的。",
        "Fix these counties' packages and run the same ylt batch command again: counties done are skipped, only "
        "these are run."),
    "region.edit": ("修改某个区县", "Changing a county"),
    "region.edit_note": (
        "本页只读。要调整某个区县的网格、牵头医院或结对，请在「导入数据」上传该区县的数据包，"
        "再到「工作台」编辑、保存方案；改好后重新运行批量规划即可更新汇总。",
        "This page is read only. To change a county's grids, lead hospitals or pairings, upload that county's data "
        "package on Import data, then edit and save its plan in the Workspace; run the batch again to update these "
        "results."),
    "region.status_ok": ("完成", "done"),
    "region.status_resumed": ("完成（沿用）", "done (kept)"),
    "region.col_area_name": ("区县", "County"),
    "region.col_area_code": ("区县代码", "County code"),
    "region.col_status": ("状态", "Status"),
    "region.col_units": ("单元数", "Units"),
    "region.col_population": ("常住人口", "Residents"),
    "region.col_grids": ("医联体数", "Alliances"),
    "region.col_grid_population_min": ("最小网格人口", "Smallest grid"),
    "region.col_grid_population_max": ("最大网格人口", "Largest grid"),
    "region.col_balance": ("均衡度", "Balance"),
    "region.col_village_clinics": ("村卫生室", "Village clinics"),
    "region.col_villages_linked": ("已关联村卫生室", "Linked"),
    "region.col_served_share": ("服务覆盖率", "Served share"),
    "region.col_access_mean": ("平均可及性", "Mean access"),
    "region.col_errors": ("错误", "Errors"),
    "region.col_warnings": ("警告", "Warnings"),
    "region.col_seconds": ("用时（秒）", "Seconds"),
}
