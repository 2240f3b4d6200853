"""Problems found in planners' files (``geodata.errors.Issue`` codes): what is wrong and how to fix
it, in Chinese and English. Part of the one catalogue (``texts``): an issue code ``x`` renders as
``issue.x`` and its fix as ``issue.x.fix``."""

from __future__ import annotations

# code -> (what, how to fix) in Chinese and English. Placeholders come from Issue.params.
ISSUES: dict[str, tuple[str, str, str, str]] = {
    "file_unreadable": (
        "无法读取文件：{detail}", "请检查文件是否完整、格式是否为 GeoJSON/GeoPackage/Shapefile(zip)/CSV/XLSX",
        "cannot read the file: {detail}", "check the file is complete and is GeoJSON, GeoPackage, zipped Shapefile, CSV or XLSX",
    ),
    "file_empty": ("文件为空", "请上传包含数据的文件", "the file is empty", "upload a file that contains data"),
    "file_too_large": (
        "文件过大：{size_mb} MB，上限 {limit_mb} MB", "请拆分文件或简化几何后再上传",
        "file too large: {size_mb} MB, limit {limit_mb} MB", "split the file or simplify its geometry",
    ),
    "unsafe_archive": (
        "压缩包不安全：{detail}", "请重新打包，只包含数据文件，不要包含目录穿越路径或链接",
        "unsafe archive: {detail}", "re-pack the archive with the data files only, no '..' paths or links",
    ),
    "archive_damaged": (
        "压缩包已损坏或不完整：{detail}", "请重新打包或重新下载该 ZIP 文件后再上传",
        "the archive is damaged or incomplete: {detail}", "re-create or download the ZIP again and upload it",
    ),
    "shapefile_part_missing": (
        "Shapefile 缺少 {part} 文件", "请把同名的 .shp/.shx/.dbf/.prj（和 .cpg）一起打包",
        "the shapefile lacks its {part} file", "zip the .shp/.shx/.dbf/.prj (and .cpg) of the same name together",
    ),
    "encoding_guessed": (
        "未找到 .cpg 编码说明，按 {encoding} 读取", "如中文显示异常，请附上 .cpg 文件（内容如 GBK 或 UTF-8）",
        "no .cpg file; read as {encoding}", "if names look garbled, add a .cpg file (e.g. containing GBK or UTF-8)",
    ),
    "text_encoding": (
        "文本编码为 {encoding}", "无需处理；建议今后使用 UTF-8",
        "text encoding is {encoding}", "nothing to do; UTF-8 is preferred in future",
    ),
    "layer_missing": (
        "缺少必需的图层 {layer}", "请提供 {layer} 图层（文件名 {layer}.geojson/.csv/.xlsx/.zip，或 GeoPackage 中的同名图层）",
        "required layer {layer} is missing", "provide a {layer} layer ({layer}.geojson/.csv/.xlsx/.zip or a GeoPackage layer of that name)",
    ),
    "layer_duplicate": (
        "图层 {layer} 有多个文件，已使用 {used}，忽略 {name}", "每个图层只保留一个文件",
        "layer {layer} has more than one file: used {used}, ignored {name}", "keep one file per layer",
    ),
    "layer_unknown": (
        "未识别的图层文件 {name}，已忽略",
        "请将文件改名为 districts（区县边界）、units（单元）、facilities（医疗机构）、partnerships（既往合作）或 population_points（人口点），扩展名不变",
        "unrecognised layer file {name}, ignored",
        "rename it districts, units, facilities, partnerships or population_points, keeping its extension",
    ),
    "column_missing": (
        "缺少必需的列 {column}", "请添加列 {column}（可用别名：{aliases}）",
        "required column {column} is missing", "add a column {column} (accepted aliases: {aliases})",
    ),
    "column_mapped": (
        "列“{source}”识别为 {target}", "无需处理", "column '{source}' mapped to {target}", "nothing to do",
    ),
    "no_geometry": (
        "表格中没有坐标列（经度/纬度）或 WKT 几何列", "请添加 经度/纬度（longitude/latitude）两列，或一列 WKT",
        "the table has no coordinate (longitude/latitude) or WKT column", "add longitude/latitude columns or one WKT column",
    ),
    "code_missing": ("代码为空", "请为该行填写唯一代码", "the code is empty", "give the row a unique code"),
    "code_duplicate": (
        "代码 {value} 重复（首次出现于{first_pos}）", "请为每一行使用唯一代码",
        "code {value} is a duplicate (first seen at {first_pos})", "give every row a unique code",
    ),
    "not_a_number": ("“{value}”不是数字", "请填写数字（不含单位和千分位逗号以外的文字）",
                     "'{value}' is not a number", "write a plain number"),
    "negative": ("数值 {value} 为负数", "人口和资源数须 ≥ 0", "value {value} is negative", "populations and counts must be >= 0"),
    "not_finite": ("数值 {value} 无效（NaN 或无穷大）", "请填写有限数字", "value {value} is NaN or infinite", "write a finite number"),
    "implausible_population": (
        "人口 {value} 超出合理范围（上限 {limit}）", "请检查单位（人，而非万人）和数值",
        "population {value} is implausible (limit {limit})", "check the unit (persons) and the value",
    ),
    "bad_choice": (
        "“{value}”不是允许的取值", "可选值：{choices_zh}", "'{value}' is not an allowed value", "allowed values: {choices}",
    ),
    "bad_bool": ("“{value}”不是是/否", "请填写 是/否（true/false, 1/0）", "'{value}' is not yes/no", "write yes/no (true/false, 1/0)"),
    "geometry_missing": ("几何为空", "请为该要素提供几何（坐标）", "the geometry is empty", "give the feature a geometry"),
    "geometry_wrong_type": (
        "几何类型为 {value}，应为 {expected}", "请提供{expected}几何",
        "geometry type is {value}, expected {expected}", "provide {expected} geometry",
    ),
    "geometry_repaired": (
        "几何无效（{detail}），已用 make_valid 修复", "请在 GIS 软件中检查并修正该边界",
        "invalid geometry ({detail}), repaired with make_valid", "check and fix this boundary in your GIS",
    ),
    "wkt_invalid": ("WKT “{value}” 无法解析", "请检查 WKT 语法", "WKT '{value}' cannot be parsed", "check the WKT syntax"),
    "latlon_swapped": (
        "经纬度似乎互换（{value}），已自动交换", "请确认经度列与纬度列没有写反",
        "latitude and longitude look swapped ({value}); swapped back", "check the longitude and latitude columns",
    ),
    "outside_china": (
        "坐标 {value} 不在中国境内", "请检查坐标系与经纬度是否正确",
        "coordinate {value} is outside China", "check the coordinate system and the values",
    ),
    "looks_projected": (
        "坐标值 {value} 像投影坐标（米），但未声明坐标系", "请在 config 中为该图层声明 EPSG 代码，或附上 .prj 文件",
        "coordinates {value} look projected (metres) but no coordinate system is declared",
        "declare the layer's EPSG code in config, or include the .prj file",
    ),
    "crs_unknown": (
        "坐标系 “{value}” 无法识别", "可用：wgs84、cgcs2000、gcj02、bd09 或 EPSG:xxxx",
        "coordinate system '{value}' is not recognised", "use wgs84, cgcs2000, gcj02, bd09 or EPSG:xxxx",
    ),
    "crs_converted": (
        "已从 {value} 转换为 WGS84", "无需处理", "converted from {value} to WGS84", "nothing to do",
    ),
    "looks_gcj02": (
        "{count} 个点与边界不符，按 GCJ-02 纠偏后仅 {after} 个不符：数据很可能是 GCJ-02（高德/腾讯坐标）",
        "在 config 的 [crs] 中设置 {layer} = \"gcj02\"，或在上传页选择“按 GCJ-02 转换”",
        "{count} points disagree with the boundaries, only {after} after a GCJ-02 correction: the data is likely GCJ-02 (AMap/Tencent)",
        "set {layer} = \"gcj02\" under [crs] in config, or choose 'convert from GCJ-02' on the upload page",
    ),
    "outside_districts": (
        "点 {value} 不在任何区县边界内", "请检查坐标或坐标系；如确在边界外，请填写 district_code",
        "point {value} lies outside every district", "check the coordinates and their system; if it truly lies outside, fill district_code",
    ),
    "district_unknown": (
        "区县代码 {value} 不在 districts 图层中", "请使用 districts 图层中已有的代码",
        "district code {value} is not in the districts layer", "use a code from the districts layer",
    ),
    "district_mismatch": (
        "填写的区县 {value} 与所在位置的区县 {found} 不一致", "请核对区县代码或坐标",
        "stated district {value} differs from the district at its location, {found}", "check the district code or the coordinates",
    ),
    "unit_two_districts": (
        "单元跨越两个区县（{value}：{share}% 在 {other}）", "请按区县边界切分该单元；已归入面积最大的区县",
        "the unit straddles two districts ({value}; {share}% in {other})", "split the unit along the district boundary; it was put in the district holding most of it",
    ),
    "unit_outside_districts": (
        "单元不在任何区县内", "请检查单元几何与坐标系", "the unit lies outside every district", "check the unit geometry and its coordinate system",
    ),
    "population_mismatch": (
        "单元人口合计 {value} 与区县人口 {expected} 相差 {share}%", "以单元人口为准；请核对两处数据",
        "units add up to {value} residents, the district states {expected} ({share}% apart)", "unit populations are used; check both",
    ),
    "population_missing": (
        "区县 {value} 既无人口也无带人口的单元", "请在 districts 或 units 中填写人口",
        "district {value} has no population and no units with population", "fill population in districts or units",
    ),
    "thc_unknown": (
        "所属卫生院 {value} 不存在或不是乡镇卫生院", "请填写 facilities 中某个 thc 的 facility_code；留空则由系统建议",
        "linked township health centre {value} does not exist or is not a THC", "use the facility_code of a thc, or leave it empty for a proposal",
    ),
    "units_generated": (
        "未提供单元（units）图层：已生成 {count} 个约 {size_km} km 的六边形单元，人口按面积分配",
        "如有街道/乡镇边界和人口，请上传 units 图层以替代生成的单元",
        "no units layer: generated {count} hexagonal cells of about {size_km} km, population apportioned by area",
        "upload a units layer with your sub-district boundaries and population to replace them",
    ),
    "units_generated_points": (
        "未提供单元（units）图层：已生成 {count} 个约 {size_km} km 的六边形单元，人口按人口点汇总",
        "如有街道/乡镇边界和人口，请上传 units 图层以替代生成的单元",
        "no units layer: generated {count} hexagonal cells of about {size_km} km, population summed from the population points",
        "upload a units layer with your sub-district boundaries and population to replace them",
    ),
    "partnership_unknown": (
        "合作关系引用了不存在的 {column} {value}", "请使用 facilities 中的 hospital_code 和 districts 中的 district_code",
        "a partnership refers to an unknown {column} {value}", "use a hospital_code from facilities and a district_code from districts",
    ),
    "config_invalid": (
        "配置文件错误：{detail}", "请按 docs/DATA_FORMAT.md 修正 config.toml",
        "config error: {detail}", "fix config.toml as docs/DATA_FORMAT.md describes",
    ),
    "layer_empty": ("图层 {layer} 没有可用的行", "请检查该图层的数据", "layer {layer} has no usable rows", "check the layer's data"),
}

# where a problem is in the planner's file (``geodata.errors.Issue.where``)
POSITIONS: dict[str, tuple[str, str]] = {
    "position.line": ("第 {n} 行", "line {n}"),
    "position.row": ("第 {n} 行", "row {n}"),
    "position.feature": ("第 {n} 个要素", "feature {n}"),
    "position.file": ("{n}", "{n}"),
    "position.column": ("列 {column}", "column {column}"),
}
