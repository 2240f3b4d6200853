"""The planner's settings: rule caps and overrides, thresholds, the grid population band.

Defaults are those of ``shared/policy/RULES.md`` (rule ids in the comments). A data package's
``config.toml`` overrides any of them; ``PlanConfig.from_mapping`` checks every value and
reports all problems at once.

Every numeric setting has bounds (``BOUNDS``, issue 16): NaN, infinity, text where a number is
expected and values outside are refused with the setting, the value, the values allowed and the
fix (``ConfigProblem``, catalogue codes ``issue.config_*``). A cap or count larger than any data
needs is used as ``CEILING`` with a note; the pairing cuts caps to the data, and generated units
have a cell budget (``geodata.units.HEX_CELL_BUDGET``), so the work follows the data, not a setting.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType

from planning.errors import ConfigError
from texts import Text


GRID_LEADS = ("choose", "given")
IMPROVE_OBJECTIVES = ("shortfall", "spread")  # planning.improve.OBJECTIVES
# the tiers of the hierarchical 2SFCA (planning.accessibility.TIERS): each counts its own supply with
# its own distance decay, within its own catchment (the *_threshold settings)
ACCESS_TIERS = {"village_clinic": "physicians", "thc": "gps", "county_hospital": "beds", "chc": "gps",
                "district_hospital": "beds", "city_hospital": "beds"}
TIER_SUPPLIES = ("gps", "physicians", "beds")
TIER_DECAYS = ("gaussian", "steps", "none")

# A cap or a count above this is more than any package's districts, hospitals or units: it is used
# as this (with a note). The pairing cuts caps further to the data (``planning.pairing``), so the
# work grows with the data, never with a setting.
CEILING = 10_000


@dataclass(frozen=True)
class Bound:
    """The values a numeric setting may take: ``low`` to ``high`` (``low`` itself excluded when
    ``positive``). Above ``high`` a cap or count is used as ``high`` (``clamp``); any other value
    outside, NaN or infinity is refused."""

    low: float
    high: float
    positive: bool = False
    clamp: bool = False
    whole: bool = False


_CAP = Bound(1, CEILING, clamp=True, whole=True)
_KM = Bound(0, 1000)  # farther than any city reaches
BOUNDS: Mapping[str, Bound] = MappingProxyType({
    "district_cap": _CAP, "hospital_cap": _CAP, "county_alliances_max": _CAP, "max_clinics_per_thc": _CAP,
    "grid_exact_units": Bound(0, CEILING, clamp=True, whole=True),
    "pairing_branch_km": _KM, "pairing_partnership_km": _KM, "pairing_remote_km": _KM,
    "grid_population_min": Bound(0, 2e9, positive=True), "grid_population_max": Bound(0, 2e9, positive=True),
    "grid_balance_target": Bound(0, 1000),  # and 0 or at least 1 (``check``)
    "grid_exact_seconds": Bound(0, 600, positive=True),
    "island_link_km": _KM,
    "village_integration_target": Bound(0, 1), "village_standard_target": Bound(0, 1),
    "detour_factor": Bound(1, 10),
    "chc_threshold_km": Bound(0, 1000, positive=True), "thc_threshold_km": Bound(0, 1000, positive=True),
    "village_threshold_km": Bound(0, 1000, positive=True), "hospital_threshold_km": Bound(0, 1000, positive=True),
    "chc_threshold_min": Bound(0, 1440, positive=True), "thc_threshold_min": Bound(0, 1440, positive=True),
    "village_threshold_min": Bound(0, 1440, positive=True), "hospital_threshold_min": Bound(0, 1440, positive=True),
    "walk_kmh": Bound(0, 100, positive=True),
    "hex_size_km": Bound(0, 1000, positive=True),  # and a cell budget that follows from the districts (``geodata.units``)
    "overlap_min_m2": Bound(0, 1e12, positive=True),
    "unit_part_gap_km": Bound(0, 10_000, positive=True),
    # accessibility (issue 17): the catchment bounds the neighbour search, so it is bounded tightly
    "access_catchment_min": Bound(0, 120, positive=True), "access_catchment_km": Bound(0, 100, positive=True),
    "access_raam_tau_min": Bound(0, 600, positive=True), "access_raam_reach_min": Bound(0, 120, positive=True),
    "access_raam_cycles": Bound(1, 1000, whole=True),
    "access_threshold_per_10000": Bound(0, 10_000), "access_circle_target": Bound(0, 1),
    # improving accessibility under a budget (planning.improve): the model's size follows the data
    "access_improve_gps": Bound(0, CEILING, clamp=True, whole=True),
    "access_improve_sites": Bound(0, CEILING, clamp=True, whole=True),  # at most the candidates, in the model
    "access_improve_site_gps": Bound(1, 1000, whole=True), "access_improve_seconds": Bound(0, 600, positive=True),
})
# settings that are lists of numbers (accessibility steps, issue 17): each item within its bound, at
# most STEPS_MAX items; breaks rise and come with as many weights (``check``)
STEPS_MAX = 10
LIST_BOUNDS: Mapping[str, Bound] = MappingProxyType({
    "access_e2sfca_breaks_min": Bound(0, 120, positive=True), "access_e2sfca_weights": Bound(0, 1),
    "access_3sfca_breaks_min": Bound(0, 120, positive=True), "access_3sfca_weights": Bound(0, 1),
})
# caps of one district or hospital (``limit``) and a district's number of grids
OVERRIDE_LIMIT = Bound(0, CEILING, clamp=True, whole=True)
GRID_COUNT = Bound(1, CEILING, clamp=True, whole=True)


class ConfigProblem(str):
    """One problem with a setting, as the engine has always listed them (English, starting with the
    setting's name), carrying its catalogue message and fix (``issue.config_*``) for each language."""

    code: str
    params: Mapping[str, object]

    def __new__(cls, code: str, **params: object) -> ConfigProblem:
        text = Text(f"issue.{code}", params)
        self = super().__new__(cls, f"{text.render('en')}; {Text(f'issue.{code}.fix', params).render('en')}")
        self.code, self.params = code, MappingProxyType(dict(params))
        return self

    def __reduce__(self):  # pickled and copied as its code and parameters
        return _config_problem, (self.code, dict(self.params))

    @property
    def text(self) -> Text:
        return Text(f"issue.{self.code}", self.params)

    @property
    def fix(self) -> Text:
        return Text(f"issue.{self.code}.fix", self.params)


def _config_problem(code: str, params: Mapping[str, object]) -> ConfigProblem:
    return ConfigProblem(code, **params)


def shown(value: object) -> str:
    """A value as the planner wrote it, cut short: ``"two"``, ``nan``, ``-5``, ``99999…``."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = '"' + value + '"'
    elif isinstance(value, int):
        digits = str(value)
        text = digits if len(digits) <= 24 else f"{digits[:20]}…"
    else:
        text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def allowed(bound: Bound) -> str:
    """The values a bound allows, as an interval: ``[1, 10000]``, ``(0, 100]``."""
    return f"{'(' if bound.positive else '['}{bound.low:g}, {bound.high:g}]"


def bounded(setting: str, value: object, bound: Bound, default: object, notes: list[ConfigProblem]) -> int | float:
    """``value`` checked against ``bound``: the number to use (a cap above the highest is used as the
    highest, with a note in ``notes``), or ``ValueError`` carrying a ``ConfigProblem``."""
    params = {"setting": setting, "value": shown(value), "default": shown(default), "allowed": allowed(bound)}
    if isinstance(value, bool) or not isinstance(value, numbers.Real):  # numpy's numbers too, not its bool_
        raise ValueError(ConfigProblem("config_not_whole" if bound.whole else "config_not_number", **params))
    value = int(value) if isinstance(value, numbers.Integral) else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(ConfigProblem("config_not_finite", **params))
    if bound.whole and not isinstance(value, int):
        raise ValueError(ConfigProblem("config_not_whole", **params))
    too_low = value <= bound.low if bound.positive else value < bound.low
    if too_low or (value > bound.high and not bound.clamp):
        raise ValueError(ConfigProblem("config_out_of_range", **params))
    if value > bound.high:
        notes.append(ConfigProblem("config_clamped", used=f"{bound.high:g}", **params))
        value = bound.high
    return int(value) if bound.whole else float(value)


@dataclass(frozen=True)
class Override:
    """A per-district or per-hospital cap that differs from the default, and why (P1, P2)."""

    limit: int
    reason: str


@dataclass(frozen=True)
class PlanConfig:
    """Every setting a plan is made under. Immutable; ``replace`` gives a changed copy."""

    district_cap: int = 2  # P1: city general hospitals per district
    hospital_cap: int = 3  # P2: districts per city general hospital, home district included
    district_cap_overrides: Mapping[str, Override] = field(default_factory=lambda: MappingProxyType({}))
    hospital_cap_overrides: Mapping[str, Override] = field(default_factory=lambda: MappingProxyType({}))
    tcm_exempt: bool = True  # P3
    allow_unjustified_pairings: bool = False  # P4
    remote_suburbs: tuple[str, ...] | None = None  # P7: None = districts whose ring is remote_suburb
    pairing_branch_km: float = 10.0  # P5: a branch campus is worth this much distance
    pairing_partnership_km: float = 15.0  # P6: an existing partnership
    pairing_remote_km: float = 5.0  # P7: a remote suburb
    grid_population_min: float = 200_000.0  # G5/G6: population band of a grid
    grid_population_max: float = 800_000.0
    county_alliances_max: int = 3  # G5: a county forms 1-3 county alliances (more only with a recorded reason)
    county_alliances_reason: str = ""  # G5: why ``county_alliances_max`` exceeds 3 (required then, like the P1/P2 overrides)
    grid_balance_target: float = 1.25  # G6: the largest max/min population of a district's grids the solver aims for (0: access only)
    grid_counts: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))  # G5: a district's number of grids, when the planner fixes it
    grid_leads: str = "choose"  # G3: "choose" (the engine picks which hospitals lead) or "given" (every hospital that may lead leads one grid)
    grid_exact_units: int = 60  # districts of at most this many units are solved exactly (CP-SAT), larger ones by the heuristic
    grid_exact_seconds: float = 5.0  # the exact solver's time limit per district (deterministic seconds); the best plan found is kept, with its gap
    island_link_km: float = 15.0  # G6: parts of a district closer than this count as neighbours
    village_integration_target: float = 0.70  # V2
    village_standard_target: float = 0.60  # V2
    max_clinics_per_thc: int = 40  # V3
    detour_factor: float = 1.3  # straight line -> road distance
    chc_threshold_km: float = 1.5  # 15-minute community health circle (walking ~ 1.5 km)
    thc_threshold_km: float = 5.0
    village_threshold_km: float = 2.5
    hospital_threshold_km: float = 10.0
    chc_threshold_min: float = 15.0  # with a road network: the 15-minute community health circle
    thc_threshold_min: float = 30.0
    village_threshold_min: float = 20.0
    hospital_threshold_min: float = 30.0
    walk_kmh: float = 5.0  # from a unit or facility to the nearest road
    hex_size_km: float = 3.0  # generated units when the package has none
    overlap_min_m2: float = 1000.0  # loading: overlaps, gaps and slivers of units and districts smaller than this are not reported
    unit_part_gap_km: float = 5.0  # loading: a unit whose parts lie further apart than this is reported
    layer_crs: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # accessibility, the 2SFCA family (issue 17; docs/COVERAGE.md): minutes on roads; over distance
    # every minute value is scaled by access_catchment_km / access_catchment_min
    access_catchment_min: float = 30.0  # 2SFCA and Gaussian 2SFCA catchment d0 (Luo & Wang 2003; Dai 2010)
    access_catchment_km: float = 10.0  # the same catchment over straight-line distance x detour
    access_e2sfca_breaks_min: tuple[float, ...] = (10.0, 20.0, 30.0)  # Enhanced 2SFCA steps (Luo & Qi 2009)
    access_e2sfca_weights: tuple[float, ...] = (1.00, 0.68, 0.22)
    access_3sfca_breaks_min: tuple[float, ...] = (10.0, 20.0, 30.0, 60.0)  # 3SFCA steps (Wan et al. 2012)
    access_3sfca_weights: tuple[float, ...] = (0.962, 0.704, 0.377, 0.042)
    access_raam_tau_min: float = 60.0  # RAAM travel scale tau (Saxon & Snow 2020)
    access_raam_reach_min: float = 60.0  # RAAM: the facilities a resident may choose from
    access_raam_cycles: int = 150  # RAAM iterations (PySAL access's default)
    access_threshold_per_10000: float = 4.5  # residents below this accessibility count as short (LW-14 GPs)
    access_circle_target: float = 0.80  # the 15-minute community health circle's target share
    # each tier's supply and decay (hierarchical 2SFCA, Tao, Cheng & Liu 2020): supply gps |
    # physicians | beds; decay gaussian (Dai 2010, the study's) | steps (E2SFCA's, stretched to the
    # tier's catchment) | none (plain 2SFCA). The catchment is the tier's *_threshold_km / _min.
    access_tier_supply_village_clinic: str = "physicians"
    access_tier_supply_thc: str = "gps"
    access_tier_supply_county_hospital: str = "beds"
    access_tier_supply_chc: str = "gps"
    access_tier_supply_district_hospital: str = "beds"
    access_tier_supply_city_hospital: str = "beds"
    access_tier_decay_village_clinic: str = "gaussian"
    access_tier_decay_thc: str = "gaussian"
    access_tier_decay_county_hospital: str = "gaussian"
    access_tier_decay_chc: str = "gaussian"
    access_tier_decay_district_hospital: str = "gaussian"
    access_tier_decay_city_hospital: str = "gaussian"
    # improving accessibility under a budget (planning.improve, docs/COVERAGE.md)
    access_improve_gps: int = 30  # GPs to place: added at existing CHCs/THCs or staffing new sites
    access_improve_sites: int = 3  # new sites at most
    access_improve_site_gps: int = 6  # GPs a new site opens with, at least (社区卫生服务中心基本标准: 6 全科医师)
    access_improve_objective: str = "shortfall"  # shortfall (raise the worst-off) | spread (cut the inequality)
    access_improve_seconds: float = 20.0  # the solver's time limit; the best plan found is kept, with its gap

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> PlanConfig:
        """Build from a parsed config (TOML tables ``rules``, ``grids``, ``coverage``, ``crs`` ...).

        Accepts the settings either flat or grouped in tables; raises ``ConfigError`` listing
        every unknown key and bad value. A cap or count above ``CEILING`` is used as ``CEILING``
        (``read`` gives the notes that say so).
        """
        return cls.read(data)[0]

    @classmethod
    def read(cls, data: Mapping[str, object]) -> tuple[PlanConfig, tuple[ConfigProblem, ...]]:
        """``from_mapping``, and the notes on values it used otherwise than written (caps above
        ``CEILING``)."""
        if not isinstance(data, Mapping):
            raise ConfigError(["config: expected a table of settings"])
        flat: dict[str, object] = {}
        problems: list[str] = []
        for key, value in data.items():
            if key == "crs":
                flat["layer_crs"] = value
            elif isinstance(value, Mapping) and key not in ("district_cap_overrides", "hospital_cap_overrides", "grid_counts"):
                flat.update(value)
            else:
                flat[key] = value
        known = {f.name: f for f in fields(cls)}
        defaults = cls()
        values: dict[str, object] = {}
        notes: list[ConfigProblem] = []
        for key, value in flat.items():
            if key not in known:
                problems.append(f"unknown setting {key!r}")
                continue
            try:
                values[key] = _coerce(key, value, getattr(defaults, key), notes)
            except ConfigError as exc:
                problems.extend(exc.problems)
            except (TypeError, ValueError) as exc:
                why = exc.args[0] if exc.args else exc
                problems.append(why if isinstance(why, ConfigProblem) else f"{key}: {why}")
        if problems:
            raise ConfigError(problems)
        config = replace(defaults, **values)
        config.check()
        return config, tuple(notes)

    def check(self) -> None:
        """Every setting within its bounds (``BOUNDS``) and consistent with the others; raises
        ``ConfigError`` listing every problem. A cap or count above ``CEILING`` is refused here: it
        reaches ``check`` only from code, not from config.toml (``from_mapping`` uses ``CEILING``)."""
        problems: list[str] = []
        defaults = PlanConfig()
        for name, bound in BOUNDS.items():
            try:
                bounded(name, getattr(self, name), replace(bound, clamp=False), getattr(defaults, name), [])
            except ValueError as exc:
                problems.append(exc.args[0])
        for key in ("district_cap_overrides", "hospital_cap_overrides"):
            for code, override in getattr(self, key).items():
                try:
                    bounded(f"{key}.{code}.limit", override.limit, replace(OVERRIDE_LIMIT, clamp=False),
                            getattr(defaults, key.removesuffix("_overrides")), [])
                except ValueError as exc:
                    problems.append(exc.args[0])
        for code, n in self.grid_counts.items():
            try:
                bounded(f"grid_counts.{code}", n, replace(GRID_COUNT, clamp=False), "auto", [])
            except ValueError as exc:
                problems.append(exc.args[0])
        problems.extend(_steps_problems(self, defaults))
        bad = {str(p).split(" ", 1)[0].split(".", 1)[0] for p in problems}
        if not bad & {"grid_population_min", "grid_population_max"} and self.grid_population_min > self.grid_population_max:
            problems.append("grid_population_min must be positive and not above grid_population_max")
        if "grid_balance_target" not in bad and 0 < self.grid_balance_target < 1:
            problems.append("grid_balance_target must be at least 1 (a max/min ratio), or 0 for access only")
        if "county_alliances_max" not in bad and self.county_alliances_max > 3 and not self.county_alliances_reason.strip():
            problems.append("county_alliances_max above 3 needs county_alliances_reason: a county forms 1-3 county "
                            "alliances (NHC-2019 county plan 三(一)1); record why this one may form more")
        if self.grid_leads not in GRID_LEADS:
            problems.append(f"grid_leads must be one of {', '.join(GRID_LEADS)}")
        if self.access_improve_objective not in IMPROVE_OBJECTIVES:
            problems.append(f"access_improve_objective must be one of {', '.join(IMPROVE_OBJECTIVES)}")
        for tier in ACCESS_TIERS:
            for what, allowed in (("supply", TIER_SUPPLIES), ("decay", TIER_DECAYS)):
                if getattr(self, f"access_tier_{what}_{tier}") not in allowed:
                    problems.append(f"access_tier_{what}_{tier} must be one of {', '.join(allowed)}")
        if problems:
            raise ConfigError(problems)


def _steps_problems(config: PlanConfig, defaults: PlanConfig) -> list[str]:
    """The accessibility steps: 1 to ``STEPS_MAX`` items within their bounds, rising breaks, as many
    weights as breaks."""
    problems: list[str] = []
    for name, bound in LIST_BOUNDS.items():
        items = getattr(config, name)
        if not 1 <= len(items) <= STEPS_MAX:
            problems.append(f"{name} must list 1 to {STEPS_MAX} numbers")
        for i, item in enumerate(items):
            try:
                bounded(f"{name}[{i}]", item, bound, getattr(defaults, name), [])
            except ValueError as exc:
                problems.append(exc.args[0])
    if problems:
        return problems
    for measure in ("e2sfca", "3sfca"):
        breaks, weights = getattr(config, f"access_{measure}_breaks_min"), getattr(config, f"access_{measure}_weights")
        if list(breaks) != sorted(set(breaks)):
            problems.append(f"access_{measure}_breaks_min must rise from one break to the next")
        if len(breaks) != len(weights):
            problems.append(f"access_{measure}_weights must give one weight per break of access_{measure}_breaks_min")
    return problems


def _coerce(key: str, value: object, default: object, notes: list[ConfigProblem]) -> object:
    if key in BOUNDS:
        return bounded(key, value, BOUNDS[key], default, notes)
    if key in LIST_BOUNDS:
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
            raise TypeError(f"expected a list of 1 to {STEPS_MAX} numbers")
        if not 1 <= len(value) <= STEPS_MAX:
            raise TypeError(f"expected a list of 1 to {STEPS_MAX} numbers, not {len(value)}")
        return tuple(float(bounded(f"{key}[{i}]", item, LIST_BOUNDS[key], default, notes)) for i, item in enumerate(value))
    if key.endswith("_overrides"):
        if not isinstance(value, Mapping):
            raise TypeError("expected a table of code = {limit = N, reason = \"...\"}")
        out, problems = {}, []
        cap = key.removesuffix("_overrides")
        for code, spec in value.items():
            if not isinstance(spec, Mapping) or "limit" not in spec or not str(spec.get("reason", "")).strip():
                problems.append(f"{key}: override for {code!r} needs a limit and a reason")
                continue
            try:
                limit = bounded(f"{key}.{code}.limit", spec["limit"], OVERRIDE_LIMIT, getattr(PlanConfig, cap), notes)
            except ValueError as exc:
                problems.append(exc.args[0])
                continue
            out[str(code)] = Override(int(limit), str(spec["reason"]))
        if problems:
            raise ConfigError(problems)
        return MappingProxyType(out)
    if key == "grid_counts":
        if not isinstance(value, Mapping):
            raise TypeError("expected a table of district_code = number of grids (a whole number, at least 1)")
        out, problems = {}, []
        for code, n in value.items():
            try:
                out[str(code)] = int(bounded(f"grid_counts.{code}", n, GRID_COUNT, "auto", notes))
            except ValueError as exc:
                problems.append(exc.args[0])
        if problems:
            raise ConfigError(problems)
        return MappingProxyType(out)
    if key == "layer_crs":
        if not isinstance(value, Mapping):
            raise TypeError("expected a table of layer = \"crs\"")
        return MappingProxyType({str(k): str(v) for k, v in value.items()})
    if key == "remote_suburbs":
        if not isinstance(value, (list, tuple)):
            raise TypeError("expected a list of district codes")
        return tuple(str(v) for v in value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise TypeError("expected a text")
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise TypeError("expected true or false")
        return value
    raise TypeError(f"unsupported setting {key!r}")
