"""Words of the import page: dataset names, templates, invalid files, format help: code -> (zh, en)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    # why a file could not be read (``geodata.readers.unreadable_why``), inside issue.file_unreadable
    # and issue.archive_damaged
    "read_why.format": (
        "内容与扩展名不符（例如改了扩展名的 Word、RAR 文件或网页），或文件已损坏",
        "its content is not what its extension says (a renamed Word or RAR file, or a web page, for example), "
        "or it is damaged",
    ),
    "read_why.json": (
        "JSON 语法错误，在第 {line} 行第 {char} 个字符（{detail}），文件可能不完整",
        "JSON syntax error at line {line}, character {char} ({detail}); the file may be incomplete",
    ),
    "read_why.not_zip": (
        "内容不是 ZIP 格式（可能是 RAR/7z 压缩包、改了扩展名的文件，或下载失败时保存的网页）",
        "its content is not in ZIP format (a RAR or 7z archive, a renamed file, or a web page saved by a failed "
        "download, perhaps)",
    ),
    "read_why.zip_broken": ("压缩包不完整或已损坏（{detail}）", "the archive is incomplete or damaged ({detail})"),
    "read_why.other": ("{detail}", "{detail}"),
    "read_why.type": ("不支持 {detail} 类型的文件", "{detail} files are not supported"),
    # the import page
    "imp_intro": (
        "上传规划数据包：一个 GeoPackage、一个包含各图层文件的 ZIP，或多个图层文件（区县边界 districts、单元 units、"
        "医疗机构 facilities、既往合作 partnerships，可附 config.toml）。文件可以分几次选择：后加入的 ZIP 按其中的文件名"
        "识别图层（例如 街镇.shp 为单元）。支持 GeoJSON、Shapefile（ZIP）、CSV、XLSX；UTF-8 与 GBK 编码；WGS84、CGCS2000、"
        "GCJ-02、BD-09 及任意 EPSG 坐标系。各图层的列和要求见本页下方的“数据格式说明”。",
        "Upload a planning data package: one GeoPackage, one ZIP of layer files, or several layer files (districts, "
        "units, facilities, partnerships, optionally config.toml). Files may be chosen in several goes: a ZIP added "
        "later is read by the names of the files in it (街镇.shp is the units, for example). GeoJSON, zipped "
        "Shapefile, CSV and XLSX; UTF-8 and GBK; WGS84, CGCS2000, GCJ-02, BD-09 or any EPSG code. Each layer's "
        "columns are described under 'Data format' below.",
    ),
    "imp_name": ("数据集名称", "Dataset name"),
    "imp_name_placeholder": ("例如：青浦区 2024 年规划数据", "e.g. Qingpu district, 2024 planning data"),
    "imp_name_help": (
        "显示在侧栏“当前数据”、已导入的数据集列表和导出文件的元数据中（最多 {n} 个字）；留空时用压缩包名称或上传时间",
        "shown as the sidebar's current data, in the list of imported datasets and in the exports' metadata (at most "
        "{n} characters); left empty, the archive's name or the upload time is used",
    ),
    "imp_loaded": ("已载入“{name}”：{units} 个单元，{facilities} 个机构，人口 {population}。",
                   "Loaded '{name}': {units} units, {facilities} facilities, population {population}."),
    "imp_format_doc": ("数据格式说明", "Data format"),
    "imp_datasets": ("已导入的数据集（{n} 个）", "Imported datasets ({n})"),
    "imp_datasets_note": (
        "服务器上保存的每次上传；选择一个数据集即可切换到它（方案属于各自的数据集）。",
        "Every upload kept on the server; choose one to switch to it (plans belong to their dataset).",
    ),
    "imp_pick": ("数据集", "Dataset"),
    "imp_use": ("使用此数据集", "Use this dataset"),
    "imp_in_use": ("（当前使用）", " (in use)"),
    "imp_unnamed": ("未命名 · 上传于 {saved}（{n} 个文件）", "Unnamed · uploaded {saved} ({n} files)"),
    "imp_rename_label": ("当前数据集的名称", "Name of the dataset in use"),
    "imp_rename": ("保存名称", "Save name"),
    "imp_renamed": ("数据集名称已保存：{name}", "Dataset name saved: {name}"),
    # the file uploader's own words (Streamlit writes them in English), on every uploader
    "up_button": ("上传文件", "Upload"),
    "up_add": ("添加文件", "Add files"),
    "up_drop": ("将文件拖放到此处", "Drag and drop files here"),
    "up_per_file": ("每个文件不超过 {size}", "{size} per file"),
    "up_total": ("，合计不超过 {total} MB、{files} 个文件", ", {total} MB and {files} files in all"),
    "up_type": ("不支持 {type} 类型的文件", "{type} files are not allowed"),
    "up_too_large": ("文件不能超过 {size}", "File must be {size} or smaller"),
}
