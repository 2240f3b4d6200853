"""What the review's views share: the stored version checked against the data, its export
(cached), the whole city's coverage, and which rules each grid breaks."""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass, field, replace

import geopandas as gpd
import pandas as pd
import streamlit as st

from geodata.filing import Export, build
from geodata.plans import LOG_ONLY, PlanNotFoundError, PlanStorageError
from planning.plan import Plan, PlanProblem
from planning.session import PlanningSession
from planning.verdict import Verdict
from ui import planbar
from ui.i18n import local_time, sendable, t, tp

LOG = logging.getLogger(__name__)
STORAGE = (PlanStorageError, sqlite3.Error, OSError)


@dataclass(frozen=True)
class GridFilter:
    """The review's filters beyond districts and rings: grids with open violations only, a range of
    served share and of village clinics integrated (0-1; a grid without village clinics drops out
    once that range is narrowed), and rule ids (a grid breaking any of them)."""

    violations_only: bool = False
    served: tuple[float, float] = (0.0, 1.0)
    villages: tuple[float, float] = (0.0, 1.0)
    rules: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self != GridFilter()


@dataclass
class Review:
    """One review page's choices and what they show: the plan version, the districts in view
    (district and ring filters), the grids the other filters leave (``kept``; None: every grid of
    those districts), its export, the package's village clinics and coverage per unit (``units``),
    the version log (``entries``), the grid filters (``filters``) and whether it is shown on a
    projector (``present``)."""

    lang: str
    L: dict
    pkg: object
    store: object
    session: PlanningSession
    plans: list[dict]
    plan_id: str
    version: int
    export: Export
    shown: list[str]
    names: dict[str, str]
    rings: dict[str, str]
    villages: pd.DataFrame
    units: pd.DataFrame
    kept: list[str] | None = None
    entries: dict[int, dict] = field(default_factory=dict)
    filters: GridFilter = GridFilter()
    present: bool = False
    key: tuple = ()

    @property
    def ids(self) -> list[str]:
        return [p["plan_id"] for p in self.plans]

    @property
    def by_id(self) -> dict[str, dict]:
        return {p["plan_id"]: p for p in self.plans}

    @property
    def plan_name(self) -> str:
        return self.by_id[self.plan_id]["name"]

    @property
    def filters_active(self) -> bool:
        """Whether any filter narrows the page (districts, rings, or the grid filters)."""
        return self.filters.active or len(self.shown) < self.export.filing.grids["district_code"].nunique()

    @property
    def grids(self) -> gpd.GeoDataFrame:
        """The grids in view: of the districts shown, and through the filters."""
        grids = self.export.filing.grids
        grids = grids[grids["district_code"].isin(self.shown)]
        return grids if self.kept is None else grids[grids["grid_id"].astype(str).isin(set(self.kept))]


class Unusable(Exception):
    """A stored version that cannot be shown: its problems (``planning.plan.plan_problems``)."""

    def __init__(self, problems: list[PlanProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def stored(store, session: PlanningSession, plan_id: str, version: int | None = None) -> Plan:
    """A stored version, checked in full against the data (``Unusable`` with its problems)."""
    plan, problems = planbar.checked(session, store.load(plan_id, version)[1])
    if plan is None:
        raise Unusable(problems)
    return plan


def first_usable(store, session: PlanningSession, ids: list[str]) -> str:
    """The newest plan whose latest version can be shown (the newest when none of the first ten
    can): one bad import must not greet every official with an error."""
    for plan_id in ids[:10]:
        try:
            stored(store, session, plan_id)
            return plan_id
        except (Unusable, *STORAGE, PlanNotFoundError):
            continue
    return ids[0]


@st.cache_resource(show_spinner=False, max_entries=6)
def exported(key: tuple, plan_id: str, version: int, since: int | None, _session: PlanningSession, _store) -> Export:
    """The export of one stored version (``since``: the version its changes are counted from);
    ``Unusable`` when the version (or ``since``) cannot be shown."""
    plan = stored(_store, _session, plan_id, version)
    info = next(p for p in _store.plans() if p["plan_id"] == plan_id)
    log = [e for e in _store.history(plan_id) if e["version"] == version]
    previous = stored(_store, _session, plan_id, since) if since else None
    meta = {"plan_id": plan_id, "plan_name": info["name"], "version": version,
            "created": log[-1]["at"] if log else info["updated"], "author": log[-1]["author"] if log else ""}
    return build(_session, plan, meta, previous=previous)


@st.cache_resource(show_spinner=False, max_entries=4)
def coverage(key: tuple, _session: PlanningSession) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The package's coverage the meeting's figures are summed from: residents and those served per
    unit, and the village clinics (integrated or not)."""
    result = _session.coverage(sites=0)
    return result.table[["unit_code", "district_code", "population", "served"]], result.villages


def open_issues(export: Export) -> dict[str, set[str]]:
    """The rules each grid breaks: a violation belongs to a grid when its place names the grid, one
    of its units, or a facility in it (a member, or its lead)."""
    plan, members = export.plan, export.filing.members
    facility_grid = {**dict(zip(members["facility_code"], members["grid_id"])),
                     **{g.lead_facility_code: g.grid_id for g in plan.grids}}
    out: dict[str, set[str]] = {g.grid_id: set() for g in plan.grids}
    for v in export.filing.verdict.violations:
        grids = {*v.place.grids, *(plan.assignment.get(u) for u in v.place.units),
                 *(facility_grid.get(f) for f in v.place.facilities)}
        for grid in grids & set(out):
            out[grid].add(v.rule)
    return out



def unusable(name: str, version: int, exc: BaseException, lang: str) -> None:
    """Say which plan cannot be shown and why, and stop the page (the plan picker stays, so
    another plan can be chosen)."""
    if isinstance(exc, Unusable):
        st.error(tp("plan_unusable", lang, name=name, version=version, n=len(exc.problems)) + "\n\n"
                 + planbar.problem_list(exc.problems, lang))
    elif isinstance(exc, STORAGE):
        st.error(t("plans_unreadable", lang, why=planbar.storage_message(exc, lang)))
    else:
        LOG.exception("plan %s v%s cannot be shown", name, version)
        st.error(tp("plan_failed", lang, name=name, version=version, why=f"{type(exc).__name__}: {exc}"))
    st.stop()


# --- names first --------------------------------------------------------------------------------

def named(name: object, code: object, lang: str) -> str:
    """A name with its code after it: 青浦镇01（310118001）; the code alone when there is no name."""
    name, code = str(name or "").strip(), str(code or "").strip()
    if not name or name == code:
        return code
    return f"{name}（{code}）" if lang == "zh" else f"{name} ({code})"


_GRID_ID = re.compile(r"^.+-G(?P<n>\d+)$")


def grid_title(grid_id: object, district_name: object, lang: str) -> str:
    """A grid's name, which it has none of its own: its district and number, 青浦区 第2网格 for
    310118-G02 (the form the rules' messages use); an id of another form: 青浦区 网格 QP-north."""
    found = _GRID_ID.match(str(grid_id))
    if found:
        return t("rv_grid_name", lang, district=district_name, n=int(found["n"]))
    return t("rv_grid_other", lang, district=district_name, id=grid_id)


def grid_names(grids: pd.DataFrame, lang: str) -> dict[str, str]:
    """Each grid's name with its id after it: 青浦区 第2网格（310118-G02）."""
    return {str(g): named(grid_title(g, d, lang), g, lang) for g, d in zip(grids["grid_id"], grids["district_name"])}


# --- what each grid shows, and the filters ------------------------------------------------------

def grid_figures(export: Export, units: pd.DataFrame, villages: pd.DataFrame) -> pd.DataFrame:
    """One row per grid: district, served share of its residents (``units``: the coverage table,
    per unit: unit_code, population, served), the share of its village clinics integrated (NaN
    with none) and the rules it breaks (``open_issues``)."""
    plan, grids = export.plan, export.filing.grids
    per_unit = units.assign(grid_id=[plan.assignment.get(str(u)) for u in units["unit_code"]]).dropna(subset=["grid_id"])
    sums = per_unit.groupby("grid_id")[["population", "served"]].sum()
    served = (sums["served"] / sums["population"].where(sums["population"] > 0)).to_dict()
    member_grid = dict(zip(export.filing.members["facility_code"], export.filing.members["grid_id"]))
    village_grid = [member_grid.get(f) or member_grid.get(h) for f, h in zip(villages["facility_code"], villages["thc_code"])]
    integrated = villages.assign(grid_id=village_grid).dropna(subset=["grid_id"]).groupby("grid_id")["integrated"].mean()
    issues = open_issues(export)
    ids = [str(g) for g in grids["grid_id"]]
    return pd.DataFrame({"grid_id": ids, "district_code": grids["district_code"].astype(str).to_numpy(),
                         "served_share": [served.get(g, float("nan")) for g in ids],
                         "village_share": [float(integrated[g]) if g in integrated.index else float("nan") for g in ids],
                         "rules": [frozenset(issues.get(g, ())) for g in ids]})


def _within(values: pd.Series, span: tuple[float, float], *, keep_missing: bool) -> pd.Series:
    lo, hi = span
    if (lo, hi) == (0.0, 1.0):
        return pd.Series(True, index=values.index)
    inside = values.between(lo - 1e-9, hi + 1e-9)
    return inside | values.isna() if keep_missing else inside


def select_grids(figures: pd.DataFrame, districts: list[str], chosen: GridFilter) -> list[str]:
    """The grids in view: in one of ``districts`` and through every filter, in the table's order."""
    keep = figures["district_code"].isin(districts)
    keep &= _within(figures["served_share"], chosen.served, keep_missing=False)
    keep &= _within(figures["village_share"], chosen.villages, keep_missing=False)
    if chosen.violations_only:
        keep &= figures["rules"].map(bool)
    if chosen.rules:
        wanted = set(chosen.rules)
        keep &= figures["rules"].map(lambda rules: bool(rules & wanted))
    return figures.loc[keep, "grid_id"].tolist()


def verdict_in_view(verdict: Verdict, export: Export, grids: list[str], districts: list[str]) -> Verdict:
    """The verdict restricted to what is in view: a violation stays when it belongs to a grid shown
    (``open_issues``' reading of its place) or, belonging to no grid, names a district shown or no
    place at all (a plan-wide one)."""
    plan, members = export.plan, export.filing.members
    facility_grid = {**dict(zip(members["facility_code"], members["grid_id"])),
                     **{g.lead_facility_code: g.grid_id for g in plan.grids}}
    shown_grids, shown_districts = set(grids), set(districts)

    def seen(v) -> bool:
        owners = {*v.place.grids, *(plan.assignment.get(u) for u in v.place.units),
                  *(facility_grid.get(f) for f in v.place.facilities)} - {None}
        if owners:
            return bool(owners & shown_grids)
        return not v.place.districts or bool(set(v.place.districts) & shown_districts)

    return Verdict(tuple(replace(r, violations=tuple(v for v in r.violations if seen(v))) for r in verdict.rules))


def shares(units: pd.DataFrame, villages: pd.DataFrame, export: Export, grids: list[str]) -> tuple[float, float]:
    """Served share of the residents, and the share of village clinics integrated, in ``grids``
    (NaN when there are none)."""
    plan, wanted = export.plan, set(grids)
    in_view = units[[plan.assignment.get(str(u)) in wanted for u in units["unit_code"]]]
    people = in_view["population"].sum()
    served = float(in_view["served"].sum() / people) if people > 0 else float("nan")
    member_grid = dict(zip(export.filing.members["facility_code"], export.filing.members["grid_id"]))
    mine = [(member_grid.get(f) or member_grid.get(h)) in wanted for f, h in zip(villages["facility_code"], villages["thc_code"])]
    integrated = float(villages.loc[mine, "integrated"].mean()) if any(mine) else float("nan")
    return served, integrated


# --- versions: who saved what, when -------------------------------------------------------------

NOT_LAYOUT = frozenset({"note", "lock", "unlock"})  # versions that change notes or locks, not the grids


def version_entries(history: list[dict]) -> dict[int, dict]:
    """Per version, the log entry that made it (create, an edit, undo/redo, a note); rename,
    delete, restore and copy make no version and are left out."""
    out: dict[int, dict] = {}
    for entry in history:
        if entry["action"] not in LOG_ONLY:
            out[entry["version"]] = entry
    return out


def version_label(version: int, entry: dict | None, lang: str) -> str:
    """v3 · 2026-11-22 18:34 · 张三 · 划入网格: the version, its time in Beijing, author and action."""
    if entry is None:
        return f"v{version}"
    author = entry.get("author") or t("anonymous", lang)
    return " · ".join((f"v{version}", local_time(entry["at"]), sendable(author), t(f"action_{entry['action']}", lang)))


def layout_versions(entries: dict[int, dict], upto: int) -> list[int]:
    """The versions up to ``upto`` that changed the grids or pairings (not only notes or locks),
    newest first."""
    return [v for v in sorted(entries, reverse=True) if v <= upto and entries[v]["action"] not in NOT_LAYOUT]


def default_before(entries: dict[int, dict], version: int) -> int:
    """The version to compare ``version`` with when nothing is chosen: the one before the last
    change of the grids up to ``version``. A version that only added a note or a lock is never the
    default (it has the same grids as the one before it). Version 1 when there is nothing earlier."""
    changes = layout_versions(entries, version)
    return changes[1] if len(changes) > 1 else min(entries, default=1)
