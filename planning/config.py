"""The planner's settings: rule caps and overrides, thresholds, the grid population band.

Defaults are those of ``shared/policy/RULES.md`` (rule ids in the comments). A data package's
``config.toml`` overrides any of them; ``PlanConfig.from_mapping`` checks every value and
reports all problems at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType

from planning.errors import ConfigError


GRID_LEADS = ("choose", "given")


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

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> PlanConfig:
        """Build from a parsed config (TOML tables ``rules``, ``grids``, ``coverage``, ``crs`` ...).

        Accepts the settings either flat or grouped in tables; raises ``ConfigError`` listing
        every unknown key and bad value.
        """
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
        for key, value in flat.items():
            if key not in known:
                problems.append(f"unknown setting {key!r}")
                continue
            try:
                values[key] = _coerce(key, value, getattr(defaults, key))
            except (TypeError, ValueError) as exc:
                problems.append(f"{key}: {exc}")
        if problems:
            raise ConfigError(problems)
        config = replace(defaults, **values)
        config.check()
        return config

    def check(self) -> None:
        problems = []
        for name in ("district_cap", "hospital_cap", "county_alliances_max", "max_clinics_per_thc"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1")
        if not 0 < self.grid_population_min <= self.grid_population_max:
            problems.append("grid_population_min must be positive and not above grid_population_max")
        for name in ("village_integration_target", "village_standard_target"):
            if not 0 <= getattr(self, name) <= 1:
                problems.append(f"{name} must be a share between 0 and 1")
        if self.grid_balance_target != 0 and self.grid_balance_target < 1:
            problems.append("grid_balance_target must be at least 1 (a max/min ratio), or 0 for access only")
        if self.county_alliances_max > 3 and not self.county_alliances_reason.strip():
            problems.append("county_alliances_max above 3 needs county_alliances_reason: a county forms 1-3 county "
                            "alliances (NHC-2019 county plan 三(一)1); record why this one may form more")
        if self.grid_leads not in GRID_LEADS:
            problems.append(f"grid_leads must be one of {', '.join(GRID_LEADS)}")
        if self.grid_exact_units < 0:
            problems.append("grid_exact_units must be 0 (heuristic only) or more")
        if not 0 < self.grid_exact_seconds <= 600:
            problems.append("grid_exact_seconds must be between 0 and 600 seconds")
        if self.detour_factor < 1:
            problems.append("detour_factor must be at least 1")
        if self.hex_size_km <= 0:
            problems.append("hex_size_km must be positive")
        if not self.overlap_min_m2 > 0:
            problems.append("overlap_min_m2 must be positive (square metres)")
        if not self.unit_part_gap_km > 0:
            problems.append("unit_part_gap_km must be positive")
        if problems:
            raise ConfigError(problems)


def _coerce(key: str, value: object, default: object) -> object:
    if key.endswith("_overrides"):
        if not isinstance(value, Mapping):
            raise TypeError("expected a table of code = {limit = N, reason = \"...\"}")
        out = {}
        for code, spec in value.items():
            if not isinstance(spec, Mapping) or "limit" not in spec or not str(spec.get("reason", "")).strip():
                raise ValueError(f"override for {code!r} needs a limit and a reason")
            out[str(code)] = Override(int(spec["limit"]), str(spec["reason"]))
        return MappingProxyType(out)
    if key == "grid_counts":
        if not isinstance(value, Mapping) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                                                     for v in value.values()):
            raise TypeError("expected a table of district_code = number of grids (a whole number, at least 1)")
        return MappingProxyType({str(k): int(v) for k, v in value.items()})
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
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("expected a whole number")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError("expected a number")
        return float(value)
    raise TypeError(f"unsupported setting {key!r}")
