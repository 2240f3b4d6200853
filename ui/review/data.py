"""What the review's views share: the stored version checked against the data, its export
(cached), the whole city's coverage, and which rules each grid breaks."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st

from geodata.filing import Export, build
from geodata.plans import PlanNotFoundError, PlanStorageError
from planning.coverage import summary_by
from planning.plan import Plan, PlanProblem
from planning.session import PlanningSession
from ui import planbar
from ui.i18n import t, tp

LOG = logging.getLogger(__name__)
STORAGE = (PlanStorageError, sqlite3.Error, OSError)


@dataclass
class Review:
    """One review page's choices and what they show: the plan version, the districts in view
    (filters), its export and the city's coverage."""

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
    served: pd.Series
    villages: pd.DataFrame

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
    def grids(self) -> gpd.GeoDataFrame:
        """The grids of the districts in view."""
        grids = self.export.filing.grids
        return grids[grids["district_code"].isin(self.shown)]


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
def coverage(key: tuple, _session: PlanningSession):
    result = _session.coverage(sites=0)
    return summary_by(result.table.assign(city="all"), "city").iloc[0], result.villages


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
