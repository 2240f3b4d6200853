"""Problems found in planners' files (``geodata.errors.Issue`` codes): what is wrong and how to fix
it, in Chinese and English. Part of the one catalogue (``texts``): an issue code ``x`` renders as
``issue.x`` and its fix as ``issue.x.fix``."""

from __future__ import annotations

# code -> (what, how to fix) in Chinese and English. Placeholders come from Issue.params.
ISSUES: dict[str, tuple[str, str, str, str]] = {
    "file_unreadable": (
        "文件无法读取：{name} 不是有效的 {kind} 文件——{why}",
        "请用原来的软件重新导出 {name}（GIS 软件另存为 GeoJSON、GeoPackage 或 Shapefile；表格另存为 CSV 或 XLSX），"
        "确认扩展名与内容一致、文件已完整下载，然后重新上传",
        "the file cannot be read: {name} is not a valid {kind} file — {why}",
        "export {name} again from the program that made it (GeoJSON, GeoPackage or Shapefile from a GIS; CSV or XLSX "
        "from a spreadsheet), check that its extension matches its content and that it downloaded completely, then "
        "upload it again",
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
        "文件无法读取：{name} 不是有效的 ZIP/Shapefile 压缩包（已损坏或不完整）——{why}",
        "请在电脑上重新压缩：选中数据文件（Shapefile 需同名的 .shp、.shx、.dbf、.prj 和 .cpg 一起），右键选择"
        "“发送到 › 压缩(zipped)文件夹”（不要用 RAR 或 7z 格式），再上传新的 ZIP 文件",
        "the file cannot be read: {name} is not a valid ZIP/Shapefile archive (damaged or incomplete) — {why}",
        "zip the files again: select the data files (for a Shapefile its .shp, .shx, .dbf, .prj and .cpg of one "
        "name) and choose Send to › Compressed (zipped) folder (not RAR or 7z), then upload the new ZIP",
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
        "文件 {name} 不对应任何图层，未读取（数据包中的文件：{found}）",
        "请按图层重命名该文件（扩展名不变），可用的名称：{expected}；不需要的文件请移出数据包",
        "file {name} matches no layer and was not read (files in the package: {found})",
        "rename it after its layer, keeping the extension; names accepted: {expected}; move files that do not belong out of the package",
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
        "坐标 {value}（文件中的原值）不在中国境内", "请检查坐标系与经纬度是否正确：投影坐标、GCJ-02 或 BD-09 请在 config 的 [crs] 中为 {layer} 声明坐标系",
        "coordinate {value} (as the file has it) is outside China",
        "check the coordinate system and the values: for projected, GCJ-02 or BD-09 coordinates declare {layer}'s system under [crs] in config",
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
    # --- issue 14: real planners' data, nothing lost in silence ---
    "archive_no_layer": (
        "压缩包 {name} 中没有 .shp 文件，也没有唯一的 GeoJSON/CSV/XLSX 文件（压缩包内：{found}）",
        "请把同名的 .shp/.shx/.dbf/.prj（和 .cpg）放在一个 ZIP 中，每个图层一个压缩包",
        "the archive {name} holds no .shp file and no single GeoJSON/CSV/XLSX file (it holds: {found})",
        "zip the .shp/.shx/.dbf/.prj (and .cpg) of one name together, one archive per layer",
    ),
    "archive_several_layers": (
        "压缩包中有多个 Shapefile：已读取 {used}，未读取 {names}",
        "每个压缩包只放一个图层，或把整个数据包打成一个 ZIP 并按图层命名文件",
        "the archive holds several shapefiles: read {used}, not read {names}",
        "put one layer per archive, or zip the whole package with each file named after its layer",
    ),
    "sheets_ignored": (
        "工作簿中有多个含数据的工作表：已读取“{used}”，未读取 {names}",
        "每个图层一个文件：把其他工作表另存为单独的 XLSX，并按图层命名",
        "the workbook has several sheets with data: read '{used}', not read {names}",
        "one file per layer: save the other sheets as separate XLSX files named after their layers",
    ),
    "header_row": (
        "表头在第 {row} 行，其上的标题行已跳过（{skipped}）", "无需处理；行号仍按原文件计",
        "the header is on line/row {row}; the title rows above it were skipped ({skipped})", "nothing to do; positions still count the file's own lines",
    ),
    "fields_extra": (
        "该行比表头（{count} 列）多出字段：{extra}", "多半是名称或地址中含有未加引号的逗号：请给该字段加引号，或删去多余的分隔符",
        "the record has more fields than the header ({count} columns): {extra}",
        "most likely a name or address holds an unquoted comma: quote the field or remove the extra separator",
    ),
    "column_blank": (
        "列 {column} 全部为空（{count} 行）", "如有该项数据请填写；为空时相关计算不使用该列",
        "column {column} is blank in every row ({count})", "fill it if you have the figures; while blank it is not used",
    ),
    "column_partly_blank": (
        "列 {column} 有 {count}/{total} 行为空（第一处：{first_pos}）", "请补齐空缺的数值；为空的行视为“未知”，不按 0 计",
        "column {column} is blank in {count} of {total} rows (first: {first_pos})", "fill the missing figures; blanks count as unknown, not as 0",
    ),
    "shapefile_orphan": (
        "{name} 没有同名的 .shp 文件，无法读取", "请把同名的 .shp 文件一起放入数据包（文件名须完全一致）",
        "{name} has no .shp file of the same name, so it cannot be read", "add the .shp file of exactly the same name to the package",
    ),
    "format_unsupported": (
        "文件 {name} 的格式 {suffix} 不受支持，未读取", "请另存为 .xlsx、.csv、GeoJSON、GeoPackage 或 Shapefile（zip）",
        "file {name}: the format {suffix} is not supported and was not read", "save it as .xlsx, .csv, GeoJSON, GeoPackage or a zipped Shapefile",
    ),
    "files_not_read": (
        "{count} 个文件不是图层数据，未读取：{names}", "如其中有图层数据，请放在数据包顶层并按图层命名",
        "{count} files are not layer data and were not read: {names}", "if one holds a layer, put it at the package's top level named after its layer",
    ),
    "units_not_generated": (
        "单元文件 {name} 无法使用，未生成替代的六边形单元：其余图层已载入，但在修正单元文件之前无法划分网格",
        "按上面列出的问题修正单元文件后重新导入；如确实没有单元数据，请把该文件移出数据包，系统将生成六边形单元",
        "the units file {name} could not be used, so no hexagonal cells were generated in its place: the other layers loaded, but grids cannot be drawn until the units file is fixed",
        "fix the units file as the problems above say and import again; if you have no units, remove the file and cells will be generated",
    ),
    "rows_unaccounted": (
        "读取 {read} 行，载入 {loaded} 行、剔除 {rejected} 行，合计不符", "这是程序错误，请把数据包发给维护人员",
        "{read} rows read, {loaded} loaded and {rejected} rejected do not add up", "this is a fault of the program: send the package to its maintainers",
    ),
    "districts_overlap": (
        "区县 {label} 与区县 {other_label}（{other_pos}）重叠 {area}（较小者的 {share}%）：重叠处的居民和机构会被两个区县重复规划",
        "请确定这 {area} 属于 {label} 还是 {other_label}，在 GIS 软件中从另一个区县的边界中裁去（QGIS：矢量 › 地理处理 › 差异），使两区县只沿一条共同边界相接",
        "districts {label} and {other_label} ({other_pos}) overlap by {area} ({share}% of the smaller): the residents and facilities there would be planned in both",
        "decide whether the {area} belongs to {label} or to {other_label} and cut it from the other's boundary in your GIS (QGIS: Vector › Geoprocessing Tools › Difference), so the two meet along one shared line",
    ),
    "units_overlap": (
        "单元 {label} 与 {other_label}（{other_pos}）重叠 {area}（较小者的 {share}%）：重叠处会被重复计入网格和人口",
        "请在 GIS 软件中沿共同边界修正两个单元，使其互不重叠",
        "unit {label} overlaps {other_label} ({other_pos}) by {area} ({share}% of the smaller): the ground there would count twice, in grids and population",
        "fix both units along their shared boundary in your GIS so they do not overlap",
    ),
    "overlaps_more": (
        "另有 {count} 对重叠（合计 {area}），未逐一列出（已列出面积最大的 {listed} 对）",
        "先修正已列出的重叠，再重新检查",
        "{count} more overlapping pairs ({area} in all) not listed one by one (the {listed} largest are listed)",
        "fix the listed overlaps first, then check again",
    ),
    "unit_sliver": (
        "单元 {value} 面积仅 {area}（小于 {limit}），像是切割残留的碎片", "请将其并入相邻单元或删除",
        "unit {value} covers only {area} (under {limit}): it looks like a sliver left by a cut", "merge it into a neighbouring unit or delete it",
    ),
    "unit_parts_apart": (
        "单元 {value} 由 {parts} 个部分组成，分成 {groups} 组，组间最大间距 {gap} km（超过 {limit} km）",
        "如为海岛或飞地，请确认无误；否则请把远处的部分拆为单独的单元或并入其所在的单元",
        "unit {value} has {parts} parts in {groups} groups, {gap} km apart at the widest (over {limit} km)",
        "if these are islands or an exclave, check they are right; otherwise split the distant parts into units of their own or merge them into the unit around them",
    ),
    "unit_islands": (
        "单元 {value} 由 {parts} 个部分组成，分成 {groups} 组，最大间距 {gap} km（超过 {limit} km）；远处的部分不与其他单元相邻（周围是海域、江河或包外地区），像是海岛",
        "如属实则无需处理（网格连通性按 island_link_km 判断）；否则请把远处的部分拆为单独的单元",
        "unit {value} has {parts} parts in {groups} groups, {gap} km apart at the widest (over {limit} km); the distant parts border no other unit (sea, a river or ground outside the package lies around them): islands, it seems",
        "nothing to do if this is right (grid contiguity uses island_link_km); otherwise split the distant parts into units of their own",
    ),
    "units_gap": (
        "区县 {value} 有 {count} 处未被任何单元覆盖，合计 {area}（占 {share}%，最大一处 {largest}）",
        "请补齐单元，使其覆盖整个区县；空隙中的居民和机构不属于任何网格",
        "district {value} has {count} pieces no unit covers, {area} in all ({share}%; the largest {largest})",
        "add or extend units so they cover the whole district: residents and facilities in the gaps belong to no grid",
    ),
    "facility_outside_units": (
        "机构 {value}（{point}）在区县 {district} 内，但不在任何单元内", "请检查坐标，或补齐该处的单元",
        "facility {value} ({point}) lies in district {district} but in no unit", "check its coordinates, or add the unit that is missing there",
    ),
    "facilities_outside_units_more": (
        "另有 {count} 个机构不在任何单元内（已列出前 {listed} 个）", "先补齐单元之间的空隙，再重新检查",
        "{count} more facilities lie in no unit (the first {listed} are listed)", "fill the gaps between units, then check again",
    ),
    "population_apportioned": (
        "{count}/{total} 个单元没有人口（第一处：{first_pos}），已按面积分摊区县人口余额（区县未填人口时记为 0）",
        "请为这些单元填写常住人口",
        "{count} of {total} units have no population (first: {first_pos}); they share what the district total leaves, by area (0 where the district states none)",
        "fill the resident population of these units",
    ),
    # --- issue 16: hostile input, round two ---
    "control_characters": (
        "{file} 中的“{value}”含控制字符 {chars}，已删除（XLSX 无法保存这些字符，导出会失败）",
        "请在源文件中改正该单元格：控制字符多半是从其他系统复制文本时带入的，肉眼看不见",
        "'{value}' in {file} holds the control characters {chars}; they were removed (XLSX cannot hold them and the export would fail)",
        "correct the cell in the source file: control characters usually come with text copied from another system and cannot be seen",
    ),
    "formula_text": (
        "{file} 中的“{value}”以“{prefix}”开头，电子表格软件会把它当作公式执行；已按原样保留，所有导出都把它写成文本（CSV 中前加 ' 号）",
        "如该名称确实如此则无需处理；否则请在源文件中改正（公式可能打开外部链接或读取其他单元格）",
        "'{value}' in {file} starts with '{prefix}', which a spreadsheet runs as a formula; it is kept as written and every export writes it as text (in CSV after a ')",
        "nothing to do if that is the real name; otherwise correct it in the source file (a formula can open outside links or read other cells)",
    ),
    "formula_no_value": (
        "{file} 中该单元格是公式 {value}，但文件没有保存公式的计算结果，因此读作空白（本工具只读取数值，不计算公式）",
        "在 Excel 或 WPS 中复制该列，用“选择性粘贴 → 数值”粘贴回原处；或在 Excel 中打开并保存该文件，使计算结果被保存；然后重新上传",
        "in {file} the cell holds the formula {value} but no value saved with it, so it reads as blank (values are read, formulas are not calculated)",
        "in Excel or WPS copy the column and paste it back as values (Paste Special › Values), or open the file in Excel and save it so the results are stored; then upload again",
    ),
    "prj_unreadable": (
        "坐标系文件 {file} 无法识别，已按 {assumed} 经纬度读取该图层",
        "如坐标不是 WGS84 经纬度，请在 GIS 软件中重新导出该图层（带有效的 .prj），或在 config.toml 的 [crs] 中声明坐标系，例如 {layer} = \"EPSG:4547\"",
        "the coordinate system file {file} cannot be read; the layer was read as {assumed} longitude/latitude",
        "if the coordinates are not WGS84 degrees, export the layer again from your GIS with a valid .prj, or declare its system under [crs] in config.toml, e.g. {layer} = \"EPSG:4547\"",
    ),
    "crs_unusable": (
        "坐标系 “{value}” 无法换算为 WGS84 经纬度（局部工程坐标系或其他天体的坐标系），图层 {layer} 未载入",
        "请改用地球上的地理或投影坐标系：wgs84、cgcs2000、gcj02、bd09 或 EPSG:xxxx",
        "the coordinate system '{value}' cannot be converted to WGS84 longitude/latitude (a local engineering system, or one of another celestial body); layer {layer} was not loaded",
        "use a geographic or projected system on Earth: wgs84, cgcs2000, gcj02, bd09 or EPSG:xxxx",
    ),
    "crs_unusable_file": (
        "{file} 记录的坐标系 “{value}” 无法换算为 WGS84 经纬度（局部工程坐标系或其他天体的坐标系），该图层未载入",
        "请在 GIS 软件中把该图层导出为地球上的地理或投影坐标系（附 .prj），或在 config.toml 的 [crs] 中声明其实际坐标系，例如 {layer} = \"EPSG:4547\"",
        "{file} records the coordinate system '{value}', which cannot be converted to WGS84 longitude/latitude (a local engineering system, or one of another celestial body); the layer was not loaded",
        "export the layer again from your GIS in a geographic or projected system on Earth (with its .prj), or declare its real system under [crs] in config.toml, e.g. {layer} = \"EPSG:4547\"",
    ),
}

# where a problem is in the planner's file (``geodata.errors.Issue.where``)
POSITIONS: dict[str, tuple[str, str]] = {
    "position.line": ("第 {n} 行", "line {n}"),
    "position.row": ("第 {n} 行", "row {n}"),
    "position.feature": ("第 {n} 个要素", "feature {n}"),
    "position.file": ("{n}", "{n}"),
    "position.column": ("列 {column}", "column {column}"),
}
