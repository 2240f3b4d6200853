"""UI words in simplified Chinese (default) and English, in the vocabulary of RULES.md."""

from __future__ import annotations

import re

LANGS = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("医联体网格化布局规划", "Medical alliance grid planner"),
    "app_subtitle": ("区域医联体网格划分、市级医院结对与覆盖评估", "Service grids, city hospital pairings and coverage"),
    "language": ("语言 / Language", "语言 / Language"),
    "page_data": ("数据总览", "Data overview"),
    "page_import": ("导入数据", "Import data"),
    "page_grids": ("网格方案", "Grid proposal"),
    "page_pairings": ("医院结对", "Hospital pairings"),
    "page_coverage": ("覆盖缺口", "Coverage gaps"),
    "page_workspace": ("规划工作台", "Planner workspace"),
    "import_plan": ("导入方案（本工具导出的 GeoJSON）", "Import a plan (a GeoJSON exported by this tool)"),
    "import_plan_button": ("导入为新方案", "Import as a new plan"),
    "import_mismatch": ("方案与当前数据不符：{unknown} 个单元不在数据中，{missing} 个数据中的单元不在方案中（如 {examples}）。请先导入该方案对应的数据。",
                        "The plan does not fit the current data: {unknown} of its units are not in the data and {missing} "
                        "units of the data are not in the plan (e.g. {examples}). Load the plan's own data first."),
    "choose_grids": ("选择网格", "Choose grids"),
    "note_prompt": ("决策说明（为什么这样调整；评审和备案材料中显示）", "Decision note (why the plan is as it is; shown in review and filing)"),
    "add_note": ("添加说明", "Add the note"),
    "action_note": ("添加决策说明", "note added"),
    "pairing_rows_dropped": ("{n} 行未填区县或医院，未保存", "{n} row(s) without a district or hospital were not saved"),
    "gaps_legend": ("覆盖缺口：颜色越深，超出服务半径或容量不足的居民比例越高。", "Coverage gaps: the darker, the larger the share of residents beyond reach or short of capacity."),
    "page_review": ("评审模式", "Review"),
    "review_intro": ("供会议评审：方案某一版本的网格、牵头医院与结对医院，主要指标、规则检查、各网格情况和编辑记录；可对比两个版本并导出备案材料。",
                     "For meetings: one version of a plan with its grids, leads and partner hospitals, the headline figures, "
                     "the rule checks, a card per grid and the edit log; compare two versions, and export for filing."),
    "review_no_plan": ("该数据还没有方案：先在“规划工作台”新建方案。", "No plan for this data yet: create one in the Planner workspace."),
    "filter_districts": ("区县", "Districts"),
    "village_integrated": ("村卫生室一体化率", "Village clinics integrated"),
    "rules_passed": ("规则通过", "Rules passed"),
    "review_tab": ("评审", "Review"),
    "compare_tab": ("版本对比", "Compare versions"),
    "export_tab": ("导出与备案", "Export and file"),
    "review_legend": ("颜色 = 网格；蓝点 = 牵头医院；红点 = 结对的市级医院院区", "Colour = grid; blue dot = lead hospital; red dot = partner city hospital campus"),
    "grid_cards": ("各网格", "Grids"),
    "members": ("成员机构", "Members"),
    "partners": ("结对医院", "Partners"),
    "open_issues": ("待解决", "Open issues"),
    "decision_notes": ("决策说明", "Decision notes"),
    "compare_with": ("与此版本对比", "Compare with"),
    "units_moved": ("调整网格的单元", "Units that changed grid"),
    "residents_moved": ("涉及常住人口", "Residents whose grid changed"),
    "pairings_added": ("新增结对", "Pairings added"),
    "pairings_removed": ("取消结对", "Pairings removed"),
    "from_grid": ("原网格", "From grid"),
    "to_grid": ("新网格", "To grid"),
    "figure_grids": ("网格数", "Grids"),
    "figure_population": ("常住人口", "Population"),
    "figure_population_max_min_ratio": ("人口最大/最小比", "Population max/min"),
    "figure_population_max_deviation": ("人口最大偏差", "Largest population deviation"),
    "figure_mean_access_km": ("平均就医距离（km）", "Mean distance to lead (km)"),
    "figure_mean_polsby_popper": ("平均紧凑度", "Mean compactness"),
    "before": ("对比版本", "Compared version"),
    "after": ("本版本", "This version"),
    "change": ("变化", "Change"),
    "pairings_diff": ("新增结对：{added}；取消结对：{removed}", "Pairings added: {added}; removed: {removed}"),
    "export_intro": ("导出所选版本。备案包（ZIP）含 GeoJSON 布局、单元对照 CSV、Excel 工作簿和 PDF 报告。",
                     "Export the chosen version. The filing package (ZIP) holds the GeoJSON layout, the unit CSV, the Excel "
                     "workbook and the PDF report."),
    "since_version": ("上次备案版本（报告列出此后的变化）", "Last filed version (the report lists the changes since)"),
    "first_filing": ("首次备案", "first filing"),
    "export_format": ("格式", "Format"),
    "format_geojson": ("GeoJSON 布局", "GeoJSON layout"), "format_gpkg": ("GeoPackage", "GeoPackage"),
    "format_csv": ("单元对照 CSV", "Unit CSV"), "format_xlsx": ("Excel 工作簿", "Excel workbook"),
    "format_pdf": ("PDF 报告", "PDF report"), "format_filing": ("备案包 ZIP", "Filing package (ZIP)"),
    "format_html": ("离线地图 HTML", "Offline map (HTML)"),
    "make_export": ("生成", "Make the file"),
    "download": ("下载 {name}", "Download {name}"),
    "workspace_intro": ("在地图上调整网格与结对：点击或框选单元后划入网格，锁定后围绕锁定重新生成；每次修改自动保存为新版本，规则实时检查。",
                        "Edit grids and pairings on the map: click or draw to select units and assign them, lock and re-propose "
                        "around the locks; every edit is saved as a new version and every rule is checked live."),
    "plan": ("方案", "Plan"),
    "editor_name": ("编辑人", "Editor"),
    "anonymous": ("未署名", "anonymous"),
    "manage_plans": ("方案管理", "Manage plans"),
    "plan_name": ("方案名称", "Plan name"),
    "new_plan_label": ("新方案名称", "New plan's name"),
    "unit_label": ("单元", "Unit"),
    "district_label": ("区县", "District"),
    "new_plan_name": ("网格方案", "Grid plan"),
    "new_plan": ("按优化结果新建方案", "New plan from the proposal"),
    "rename": ("重命名", "Rename"),
    "save_as": ("另存为副本", "Save as a copy"),
    "copy_suffix": ("（副本）", "(copy)"),
    "confirm_delete": ("确认删除方案“{name}”（其历史版本仍保留在数据库中）", "Yes, delete plan \u201c{name}\u201d (its versions stay in the database)"),
    "delete_plan": ("删除方案", "Delete plan"),
    "no_plan": ("该数据还没有方案。按优化结果新建一个，然后在地图上调整。",
                "No plan for this data yet. Create one from the proposal, then edit it on the map."),
    "conflict": ("保存被拒绝：其他人已将该方案保存到第 {version} 版，您的修改未覆盖其内容。请载入最新版本后重新修改。",
                 "Save refused: someone else saved this plan as version {version}; nothing was overwritten. Load their "
                 "version and make your edit again."),
    "reload_plan": ("载入最新版本", "Load the latest version"),
    "refused_units": ("{n} 个单元不在网格 {grid} 所在的区，未划入（网格不跨区，G2）",
                      "{n} unit(s) not in the district of grid {grid} were left where they are (grids stay inside, G2)"),
    "edit_mode": ("地图点击", "Map clicks"),
    "mode_select": ("选择", "Select"),
    "mode_paint": ("涂色", "Paint"),
    "mode_lead": ("改牵头医院", "Move lead"),
    "mode_select_help": ("点击单元加入/移出选择；用左侧工具栏画矩形或多边形框选。", "Click a unit to add or remove it; draw a rectangle or polygon (toolbar on the left) to select many."),
    "mode_paint_help": ("点击的每个单元直接划入下方选定的网格。", "Every unit you click joins the grid chosen below."),
    "mode_lead_help": ("在任何模式下都可把实心蓝点（牵头医院）拖到本区另一家可牵头医院（空心圆点）上；在此模式下也可先点击网格，再点击医院。该区围绕新牵头医院重新生成。",
                       "In any mode, drag a filled blue dot (a lead) onto another hospital of its district that may lead "
                       "(hollow circle); in this mode you can also click a grid, then the hospital. The district is "
                       "re-proposed around the new lead."),
    "drop_on_candidate": ("网格 {grid} 的牵头医院未更换：请拖到本区可牵头医院（空心圆点）附近 1 km 内。",
                          "The lead of grid {grid} was not changed: drop it within 1 km of a hospital of its district "
                          "that may lead (hollow circle)."),
    "lead_step1": ("第 1 步：点击要更换牵头医院的网格", "Step 1: click the grid whose lead should change"),
    "lead_step2": ("第 2 步：点击本区另一家可牵头医院（空心圆点），作为网格 {grid} 的牵头医院", "Step 2: click another hospital of the district (hollow circle) to lead grid {grid}"),
    "lock_on_assign": ("划入后锁定（重新生成时保留）", "Lock what I assign (kept when re-proposing)"),
    "paint_grid": ("涂色网格", "Paint into grid"),
    "selection": ("已选", "Selected"),
    "selection_summary": ("{n} 个单元，{people} 人（{districts}）", "{n} unit(s), {people} residents ({districts})"),
    "assign_to": ("划入网格", "Assign to grid"),
    "new_grid_led_by": ("新网格，由 {lead} 牵头", "new grid led by {lead}"),
    "assign": ("划入", "Assign"),
    "clear_selection": ("清除选择", "Clear selection"),
    "lock": ("锁定", "Lock"),
    "unlock": ("解锁", "Unlock"),
    "grid_tools": ("整网格操作", "Whole grids"),
    "grids": ("网格", "Grids"),
    "lock_grids": ("锁定所选网格", "Lock these grids"),
    "select_grids": ("选中其单元", "Select their units"),
    "change_lead": ("更换牵头医院：网格", "Change lead: grid"),
    "new_lead": ("新的牵头医院", "New lead hospital"),
    "set_lead": ("更换并重新生成该区", "Change and re-propose the district"),
    "repropose_scope": ("重新生成范围", "Re-propose in"),
    "all_districts": ("全部区县", "all districts"),
    "repropose": ("围绕锁定重新生成", "Re-propose around the locks"),
    "repropose_help": ("未锁定的单元按优化重新划分；锁定的单元、现有网格和牵头医院保持不变。",
                       "Units that are not locked are proposed again; locked units, the grids and their leads stay."),
    "undo": ("撤销", "Undo"),
    "redo": ("重做", "Redo"),
    "saved_as": ("已保存：{name} 第 {version} 版", "Saved: {name}, version {version}"),
    "violations": ("违反规则", "Rule violations"),
    "layers": ("图层", "Layers"),
    "layer_primary": ("基层机构", "Primary care"),
    "layer_pairings": ("医院结对", "Pairings"),
    "layer_gaps": ("覆盖缺口", "Coverage gaps"),
    "workspace_legend": ("<span style='font-size:0.9rem'>颜色 = 网格；粗黑线 = 网格边界；"
                         "<b style='color:#e6007e'>洋红</b> = 已选；虚线 = 已锁定；<b style='color:#d7191c'>红框</b> = 违反规则；"
                         "实心蓝点 = 牵头医院（可拖动），空心 = 可牵头</span>",
                         "<span style='font-size:0.9rem'>Colour = grid; thick black line = grid boundary; "
                         "<b style='color:#e6007e'>magenta</b> = selected; dashed = locked; <b style='color:#d7191c'>red</b> = "
                         "breaks a rule; filled blue dot = lead (drag it), hollow = may lead</span>"),
    "lead_candidate": ("可牵头医院", "May lead"),
    "locked_count": ("已锁定 {n} 个单元", "Locked units: {n}"),
    "locked": ("锁定", "Locked"),
    "zoom_to": ("定位", "Zoom"),
    "edit_log": ("编辑记录", "Edit log"),
    "save_pairings": ("保存结对修改", "Save pairing edits"),
    "reoptimise_pairings": ("保留固定结对，重新优化其余", "Keep fixed pairings, re-optimise the rest"),
    "pairings_help": ("勾选“固定”的结对在重新优化时保留；可增删行。P1–P8 规则见“规则检查”。",
                      "Pairings marked fixed stay when the rest is optimised again; rows can be added and removed. The P1-P8 "
                      "checks are under Rule checks."),
    "version": ("版本", "Version"),
    "time": ("时间（北京时间）", "Time (Beijing, UTC+8)"),
    "action": ("操作", "Action"),
    "detail": ("内容", "Detail"),
    "action_create": ("新建", "created"), "action_assign": ("划入网格", "assigned"), "action_new_grid": ("新建网格", "new grid"),
    "action_lock": ("锁定", "locked"), "action_unlock": ("解锁", "unlocked"), "action_lead": ("更换牵头医院", "lead changed"),
    "action_repropose": ("重新生成", "re-proposed"), "action_undo": ("撤销", "undo"), "action_redo": ("重做", "redo"),
    "action_pairings": ("修改结对", "pairings edited"), "action_reoptimise_pairings": ("重新优化结对", "pairings re-optimised"),
    "action_rename": ("重命名", "renamed"), "action_duplicate": ("复制", "copied"), "action_delete": ("删除", "deleted"), "action_restore": ("恢复", "restored"),
    "coverage_intro": ("谁离医疗服务太远：按各级机构的距离阈值计算覆盖，考虑全科医生容量；缺口按人口、距离和圈层（远郊优先）排序，并提出新增站点。",
                       "Who is too far from care: coverage by the threshold of each tier, with GP capacity; gaps ranked by "
                       "population, distance and ring (remote suburbs first), and new sites proposed."),
    "served_share": ("已服务", "Served"),
    "unserved_share": ("可及但容量不足", "Within reach, unserved"),
    "not_covered_share": ("超出服务半径", "Beyond reach"),
    "top_gaps": ("缺口排名（前 20）", "Largest gaps (top 20)"),
    "new_sites": ("建议新增的基层站点", "Proposed new primary-care sites"),
    "site_count": ("新增站点数", "New sites"),
    "village_integration": ("村卫生室一体化（目标：一体化 ≥ 70%，达标 ≥ 60%）", "Village clinic integration (targets: integrated ≥ 70 %, standard ≥ 60 %)"),
    "gap_score": ("缺口分值", "Gap score"),
    "pairings_intro": ("市级医院与区结对（区域医联体）：每区至多 2 家市级综合医院，每院至多 3 个区（含本部所在区），中医类不计；"
                       "优先有分院的区，向远郊倾斜。按最短距离与这些偏好精确求解。",
                       "City hospitals paired with districts (regional alliances): at most 2 city general hospitals per district, "
                       "at most 3 districts per hospital (home included), TCM exempt; branch-campus districts preferred, tilted to "
                       "remote suburbs. Solved exactly for the shortest distance under these preferences."),
    "pairing_count": ("结对数", "Pairings"),
    "pairing_weights": ("偏好权重（在 config.toml 中设置）：分院 {branch:g} km，既往合作 {partner:g} km，远郊 {remote:g} km",
                        "Preference weights (set in config.toml): branch campus {branch:g} km, existing partnership {partner:g} km, "
                        "remote suburb {remote:g} km"),
    "unpaired": ("无市级综合医院结对的区", "Districts without a city general partner"),
    "dropped": ("未保留的既往合作", "Existing partnerships not kept"),
    "binding": ("起约束作用的上限（放宽一格可改善的目标值，km）", "Binding caps (objective gained by relaxing one, km)"),
    "pairing_table": ("结对清单", "Pairings"),
    "what_if": ("假设分析：调整某区的上限", "What if: change a district's cap"),
    "what_if_cap": ("市级综合医院上限（P1）", "City general hospitals allowed (P1)"),
    "what_if_result": ("新增：{added}；取消：{removed}；目标值变化 {delta} km（负值为改善）",
                       "Added: {added}; removed: {removed}; objective change {delta} km (negative is better)"),
    "role_technical_support": ("技术支持", "Technical support"),
    "role_main_support": ("主要技术支持单位", "Main technical support"),
    "role_tcm": ("中医类", "TCM"),
    "role_specialty": ("专科联盟", "Specialty alliance"),
    "grids_intro": ("按政策规则自动划分网格：每个网格由一家区级医院牵头、连片、不跨区，人口在设定区间内，就医距离尽量短。",
                    "Service grids proposed under the rules: each led by one district hospital, contiguous, inside its district, "
                    "its population within the band, with the shortest access to its lead."),
    "grid_count": ("网格数", "Grids"),
    "grid_id": ("网格", "Grid"),
    "lead_hospital": ("牵头医院", "Lead hospital"),
    "balance": ("人口最大/最小比", "Population max/min"),
    "mean_access": ("平均就医距离（km）", "Mean distance to lead (km)"),
    "rules_panel": ("规则检查", "Rule checks"),
    "rule_pass": ("通过", "pass"),
    "rule_fail": ("未通过", "fail"),
    "grid_table": ("各网格指标", "Figures per grid"),
    "explanations": ("单元归属说明", "Why each unit is in its grid"),
    "infeasible": ("无法生成方案", "No plan can be proposed"),
    "band_setting": ("网格人口区间", "Grid population band"),
    "island_links": ("跨水域相邻（岛屿/飞地按 {km} km 内视为相邻）：", "Linked across water (islands within {km} km count as neighbours): "),
    "current_data": ("当前数据", "Current data"),
    "use_default": ("恢复演示数据（上海）", "Back to the demo data (Shanghai)"),
    "modelled_banner": (
        "演示数据：区县边界、常住人口（2020 年第七次人口普查）和市级医院为真实资料（部分院区位置为近似）；"
        "单元、区级医院、社区卫生服务中心、乡镇卫生院和村卫生室为按普查总数生成的模拟数据（{layers}），不得用于备案。",
        "Demonstration data: district boundaries, 2020 census population and city hospitals are real (some campus "
        "locations approximate); units, district hospitals, CHCs, THCs and village clinics are modelled from the census "
        "totals ({layers}) and must not be filed.",
    ),
    "districts": ("区县", "Districts"),
    "units": ("单元", "Units"),
    "facilities": ("医疗机构", "Facilities"),
    "partnerships": ("既往合作", "Partnerships"),
    "population": ("常住人口", "Resident population"),
    "ring": ("圈层", "Ring"),
    "code": ("代码", "Code"),
    "name": ("名称", "Name"),
    "kind": ("类型", "Kind"),
    "load_report": ("校验报告", "Validation report"),
    "map": ("地图", "Map"),
    "show_units": ("显示单元边界", "Show unit boundaries"),
    "show_kinds": ("显示的机构类型", "Facility kinds shown"),
    "basemap": ("底图", "Base map"),
    "basemap_none": ("无底图（离线，默认）", "None (offline, default)"),
    "basemap_osm": ("OpenStreetMap（需联网）", "OpenStreetMap (needs internet)"),
    "basemap_tdt": ("天地图（需联网和密钥）", "Tianditu (needs internet and a key)"),
    "tdt_key": ("天地图密钥 tk", "Tianditu key (tk)"),
    "legend": ("图例", "Legend"),
    "no_issues": ("未发现问题。", "No problems found."),
    "issues_summary": ("错误 {error} 项，警告 {warning} 项，提示 {info} 项", "Errors: {error} · warnings: {warning} · notes: {info}"),
    "rejected_rows": ("未载入的行（{layer}）", "Rows not loaded ({layer})"),
    "column_mappings": ("列名识别", "Column mapping"),
    "source_file": ("来源文件", "Source file"),
    "crs_used": ("坐标系", "Coordinate system"),
    "rows_loaded": ("载入行数", "Rows loaded"),
    "import_intro": (
        "上传规划数据包：一个 GeoPackage、一个包含各图层文件的 ZIP，或多个图层文件（districts / units / facilities / "
        "partnerships，可附 config.toml）。支持 GeoJSON、Shapefile（ZIP）、CSV、XLSX；UTF-8 与 GBK 编码；"
        "WGS84、CGCS2000、GCJ-02、BD-09 及任意 EPSG 坐标系。格式说明见 docs/DATA_FORMAT.md。",
        "Upload a planning data package: one GeoPackage, one ZIP of layer files, or several layer files (districts / "
        "units / facilities / partnerships, optionally config.toml). GeoJSON, zipped Shapefile, CSV and XLSX; UTF-8 "
        "and GBK; WGS84, CGCS2000, GCJ-02, BD-09 or any EPSG code. See docs/DATA_FORMAT.md.",
    ),
    "upload": ("选择文件", "Choose files"),
    "crs_of": ("{layer}的坐标系", "Coordinate system of {layer}"),
    "crs_auto": ("自动（按文件，默认 WGS84）", "Automatic (from the file, else WGS84)"),
    "validate_load": ("校验并载入", "Validate and load"),
    "loaded_ok": ("已载入“{name}”：{units} 个单元，{facilities} 个机构，人口 {population}。", "Loaded '{name}': {units} units, {facilities} facilities, population {population}."),
    "load_failed": ("数据包无法使用，请按下表修正后重新上传。", "The package cannot be used; fix the problems below and upload again."),
    "convert_gcj": ("按 GCJ-02 转换机构坐标后重新载入", "Reload with facilities converted from GCJ-02"),
    "severity": ("级别", "Severity"),
    "error": ("错误", "Error"),
    "warning": ("警告", "Warning"),
    "info": ("提示", "Note"),
    "layer": ("图层", "Layer"),
    "position": ("位置", "Position"),
    "column": ("列", "Column"),
    "value": ("值", "Value"),
    "problem": ("问题", "Problem"),
    "fix": ("修正方法", "How to fix"),
    "reason": ("原因", "Reason"),
    "kind_city_hospital": ("市级医院", "City hospital"),
    "kind_district_hospital": ("区级医院 / 区域性医疗中心", "District hospital"),
    "kind_county_hospital": ("县级医院", "County hospital"),
    "kind_chc": ("社区卫生服务中心", "Community health centre"),
    "kind_thc": ("乡镇卫生院", "Township health centre"),
    "kind_village_clinic": ("村卫生室", "Village clinic"),
    "village_clinics": ("村卫生室", "Village clinics"),
    "default_name": ("上海市（演示数据）", "Shanghai (demonstration data)"),
    "upload_name": ("上传于 {saved}（{n} 个文件）", "Uploaded {saved} ({n} files)"),
    "loading": ("正在载入数据…", "Loading data…"),
    "no_rows": ("（无）", "(none)"),
    "layer_districts": ("区县边界", "districts"),
    "layer_units": ("单元", "units"),
    "layer_facilities": ("医疗机构", "facilities"),
    "layer_partnerships": ("既往合作", "partnerships"),
    "layer_population_points": ("人口点", "population points"),
    "layer_config": ("配置", "config"),
    "required": ("必填", "required"),
    "format_doc": ("数据格式说明（docs/DATA_FORMAT.md）", "Data format (docs/DATA_FORMAT.md)"),
    "online_basemap": ("所选底图需要联网：浏览器将向 {host} 请求地图瓦片。离线内网请选择“无底图”。",
                       "The chosen base map needs internet: the browser will request tiles from {host}. On an offline intranet choose 'None'."),
    "issues_table": ("问题清单", "Problems"),
    "mapping_table": ("图层、坐标系与列名识别", "Layers, coordinate systems and column mapping"),
    "kind_nursing": ("护理/养老机构", "Nursing home"),
    "kind_rehab": ("康复机构", "Rehabilitation facility"),
    "ring_central": ("中心城区", "Central"),
    "ring_near_suburb": ("近郊", "Near suburb"),
    "ring_remote_suburb": ("远郊", "Remote suburb"),
    "ring_county": ("县", "County"),
    "upload_too_many": ("文件过多：最多 {n} 个", "Too many files: at most {n}"),
    "nothing_uploaded": ("请先选择文件。", "Choose files first."),
    "data_source_note": ("数据来源与说明", "Data sources"),
    # access (ui/access.py, pages/admin.py)
    "sign_in_title": ("登录 · 医联体网格化布局规划", "Sign in · Medical alliance grid planning"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出登录", "Sign out"),
    "account": ("账号", "Account"),
    "password": ("密码", "Password"),
    "sign_in_local_intro": ("本系统已启用权限管理。账号由管理员创建（命令 `python cli.py users add`）；连续输错 5 次密码将锁定 15 分钟。",
                            "Access control is on. Accounts are created by an administrator (`python cli.py users add`); "
                            "5 wrong passwords in a row lock the account for 15 minutes."),
    "sign_in_oidc_intro": ("本系统使用单位统一身份认证（OpenID Connect）登录。", "Sign in with your organisation's identity provider (OpenID Connect)."),
    "sign_in_oidc": ("通过统一身份认证登录", "Sign in with the identity provider"),
    "sign_in_oidc_broken": ("统一身份认证未配置好：{why}。请管理员在 .streamlit/secrets.toml 中填写 [auth] 一节。",
                            "The identity provider is not set up: {why}. An administrator fills in [auth] in .streamlit/secrets.toml."),
    "sign_in_no_role": ("以下身份已通过认证，但在本系统中没有角色；请管理员在 access.toml 的 [roles] 中为其分配角色：",
                        "This identity is signed in but has no role here; an administrator gives it one in [roles] of access.toml:"),
    "signed_in_as": ("当前登录", "Signed in as"),
    "refused_title": ("无权访问此页面", "Not for your role"),
    "refused_to_review": ("转到评审模式", "Go to the review"),
    "page_admin": ("系统管理", "Administration"),
    "admin_intro": ("管理员页面：恢复已删除的方案，管理本地账号与角色。", "For administrators: restore deleted plans, manage local accounts and roles."),
    "admin_mode": ("权限管理：{mode}（设置文件 {path}）", "Access control: {mode} (settings file {path})"),
    "admin_mode_off": ("未启用：单机单人使用，所有功能开放。启用方法见 docs/RELIABILITY.md。",
                       "off: one user on one machine, everything open. See docs/RELIABILITY.md to turn it on."),
    "admin_deleted": ("已删除的方案", "Deleted plans"),
    "admin_no_deleted": ("没有已删除的方案。", "No deleted plans."),
    "admin_restore": ("恢复所选方案", "Restore the chosen plan"),
    "admin_restored": ("已恢复方案“{name}”", "Restored plan \u201c{name}\u201d"),
    "admin_accounts": ("本地账号", "Local accounts"),
    "admin_accounts_oidc": ("使用统一身份认证：角色在 access.toml 的 [roles] 中按邮箱分配，未列出的身份角色为 {role}。",
                            "Identity provider sign-in: roles are given by e-mail in [roles] of access.toml; identities not listed get: {role}."),
    "admin_add": ("新建账号", "Add an account"),
    "admin_role": ("角色", "Role"),
    "admin_created": ("创建时间（北京时间）", "Created (Beijing time)"),
    "admin_password_again": ("再次输入密码", "Password again"),
    "admin_password_mismatch": ("两次输入的密码不一致。", "The two passwords differ."),
    "admin_added": ("已新建账号 {name}", "Account {name} added"),
    "admin_change": ("修改账号", "Change an account"),
    "admin_set_role": ("设为此角色", "Give this role"),
    "admin_new_password": ("新密码", "New password"),
    "admin_set_password": ("重设密码", "Reset the password"),
    "admin_remove": ("删除账号", "Remove the account"),
    "admin_role_done": ("已将 {name} 设为“{role}”", "{name} is now: {role}"),
    "admin_password_done": ("已重设 {name} 的密码；其已登录的会话均已退出", "{name}'s password is reset; their sessions are signed out"),
    "admin_remove_sure": ("确认删除账号 {name}", "Yes, remove the account {name}"),
    "admin_removed": ("已删除账号 {name}", "Account {name} removed"),
    "admin_locked": ("锁定至（北京时间）", "Locked until (Beijing time)"),
    "delete_admin_only": ("仅管理员可删除方案（删除后可在“系统管理”中恢复）。", "Only an administrator can delete a plan (and restore it on Administration)."),
    "admin_last_admin": ("不能删除或降级最后一位管理员，也不能删除自己。", "The last administrator cannot be removed or demoted, and you cannot remove yourself."),
    "footer_offline": ("本工具完全离线运行：地图资源均由本机提供，不向外部发送任何请求。",
                       "This tool runs fully offline: map assets are served locally and no request leaves the machine."),
}


COLUMNS: dict[str, tuple[str, str]] = {
    "district_code": ("区县代码", "District code"), "district_name": ("区县名称", "District"),
    "ring": ("圈层", "Ring"), "pooling_area": ("医保统筹区", "Pooling area"), "population": ("常住人口", "Population"),
    "unit_code": ("单元代码", "Unit code"), "unit_name": ("单元名称", "Unit"), "source": ("来源", "Source"),
    "facility_code": ("机构代码", "Facility code"), "name": ("名称", "Name"), "kind": ("类型", "Kind"),
    "subkind": ("类别", "Subkind"), "hospital_code": ("医院代码", "Hospital code"), "campus_role": ("院区", "Campus"),
    "beds": ("床位", "Beds"), "physicians": ("执业（助理）医师", "Physicians"), "nurses": ("注册护士", "Nurses"),
    "gps": ("全科医生", "GPs"), "can_lead": ("可牵头网格", "Can lead"), "thc_code": ("所属卫生院", "Linked THC"),
    "integrated": ("一体化管理", "Integrated"), "meets_standard": ("服务能力达标", "Meets standard"),
    "location_quality": ("位置精度", "Location quality"), "since": ("起始", "Since"), "form": ("合作形式", "Form"),
    "name_en": ("英文名", "English name"),
    "grid_id": ("网格编号", "Grid"), "lead_facility_code": ("牵头医院代码", "Lead code"), "lead_name": ("牵头医院", "Lead hospital"),
    "units": ("单元数", "Units"), "area_km2": ("面积（km²）", "Area (km²)"), "mean_access_km": ("平均距离（km）", "Mean distance (km)"),
    "max_access_km": ("最远距离（km）", "Max distance (km)"), "polsby_popper": ("紧凑度", "Compactness"),
    "distance_km": ("距离（km）", "Distance (km)"), "nearest_lead": ("最近牵头医院", "Nearest lead"),
    "hospital": ("医院", "Hospital"), "district": ("区", "District"), "role": ("形式", "Role"), "fixed": ("固定", "Fixed"),
    "reasons": ("理由", "Reasons"), "cost_km": ("加权距离（km，含偏好折减，可为负）", "Weighted distance (km, less preference bonuses; may be negative)"),
    "gap_score": ("缺口分值", "Gap score"), "primary_km": ("至基层机构（km）", "To primary care (km)"),
    "served": ("已服务", "Served"), "unserved": ("可及未服务", "Unserved"), "not_covered": ("未覆盖", "Not covered"),
    "population_gained": ("新增覆盖人口", "Residents brought within reach"), "rank": ("序号", "Rank"),
    "site_code": ("站点代码", "Site"), "band_deviation": ("超出人口区间", "Outside the band"),
    "locked_units": ("锁定单元", "Locked units"),
    "clinics": ("村卫生室数", "Clinics"), "integrated_target_met": ("一体化率达到目标", "Integration target met"),
    "standard_target_met": ("达标率达到目标", "Standard target met"), "position": ("位置", "Position"), "reason": ("原因", "Reason"),
}
VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "reason": {"beyond_reach": ("超出基层服务半径", "beyond reach of primary care"),
               "short_of_gps": ("可及但全科医生不足", "within reach, short of GPs")},
    "ring": {"central": ("中心城区", "Central"), "near_suburb": ("近郊", "Near suburb"),
             "remote_suburb": ("远郊", "Remote suburb"), "county": ("县", "County")},
    "subkind": {"general": ("综合", "General"), "tcm": ("中医类", "TCM"), "specialty": ("专科", "Specialty")},
    "campus_role": {"main": ("本部", "Main"), "branch": ("分院", "Branch"), "planned": ("规划院区", "Planned")},
    "location_quality": {"published": ("公开坐标", "Published"), "approximate": ("近似", "Approximate"),
                         "modelled": ("模拟", "Modelled")},
    "source": {"modelled": ("模拟", "Modelled"), "reference": ("公开资料", "Reference"), "generated": ("生成", "Generated")},
}


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(value: object) -> str:
    """``value`` as literal text inside Streamlit markdown (messages, labels): links, images,
    emphasis and formulas in names from files or planners are shown, never rendered."""
    return _MARKDOWN.sub(r"\\\1", str(value))


def t(key: str, lang: str, **params: object) -> str:
    """The text for ``key`` in ``lang``, formatted with ``params``."""
    zh, en = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**params) if params else text


REASONS = {  # the pairing engine's reasons (planning.pairing._pairing), in Chinese
    "home district": "本部所在区", "branch campus (P5)": "设有分院（P5）",
    "branch campus (planned) (P5)": "规划分院（P5）", "existing partnership (P6)": "既往合作（P6）",
    "remote suburb priority (P7)": "远郊优先（P7）",
}


def reasons(items: list[str] | tuple[str, ...], lang: str) -> str:
    """A pairing's reasons joined for a table, in the session's language."""
    if lang != "zh":
        return "; ".join(items)
    out = []
    for item in items:
        if item.startswith("distance ") and item.endswith(" km"):
            out.append(f"距离 {item[9:-3]} km")
        else:
            out.append(REASONS.get(item, item))
    return "；".join(out)


DETAIL_KEYS = {  # the edit log's detail keys (pages/workspace.py) in Chinese
    "grid": "网格", "grids": "网格", "units": "单元", "n": "数量", "lock": "锁定", "lead": "牵头医院", "scope": "范围",
    "restores": "恢复为版本", "pairings": "结对数", "fixed": "固定", "name": "名称", "from": "来自", "version": "版本",
}


def detail(data: dict, lang: str = "zh") -> str:
    """An edit-log entry's detail for a table, in the reader's words: lists joined, long ones
    shortened, yes/no for flags."""
    parts = []
    for key, value in data.items():
        if isinstance(value, list):
            value = ("、" if lang == "zh" else ", ").join(map(str, value[:8])) + ("…" if len(value) > 8 else "")
        elif isinstance(value, bool):
            value = ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
        elif key == "scope" and value == "all":
            value = "全部区县" if lang == "zh" else "all districts"
        parts.append(f"{DETAIL_KEYS.get(key, key) if lang == 'zh' else key}: {value}")
    return ("；" if lang == "zh" else "; ").join(parts)


def local_time(stamp: str) -> str:
    """A stored UTC time (ISO 8601) as Beijing time, to the minute: 2026-11-22 18:34."""
    from datetime import datetime, timedelta, timezone

    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return str(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
