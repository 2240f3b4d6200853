"""The plan (方案): an immutable value. Editing returns a new plan.

A plan holds the units' grids, the grids and their lead hospitals, the locks, the pairings, the
decision notes and its name. Versions, parents and authors belong to the plan store
(``geodata.plans``), which numbers every saved edit: a plan does not count its own edits, so the
two can never disagree.
Derived figures (population per grid, violations, metrics) are functions of a plan and a world
(``planning.rules``, ``planning.metrics``), never stored in it.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from texts import Text


def grid_id(district_code: str, number: int) -> str:
    """``<district_code>-G<nn>``: stable ids that filing systems and exports rely on."""
    return f"{district_code}-G{number:02d}"


@dataclass(frozen=True)
class Grid:
    """A service grid (网格): its district and the hospital that leads it (G3)."""

    grid_id: str
    district_code: str
    lead_facility_code: str


@dataclass(frozen=True)
class PlanPairing:
    """A city hospital paired with a district (P rules); ``fixed`` pairings stay when the rest is
    optimised again. Reasons and costs are derived (``planning.pairing.pairings_of``)."""

    hospital_code: str
    district_code: str
    role: str
    fixed: bool = False


@dataclass(frozen=True)
class Plan:
    """Units -> grid ids, the grids, the locked units, the hospital pairings, notes and a name."""

    assignment: Mapping[str, str]
    grids: tuple[Grid, ...]
    locked: frozenset[str] = frozenset()
    name: str = ""
    notes: tuple[str, ...] = ()
    pairings: tuple[PlanPairing, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.assignment, MappingProxyType):
            object.__setattr__(self, "assignment", MappingProxyType(dict(self.assignment)))

    @property
    def grid_by_id(self) -> dict[str, Grid]:
        return {g.grid_id: g for g in self.grids}

    def units_of(self, grid: str) -> list[str]:
        return [u for u, g in self.assignment.items() if g == grid]

    def reassign(self, changes: Mapping[str, str]) -> Plan:
        """A new plan with ``changes`` (unit -> grid id) applied."""
        assignment = dict(self.assignment)
        assignment.update(changes)
        return replace(self, assignment=assignment)

    def lock(self, units: Iterable[str]) -> Plan:
        return replace(self, locked=self.locked | frozenset(units))

    def unlock(self, units: Iterable[str]) -> Plan:
        return replace(self, locked=self.locked - frozenset(units))

    def with_lead(self, grid: str, facility_code: str) -> Plan:
        """The grid led by another hospital (the units stay; re-propose to follow the new lead)."""
        grids = tuple(replace(g, lead_facility_code=facility_code) if g.grid_id == grid else g for g in self.grids)
        return replace(self, grids=grids)

    def with_grid(self, district_code: str, lead_facility_code: str) -> tuple[Plan, str]:
        """A new, empty grid in the district led by the hospital; returns the plan and its id. Its
        number follows the district's highest, so an id never names two grids in one plan's life
        unless the highest grid itself was removed."""
        numbers = [int(g.grid_id.rsplit("G", 1)[-1]) for g in self.grids
                   if g.district_code == district_code and g.grid_id.rsplit("G", 1)[-1].isdecimal()]
        number = max(numbers, default=0) + 1
        while grid_id(district_code, number) in {g.grid_id for g in self.grids}:
            number += 1
        new = Grid(grid_id(district_code, number), district_code, lead_facility_code)
        return replace(self, grids=(*self.grids, new)), new.grid_id

    def without_empty_grids(self) -> Plan:
        """The plan minus grids that no unit belongs to (after the planner emptied one)."""
        used = set(self.assignment.values())
        kept = tuple(g for g in self.grids if g.grid_id in used)
        return self if len(kept) == len(self.grids) else replace(self, grids=kept)

    def with_note(self, note: str) -> Plan:
        """A decision note added (why the plan is as it is; the review page and filing show them)."""
        return replace(self, notes=(*self.notes, note))

    def with_pairings(self, pairings: Iterable[PlanPairing]) -> Plan:
        ordered = tuple(sorted(pairings, key=lambda p: (p.district_code, p.hospital_code)))
        return replace(self, pairings=ordered)


def plan_to_dict(plan: Plan) -> dict:
    """A plan as plain data (for storage and export)."""
    return {
        "name": plan.name,
        "assignment": dict(sorted(plan.assignment.items())),
        "grids": [{"grid_id": g.grid_id, "district_code": g.district_code, "lead_facility_code": g.lead_facility_code}
                  for g in plan.grids],
        "locked": sorted(plan.locked),
        "notes": list(plan.notes),
        "pairings": [{"hospital_code": p.hospital_code, "district_code": p.district_code, "role": p.role, "fixed": p.fixed}
                     for p in plan.pairings],
    }


def plan_from_dict(data: dict) -> Plan:
    return Plan(
        assignment=dict(data["assignment"]),
        grids=tuple(Grid(g["grid_id"], g["district_code"], g["lead_facility_code"]) for g in data["grids"]),
        locked=frozenset(data.get("locked", ())),
        name=str(data.get("name", "")),
        notes=tuple(data.get("notes", ())),
        pairings=tuple(PlanPairing(str(p["hospital_code"]), str(p["district_code"]), str(p["role"]), bool(p.get("fixed")))
                       for p in data.get("pairings", ())),
    )


# --- checking a plan that comes from outside (an imported layout, a stored payload) -------------
# Every problem at once, as the data loader reports a file's: each names the field, the value, the
# reason and the fix (catalogue codes ``plan_problem.<reason>`` and ``plan_problem.<reason>.fix``,
# ``texts.ui``). A plan with no problems is safe for every page and export.

ROLES = ("technical_support", "main_support", "tcm", "specialty")
NAME_MAX = 200  # a copy's name adds a suffix to a name of up to 60 characters
NOTE_MAX = 5000
ID_MAX = 64
SHOWN_MAX = 60  # characters of a value quoted in a message
LISTED_MAX = 8  # examples quoted for a list of codes
PROBLEMS_MAX = 40  # problems listed one by one; the rest are counted
_SAFE_ID = re.compile(r"[^\W_][\w.\-]*")  # letters and digits of any script, then also _ . -


@dataclass(frozen=True)
class PlanProblem:
    """One thing wrong with a plan from outside: ``where`` (the field, e.g. ``grids[2].grid_id``),
    ``value`` (as it can be shown: hidden characters written out, shortened) and ``reason``."""

    where: str
    value: str
    reason: str
    params: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    def text(self) -> Text:
        return Text("plan_problem.line", {"where": self.where, "value": self.value,
                                          "reason": Text(f"plan_problem.{self.reason}", dict(self.params)),
                                          "fix": Text(f"plan_problem.{self.reason}.fix", dict(self.params))})

    def message(self, lang: str) -> str:
        return self.text().render(lang)


def shown(value: object) -> str:
    """``value`` as a message can quote it: text with control characters, lone surrogates and
    other invisible characters written as ``\\uXXXX``, shortened; anything else by its type."""
    if isinstance(value, str):
        text = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in value[:SHOWN_MAX])
        return text + ("…" if len(value) > SHOWN_MAX else "")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10 ** 30:
        return f"{type(value).__name__} ({value.bit_length()} bits)"  # no 4,300-digit conversion
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value) if not isinstance(value, float) or math.isfinite(value) else str(value)
    return type(value).__name__ if isinstance(value, (list, dict)) else shown(str(value))


def text_problem(value: object, *, most: int, lines: bool = False) -> tuple[str, dict] | None:
    """Why ``value`` cannot be a name or note: (reason, params), or None when it can. Control
    characters (line breaks in notes are fine), lone surrogates and text too long are refused."""
    if not isinstance(value, str):
        return "not_text", {}
    allowed = "\n\r\t" if lines else ""
    bad = next((c for c in value if (unicodedata.category(c) in ("Cc", "Cs") or c in "\u2028\u2029") and c not in allowed),
               None)
    if bad is not None:
        return ("surrogate" if unicodedata.category(bad) == "Cs" else "control"), {"char": f"U+{ord(bad):04X}"}
    if len(value) > most:
        return "too_long", {"n": len(value), "most": most}
    return None


def clean_name(value: object, most: int = NAME_MAX) -> str:
    """A name from outside made safe (a file's name as a plan's): control characters and lone
    surrogates dropped, spaces trimmed, shortened."""
    text = "".join(c for c in str(value) if unicodedata.category(c) not in ("Cc", "Cs") and c not in "\u2028\u2029")
    return text.strip()[:most]


def id_problem(value: object) -> tuple[str, dict] | None:
    """Why ``value`` cannot be a grid id: ids are letters, the digits 0-9, ``-``, ``_`` and ``.``."""
    if not isinstance(value, str):
        return "not_text", {}
    if not value:
        return "empty", {}
    if len(value) > ID_MAX:
        return "too_long", {"n": len(value), "most": ID_MAX}
    if not _SAFE_ID.fullmatch(value) or not value.isprintable() or any(not c.isascii() and not c.isalpha() for c in value):
        return "bad_id", {}  # beyond ASCII only letters (a district's name): digits are 0-9, which exports read
    return None


def _examples(values: Iterable[str]) -> list[str]:
    values = sorted(values)
    return [shown(v) for v in values[:LISTED_MAX]] + (["…"] if len(values) > LISTED_MAX else [])


def plan_problems(payload: object, *, units: Iterable[str] | None = None, districts: Iterable[str] | None = None,
                  leads: Iterable[str] | None = None, hospitals: Iterable[str] | None = None,
                  complete: bool = True) -> list[PlanProblem]:
    """Everything wrong with ``payload`` (a plan as ``plan_to_dict`` writes it) before it may be
    stored or shown: its shape, the grid ids (safe characters, unique), district codes, lead
    hospitals, the units it places (exactly the data's), locks (units of the data, as text),
    pairings (known hospitals and districts, a role, no pair twice), name and notes (no control
    characters or lone surrogates, not too long). The known codes (``units``: the data's units,
    ``districts``, ``leads``: hospitals that may lead a grid, ``hospitals``: city hospitals)
    are checked when given. ``complete`` (an import): the plan must also place every unit of the
    data, have no empty grid and no pairing twice, and names and notes no control characters and
    no more than their length; a stored plan may leave a unit out (rule G1 judges it) and is
    refused only for what would break a page.
    Empty: ``plan_from_dict(payload)`` is safe everywhere."""
    out: list[PlanProblem] = []

    def add(where: str, value: object, reason: str, **params: object) -> None:
        out.append(PlanProblem(where, shown(value), reason, MappingProxyType(params)))

    def check(where: str, value: object, found: tuple[str, dict] | None) -> bool:
        if found:
            add(where, value, found[0], **found[1])
        return found is None

    if not isinstance(payload, Mapping):
        add("plan", payload, "not_a_plan")
        return out
    known_units = None if units is None else set(map(str, units))
    known_districts = None if districts is None else set(map(str, districts))
    known_leads = None if leads is None else set(map(str, leads))
    known_hospitals = None if hospitals is None else set(map(str, hospitals))

    def text(value: object, **kw) -> tuple[str, dict] | None:
        found = text_problem(value, **kw)  # a stored plan's long name or odd character harms no page
        return found if complete or (found and found[0] in ("not_text", "surrogate")) else None

    check("name", payload.get("name", ""), text(payload.get("name", ""), most=NAME_MAX))

    notes = payload.get("notes", [])
    if not isinstance(notes, list):
        add("notes", notes, "not_a_list")
    else:
        for i, note in enumerate(notes):
            check(f"notes[{i}]", note, text(note, most=NOTE_MAX, lines=True))

    grid_ids: set[str] = set()
    grids = payload.get("grids")
    if not isinstance(grids, list):
        add("grids", grids, "not_a_list")
        grids = []
    for i, grid in enumerate(grids):
        if not isinstance(grid, Mapping):
            add(f"grids[{i}]", grid, "not_an_object")
            continue
        gid = grid.get("grid_id")
        if check(f"grids[{i}].grid_id", gid, id_problem(gid)):
            if gid in grid_ids:
                add(f"grids[{i}].grid_id", gid, "duplicate")
            grid_ids.add(gid)
        district = grid.get("district_code")
        if check(f"grids[{i}].district_code", district, None if isinstance(district, str) else ("not_text", {})):
            if known_districts is not None and district not in known_districts:
                add(f"grids[{i}].district_code", district, "unknown_district")
        lead = grid.get("lead_facility_code")
        if check(f"grids[{i}].lead_facility_code", lead, None if isinstance(lead, str) else ("not_text", {})):
            if known_leads is not None and lead not in known_leads:
                add(f"grids[{i}].lead_facility_code", lead, "unknown_lead")
    if not grids:
        add("grids", len(grids), "no_grids")

    assignment = payload.get("assignment")
    if not isinstance(assignment, Mapping):
        add("assignment", assignment, "not_an_object")
        assignment = {}
    not_text = [u for u, g in assignment.items() if not isinstance(u, str) or not isinstance(g, str)]
    if not_text:
        add("assignment", not_text[0], "not_text")
    placed = {u: g for u, g in assignment.items() if isinstance(u, str) and isinstance(g, str)}
    nowhere = {u for u, g in placed.items() if g not in grid_ids}
    if nowhere:
        add("assignment", sorted(nowhere)[0], "unknown_grid", n=len(nowhere), examples=_examples(nowhere))
    if known_units is not None:
        unknown, missing = set(placed) - known_units, known_units - set(placed)
        if unknown:
            add("assignment", sorted(unknown)[0], "unknown_units", n=len(unknown), examples=_examples(unknown))
        if missing and complete:
            add("assignment", sorted(missing)[0], "missing_units", n=len(missing), examples=_examples(missing))
    empty = grid_ids - set(placed.values())
    if empty and grids and complete:
        add("grids", sorted(empty)[0], "empty_grid", n=len(empty), examples=_examples(empty))

    locked = payload.get("locked", [])
    if not isinstance(locked, list):
        add("locked", locked, "not_a_list")
        locked = []
    for i, unit in enumerate(locked):
        if not isinstance(unit, str):
            add(f"locked[{i}]", unit, "not_text")
        elif unit not in placed and (known_units is None or unit not in known_units):
            add(f"locked[{i}]", unit, "unknown_lock")

    pairings = payload.get("pairings", [])
    if not isinstance(pairings, list):
        add("pairings", pairings, "not_a_list")
        pairings = []
    pairs: set[tuple[str, str]] = set()
    for i, pairing in enumerate(pairings):
        if not isinstance(pairing, Mapping):
            add(f"pairings[{i}]", pairing, "not_an_object")
            continue
        hospital, district, role = pairing.get("hospital_code"), pairing.get("district_code"), pairing.get("role")
        if check(f"pairings[{i}].hospital_code", hospital, None if isinstance(hospital, str) else ("not_text", {})):
            if known_hospitals is not None and hospital not in known_hospitals:
                add(f"pairings[{i}].hospital_code", hospital, "unknown_hospital")
        if check(f"pairings[{i}].district_code", district, None if isinstance(district, str) else ("not_text", {})):
            if known_districts is not None and district not in known_districts:
                add(f"pairings[{i}].district_code", district, "unknown_district")
        if role not in ROLES:
            add(f"pairings[{i}].role", role, "unknown_role", roles=list(ROLES))
        if not isinstance(pairing.get("fixed", False), bool):
            add(f"pairings[{i}].fixed", pairing.get("fixed"), "not_a_flag")
        if isinstance(hospital, str) and isinstance(district, str):
            if (hospital, district) in pairs and complete:  # a stored plan's twice-made pairing: the rules judge it
                add(f"pairings[{i}]", f"{hospital} → {district}", "duplicate")
            pairs.add((hospital, district))
    if len(out) > PROBLEMS_MAX:
        rest = len(out) - PROBLEMS_MAX + 1
        out = [*out[:PROBLEMS_MAX - 1], PlanProblem("…", "", "more", MappingProxyType({"n": rest}))]
    return out


def layout_problems(collection: object) -> list[PlanProblem]:
    """What makes ``collection`` unreadable as an exported layout (``geodata.export``'s GeoJSON:
    one feature per grid with its units, the plan's name, locks, notes and pairings in
    ``metadata``); empty when ``geodata.export.plan_payload_from_layout`` can read it. What is
    read is then checked by ``plan_problems``."""
    out: list[PlanProblem] = []

    def add(where: str, value: object, reason: str, **params: object) -> None:
        out.append(PlanProblem(where, shown(value), reason, MappingProxyType(params)))

    if not isinstance(collection, Mapping):
        add("layout", collection, "not_a_layout")
        return out
    meta = collection.get("metadata")
    if meta is not None and not isinstance(meta, Mapping):
        add("metadata", meta, "not_an_object")
        meta = {}
    meta = meta or {}
    version = meta.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, (int, str)) or (
            isinstance(version, str) and not (version.isascii() and version.isdigit() and len(version) < 10)):
        add("metadata.version", version, "not_a_version")
    for key in ("locked_units", "notes", "pairings"):
        if not isinstance(meta.get(key, []), list):
            add(f"metadata.{key}", meta.get(key), "not_a_list")
    features = collection.get("features", [])
    if not isinstance(features, list):
        add("features", features, "not_a_list")
        return out
    seen: set[str] = set()
    twice: set[str] = set()
    for i, feature in enumerate(features):
        props = feature.get("properties") if isinstance(feature, Mapping) else None
        if not isinstance(props, Mapping):
            add(f"features[{i}].properties", props, "not_an_object")
            continue
        for key in ("grid_id", "district_code", "lead_facility_code"):
            if key not in props:
                add(f"features[{i}].properties.{key}", None, "missing")
        codes = props.get("unit_codes", [])
        if not isinstance(codes, list):
            add(f"features[{i}].properties.unit_codes", codes, "not_a_list")
        elif any(not isinstance(u, str) for u in codes):
            add(f"features[{i}].properties.unit_codes", next(u for u in codes if not isinstance(u, str)), "not_text")
        else:
            twice.update(u for u in codes if u in seen)
            seen.update(codes)
        if len(out) > PROBLEMS_MAX:
            break
    if twice:
        add("features", sorted(twice)[0], "unit_twice", n=len(twice), examples=_examples(twice))
    return out[:PROBLEMS_MAX]
