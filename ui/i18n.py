"""UI words in simplified Chinese (default) and English, in the vocabulary of RULES.md."""

from __future__ import annotations

LANGS = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("医联体网格化布局规划", "Medical alliance grid planner"),
    "app_subtitle": ("区域医联体网格划分、市级医院结对与覆盖评估", "Service grids, city hospital pairings and coverage"),
    "language": ("语言 / Language", "语言 / Language"),
    "page_data": ("数据总览", "Data overview"),
    "page_import": ("导入数据", "Import data"),
    "page_grids": ("网格方案", "Grid proposal"),
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
    "distance_km": ("距离（km）", "Distance (km)"), "nearest_lead": ("最近牵头医院", "Nearest lead"), "position": ("位置", "Position"), "reason": ("原因", "Reason"),
}
VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "ring": {"central": ("中心城区", "Central"), "near_suburb": ("近郊", "Near suburb"),
             "remote_suburb": ("远郊", "Remote suburb"), "county": ("县", "County")},
    "subkind": {"general": ("综合", "General"), "tcm": ("中医类", "TCM"), "specialty": ("专科", "Specialty")},
    "campus_role": {"main": ("本部", "Main"), "branch": ("分院", "Branch"), "planned": ("规划院区", "Planned")},
    "location_quality": {"published": ("公开坐标", "Published"), "approximate": ("近似", "Approximate"),
                         "modelled": ("模拟", "Modelled")},
    "source": {"modelled": ("模拟", "Modelled"), "reference": ("公开资料", "Reference"), "generated": ("生成", "Generated")},
}


def t(key: str, lang: str, **params: object) -> str:
    """The text for ``key`` in ``lang``, formatted with ``params``."""
    zh, en = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**params) if params else text
