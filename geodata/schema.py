"""The planning data package: its layers, their columns and the aliases planners use.

Everything that leaves ``geodata`` is a GeoDataFrame in EPSG:4326 with exactly the columns
listed here (optional ones filled with their default), so the rest of the program can trust it.
``docs/DATA_FORMAT.md`` is the planner-facing description of the same schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Dtype = Literal["str", "int", "float", "bool", "enum"]

RINGS = ("central", "near_suburb", "remote_suburb", "county")
FACILITY_KINDS = (
    "city_hospital",
    "district_hospital",
    "county_hospital",
    "chc",
    "thc",
    "village_clinic",
    "nursing",
    "rehab",
)
HOSPITAL_SUBKINDS = ("general", "tcm", "specialty")
CAMPUS_ROLES = ("main", "branch", "planned")
# Kinds that may lead a grid (G3) unless the row says can_lead = false.
LEAD_KINDS = ("district_hospital", "county_hospital")


@dataclass(frozen=True)
class Column:
    """One column of a layer: its canonical name, type, whether it is required, and aliases."""

    name: str
    dtype: Dtype
    required: bool = False
    default: object = None
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    meaning: str = ""


@dataclass(frozen=True)
class Layer:
    """One layer of the data package."""

    name: str
    geometry: Literal["polygon", "point", "line", None]
    columns: tuple[Column, ...]
    key: str | None
    meaning: str = ""
    optional: bool = False

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


_POP = ("人口", "常住人口", "人口数", "pop", "population_2020", "常住人口数", "居民人口")
_DISTRICT_CODE = ("区县代码", "区划代码", "行政区划代码", "区代码", "县代码", "adcode", "district", "区县编码")

DISTRICTS = Layer(
    name="districts",
    geometry="polygon",
    key="district_code",
    meaning="区县边界 district (or county) boundaries",
    columns=(
        Column("district_code", "str", required=True, aliases=_DISTRICT_CODE + ("code", "代码", "编码"),
               meaning="unique code, e.g. the GB/T 2260 adcode"),
        Column("district_name", "str", default="", aliases=("区县名称", "区名", "县名", "名称", "name", "name_zh", "区县"),
               meaning="name shown in the UI"),
        Column("ring", "enum", default="near_suburb", choices=RINGS, aliases=("圈层", "环线", "区位", "ring_type"),
               meaning="central | near_suburb | remote_suburb | county"),
        Column("pooling_area", "str", default="", aliases=("医保统筹区", "统筹区", "pooling"),
               meaning="insurance pooling area (G2); empty means one for the whole package"),
        Column("population", "float", aliases=_POP,
               meaning="resident population; optional when units carry it"),
    ),
)

UNITS = Layer(
    name="units",
    geometry="polygon",
    key="unit_code",
    meaning="人口单元 population units (街道/乡镇 or cells), the building blocks of grids",
    optional=True,
    columns=(
        Column("unit_code", "str", required=True, aliases=("单元代码", "单元编码", "街道代码", "乡镇代码", "街镇代码", "街镇编码",
                                                          "乡镇街道代码", "code", "代码", "编码", "id"),
               meaning="unique code"),
        Column("unit_name", "str", default="", aliases=("单元名称", "街道", "乡镇", "街镇", "名称", "name"),
               meaning="name shown in the UI"),
        Column("district_code", "str", aliases=_DISTRICT_CODE,
               meaning="district it belongs to; derived by spatial join when absent"),
        Column("population", "float", default=None, aliases=_POP, meaning="resident population (>= 0)"),
        Column("source", "str", default="", aliases=("来源", "数据来源"),
               meaning="where the row comes from; 'modelled' marks generated demonstration data"),
    ),
)

FACILITIES = Layer(
    name="facilities",
    geometry="point",
    key="facility_code",
    meaning="医疗机构 facilities (points)",
    optional=True,
    columns=(
        Column("facility_code", "str", required=True,
               aliases=("机构代码", "机构编码", "医疗机构代码", "组织机构代码", "code", "代码", "编码", "id"),
               meaning="unique code"),
        Column("name", "str", default="", aliases=("名称", "机构名称", "医院名称", "facility_name", "name_zh"),
               meaning="name shown in the UI"),
        Column("kind", "enum", required=True, choices=FACILITY_KINDS,
               aliases=("类型", "机构类型", "机构类别", "type", "facility_type"),
               meaning="city_hospital | district_hospital | county_hospital | chc | thc | village_clinic | nursing | rehab"),
        Column("subkind", "enum", default="", choices=HOSPITAL_SUBKINDS + ("",),
               aliases=("医院类别", "类别", "hospital_kind", "细类"),
               meaning="general | tcm | specialty (hospitals)"),
        Column("hospital_code", "str", default="", aliases=("医院代码", "医院编码", "hospital_id", "所属医院"),
               meaning="groups the campuses of one city hospital"),
        Column("campus_role", "enum", default="", choices=CAMPUS_ROLES + ("",),
               aliases=("院区类型", "院区", "campus", "role"),
               meaning="main | branch | planned"),
        Column("district_code", "str", aliases=_DISTRICT_CODE,
               meaning="district it lies in; derived when absent"),
        Column("beds", "float", aliases=("床位", "床位数", "编制床位", "开放床位"), meaning="beds"),
        Column("physicians", "float", aliases=("医师", "医师数", "执业医师", "执业（助理）医师数"),
               meaning="licensed (assistant) physicians"),
        Column("nurses", "float", aliases=("护士", "护士数", "注册护士", "注册护士数"), meaning="registered nurses"),
        Column("gps", "float", aliases=("全科医生", "全科医生数", "general_practitioners"),
               meaning="general practitioners"),
        Column("can_lead", "bool", aliases=("可牵头", "牵头资格", "lead"),
               meaning="may lead a grid (G3); default true for district and county hospitals"),
        Column("thc_code", "str", default="", aliases=("所属卫生院", "卫生院代码", "所属卫生院代码", "thc"),
               meaning="village clinics: the township health centre it is linked to (V1)"),
        Column("integrated", "bool", aliases=("一体化", "一体化管理", "是否一体化"),
               meaning="village clinics: under integrated management (V2)"),
        Column("meets_standard", "bool", aliases=("达标", "服务能力达标", "是否达标"),
               meaning="village clinics: meets the service-capacity standard (V2)"),
        Column("location_quality", "str", default="", aliases=("位置精度", "坐标精度"),
               meaning="published | approximate | modelled"),
        Column("source", "str", default="", aliases=("来源", "数据来源"), meaning="where the row comes from"),
    ),
)

PARTNERSHIPS = Layer(
    name="partnerships",
    geometry=None,
    key=None,
    meaning="既往合作关系 existing hospital-district partnerships (P4, P6)",
    optional=True,
    columns=(
        Column("hospital_code", "str", required=True, aliases=("医院代码", "医院编码", "hospital_id")),
        Column("district_code", "str", required=True, aliases=_DISTRICT_CODE),
        Column("since", "str", default="", aliases=("起始年份", "开始时间", "year")),
        Column("form", "str", default="", aliases=("合作形式", "形式", "type"),
               meaning="trusteeship (托管) or technical support (技术支持)"),
        Column("managers", "float", aliases=("派驻管理人员", "管理人员"),
               meaning="P8: managers seconded to a trusteeship (floor 2)"),
        Column("experts", "float", aliases=("常驻专家", "专家"),
               meaning="P8: resident clinical experts of a trusteeship (floor 5)"),
    ),
)

POPULATION_POINTS = Layer(
    name="population_points",
    geometry="point",
    key=None,
    meaning="人口点 population points (optional), used to apportion population to generated units",
    optional=True,
    columns=(Column("population", "float", required=True, aliases=_POP),),
)

ROADS = Layer(
    name="roads",
    geometry="line",
    key=None,
    meaning="道路网 road network (optional): travel times instead of straight lines",
    optional=True,
    columns=(
        Column("road_class", "str", default="", aliases=("道路等级", "等级", "highway", "fclass", "class", "type", "类型"),
               meaning="motorway | trunk | primary | secondary | tertiary | residential | … (or 高速/国道/省道/县道/乡道/村道)"),
        Column("speed_kmh", "float", aliases=("速度", "设计速度", "限速", "maxspeed", "speed"),
               meaning="travel speed; default by road class"),
    ),
)

CANDIDATES = Layer(
    name="candidates",
    geometry="point",
    key="site_code",
    meaning="候选站点 candidate sites for new care (optional; default: every unit's centre)",
    optional=True,
    columns=(
        Column("site_code", "str", required=True, aliases=("站点代码", "代码", "编码", "code", "id")),
        Column("name", "str", default="", aliases=("名称", "站点名称", "地址")),
    ),
)

LAYERS: dict[str, Layer] = {
    layer.name: layer for layer in (DISTRICTS, UNITS, FACILITIES, PARTNERSHIPS, POPULATION_POINTS, ROADS, CANDIDATES)
}

# File names planners give their layers, mapped to the layer (compared after lower-casing).
LAYER_FILE_ALIASES: dict[str, str] = {
    "区县": "districts", "区县边界": "districts", "行政区": "districts", "行政区划": "districts", "边界": "districts",
    "district": "districts", "county": "districts", "counties": "districts",
    "单元": "units", "人口单元": "units", "街道": "units", "乡镇": "units", "街镇": "units", "unit": "units",
    "机构": "facilities", "医疗机构": "facilities", "医院": "facilities", "facility": "facilities",
    "合作": "partnerships", "合作关系": "partnerships", "既往合作": "partnerships", "partnership": "partnerships",
    "人口点": "population_points", "人口": "population_points",
    "道路": "roads", "路网": "roads", "道路网": "roads", "road": "roads",
    "候选站点": "candidates", "候选点": "candidates", "candidate": "candidates", "sites": "candidates",
}


# The Chinese file names shown to a planner whose file names no layer (besides the English one).
LAYER_FILE_HINTS: dict[str, str] = {
    "districts": "区县边界", "units": "单元、街镇", "facilities": "医疗机构", "partnerships": "合作关系",
    "population_points": "人口点", "roads": "道路", "candidates": "候选站点",
}


def layer_for_file(stem: str) -> str | None:
    """The layer a file belongs to, from its name (``区县边界.geojson`` -> districts)."""
    key = stem.strip().lower()
    return key if key in LAYERS else LAYER_FILE_ALIASES.get(key)


# Columns that carry point coordinates or WKT in tables (CSV/XLSX).
LONGITUDE_ALIASES = ("longitude", "lon", "lng", "long", "x", "经度", "东经", "x坐标")
LATITUDE_ALIASES = ("latitude", "lat", "y", "纬度", "北纬", "y坐标")
WKT_ALIASES = ("wkt", "geometry", "geom", "the_geom", "几何", "空间信息")

# Values planners write, mapped to canonical ones (compared after strip + lower-case).
VALUE_ALIASES: dict[str, dict[str, str]] = {
    "ring": {
        "中心城区": "central", "中心城": "central", "市区": "central", "城区": "central",
        "近郊": "near_suburb", "近郊区": "near_suburb",
        "远郊": "remote_suburb", "远郊区": "remote_suburb", "郊区": "remote_suburb",
        "县": "county", "县域": "county",
    },
    "kind": {
        "市级医院": "city_hospital", "市级": "city_hospital",
        "区级医院": "district_hospital", "区域性医疗中心": "district_hospital", "区域医疗中心": "district_hospital",
        "区中心医院": "district_hospital",
        "县级医院": "county_hospital", "县医院": "county_hospital", "县人民医院": "county_hospital",
        "社区卫生服务中心": "chc", "社区": "chc", "community_health_centre": "chc",
        "乡镇卫生院": "thc", "卫生院": "thc", "township_health_centre": "thc",
        "村卫生室": "village_clinic", "卫生室": "village_clinic", "村": "village_clinic",
        "养老机构": "nursing", "护理院": "nursing", "康复医院": "rehab", "康复机构": "rehab",
    },
    "subkind": {
        "综合": "general", "综合医院": "general", "中医": "tcm", "中医类": "tcm", "中医院": "tcm",
        "中西医结合": "tcm", "专科": "specialty", "专科医院": "specialty",
    },
    "campus_role": {
        "本部": "main", "总院": "main", "主院区": "main", "分院": "branch", "院区": "branch",
        "分院区": "branch", "规划": "planned", "规划院区": "planned", "在建": "planned",
    },
}
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "是", "对", "有", "√", "1.0"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "否", "无", "×", "0.0"})

# Rough bounds of China (with a margin); points outside are certainly wrong for this tool.
CHINA_BOUNDS = (73.0, 17.5, 135.5, 54.0)


@dataclass(frozen=True)
class ColumnMapping:
    """Which source column was mapped to which canonical column of a layer."""

    layer: str
    source: str
    target: str


@dataclass
class LayerMeta:
    """What the loader learnt about a layer: source file, CRS used, mapping, rows loaded/rejected."""

    layer: str
    source: str
    crs: str
    rows_read: int = 0
    rows_loaded: int = 0
    mappings: list[ColumnMapping] = field(default_factory=list)
    generated: bool = False
    # what a position in this layer's file is: "line" (CSV), "row" (XLSX, tables), "feature"
    position_kind: str = "feature"


# --- text that reaches spreadsheets and files (issue 16) -------------------------------------------

# a cell starting with one of these is taken for a formula by spreadsheet programs (OWASP, "CSV
# injection"): exports write such text as text, and validation names it
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# control characters (Unicode category Cc) and lone surrogates: no name or code holds them, XLSX
# cannot (openpyxl's IllegalCharacterError) and UTF-8 cannot encode a lone surrogate
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\t\n\r]+")


def looks_like_formula(text: object) -> bool:
    """Whether a spreadsheet would take ``text`` for a formula (``FORMULA_PREFIXES``)."""
    return isinstance(text, str) and text.startswith(FORMULA_PREFIXES)


def control_characters(text: str) -> list[str]:
    """The control characters and lone surrogates in ``text``, in order, each once."""
    return list(dict.fromkeys(_CONTROL.findall(text)))


def without_control(text: str) -> str:
    """``text`` with tabs and line breaks as one space and every other control character and
    lone surrogate left out: what a one-line name or code can hold."""
    return _CONTROL.sub("", _LINE_BREAKS.sub(" ", text))


def shown(text: str) -> str:
    """``text`` with its control characters written out (``\\x01``), safe to quote in a message."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
                        text)


TEMPLATE_FILES = {"facilities": "医疗机构", "partnerships": "合作关系", "population_points": "人口点",
                  "candidates": "候选站点"}  # the table layers a planner may fill in a spreadsheet


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def template_columns(layer: Layer) -> list[str]:
    """The headers of a blank spreadsheet for ``layer``, in Chinese (each column's first Chinese
    alias, which the loader maps back; the canonical name where it has none), with 经度/纬度
    for a point layer. Required columns first."""
    ordered = sorted(layer.columns, key=lambda c: not c.required)
    headers = [next((a for a in c.aliases if _cjk(a)), c.name) for c in ordered]
    if layer.geometry == "point":
        headers += ["经度", "纬度"]
    return headers
