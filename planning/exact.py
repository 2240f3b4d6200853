"""Exact grids for one district: a CP-SAT model with rooted-tree contiguity, balance first.

Why a model of our own: no maintained library solves *anchored* districting (each grid must
hold its lead hospital's unit) with contiguity and a balance target; PySAL/spopt and GerryChain
draw unanchored regions. The solver is OR-Tools CP-SAT (Apache-2.0); this module only states the
model and reads the solver's bound back.

The model, for units i, grids k (each with the root unit r_k of its lead) and neighbour arcs:

- ``x[i, k]``: unit i is in grid k; every unit in exactly one grid; a locked unit stays.
- **contiguity** (rooted spanning forest): every unit picks exactly one parent, either a
  neighbour in the same grid or the virtual root of its grid, which only the lead's own unit
  may pick (in a county, where two leads may stand in one township, the units around it too);
  a parent's level is below its child's, so parents lead back to a root without cycles. A grid
  is then connected through its lead's unit, and every connected grid has such a forest, so
  the model loses no contiguous plan.
- **balance**: ``L <= P_k <= U`` for grid populations ``P_k``; the target is ``U <= T * L``.
- **band**: ``lo <= P_k <= hi`` when the warm start shows the band can be met.
- **access**: the population-weighted distance to the lead, in the objective.

Balance comes first, then access: when the target cannot be met, the best max/min is found by
parametric steps that improve the plan and feasibility questions that prove it (see
``_best_balance``), then access is minimised at the ratio reached. The
heuristic's plan is the warm start (a hint) of every stage, so the result is never worse than
it. Each stage reports the solver's bound: proved optimal, or within x % of the best possible.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

RATIO_SCALE = 10_000  # ratios as integers: 1.2345 -> 12345
COST_SCALE = 1_000_000  # the largest access coefficient after scaling (keeps the objective exact enough)


@dataclass(frozen=True)
class ExactResult:
    """One district solved exactly (or as far as the time allowed)."""

    labels: np.ndarray  # grid index per unit
    balance: float  # max/min population of the grids
    balance_bound: float  # proved: no plan with these leads has a smaller max/min (nan: not known)
    access: float  # population-weighted distance, metres x residents
    access_bound: float  # proved lower bound on ``access`` among plans as balanced as this one
    proved: bool  # both stages proved optimal
    seconds: float


@dataclass(frozen=True)
class District:
    """A district's data for the model, in local indices."""

    pop: np.ndarray  # residents per unit
    dist: np.ndarray  # units x grids, metres from each unit to each grid's lead
    arcs: np.ndarray  # (m, 2) directed neighbour pairs (both directions)
    roots: np.ndarray  # per grid: the local unit its lead stands in
    locked: np.ndarray  # per unit: the grid it is locked into, or -1
    rooted: np.ndarray | None = None  # per grid: its lead's unit is in it (False: a county alliance whose
    # lead stands in a township of another alliance; the alliance then reaches it through a neighbour)
    choose: int | None = None  # the grids are candidates: this many of them lead (None: every one)


def ratio(sizes: np.ndarray) -> float:
    return float(sizes.max() / max(sizes.min(), 1.0))


def _ratio_of(labels: np.ndarray, pop: np.ndarray) -> float:
    """max/min over the grids the labels use (with a choice of leads, the others are empty)."""
    return ratio(np.bincount(labels, weights=pop)[np.unique(labels)])


def access_of(d: District, labels: np.ndarray) -> float:
    return float((d.pop * d.dist[np.arange(len(labels)), labels]).sum())


_SOLVED: OrderedDict[bytes, list[tuple[np.ndarray, np.ndarray, ExactResult]]] = OrderedDict()
REMEMBERED = 256  # solved districts kept per process: proposing the same district again costs nothing


def solve(d: District, start: np.ndarray, *, target: float, band: tuple[float, float] | None,
          seconds: float) -> ExactResult:
    """The best plan for ``d``: max/min within ``target`` (or as near as possible), then the
    least access; ``start`` (a feasible contiguous labelling) is the warm start. ``band`` is
    kept as a hard constraint (pass it only when ``start`` meets it).

    A district solved before with the same data and settings returns the same result (a time
    limit makes the solver's path depend on the machine's load; the remembered result keeps a
    page, a re-proposal and an export of one session in agreement). So does a district solved
    with fewer locks whose plan already keeps the new ones: locks only remove plans, so that plan
    is still the best known and its proved bounds still hold (a planner locking units the
    proposal placed, then re-proposing, waits for nothing)."""
    key = hashlib.sha256(b"|".join([
        np.ascontiguousarray(a).tobytes() for a in (d.pop, d.dist, d.arcs, d.roots,
                                                    d.rooted if d.rooted is not None else np.zeros(0))
    ] + [repr((target, band, seconds, d.choose)).encode()])).digest()
    entries = _SOLVED.setdefault(key, [])
    _SOLVED.move_to_end(key)
    for locked, begun, result in entries:
        if np.array_equal(locked, d.locked) and np.array_equal(begun, start):
            return result
    for locked, _, result in entries:
        if _keeps(d.locked, locked, result.labels) and not _beats(d, start, result, target):
            return result
    result = _solve(d, start, target=target, band=band, seconds=seconds)
    entries.append((d.locked.copy(), start.copy(), result))
    del entries[:-8]  # a few lock sets per district
    while len(_SOLVED) > REMEMBERED:
        _SOLVED.popitem(last=False)
    return result


def _keeps(locks: np.ndarray, solved_locks: np.ndarray, labels: np.ndarray) -> bool:
    """The solved problem allowed every plan these locks allow (its locks are among them), and
    its plan keeps these locks."""
    held = solved_locks >= 0
    kept = locks >= 0
    return bool(np.all(locks[held] == solved_locks[held]) and np.all(labels[kept] == locks[kept]))


def _beats(d: District, start: np.ndarray, result: ExactResult, target: float) -> bool:
    """The warm start is better than a remembered plan (balance down to the target first, then
    access)."""
    mine, theirs = max(target, _ratio_of(start, np.round(d.pop))), max(target, result.balance)
    if abs(mine - theirs) > 1e-9:
        return mine < theirs
    return access_of(d, start) < result.access - 1e-6


def _solve(d: District, start: np.ndarray, *, target: float, band: tuple[float, float] | None,
           seconds: float) -> ExactResult:
    began = time.perf_counter()
    budget = _Budget(seconds * 0.9)  # building the models takes its share of the limit
    grids = d.choose or d.dist.shape[1]
    pop = np.round(d.pop).astype(np.int64)
    best, bound, balance_proved = start.copy(), 1.0, True
    if grids > 1 and _ratio_of(best, pop) > target:
        best, bound, balance_proved = _best_balance(d, pop, best, band, target, budget.share(0.8))
    limit = max(target, _ratio_of(best, pop))
    labels, access_bound, access_proved = _least_access(d, pop, best, band, limit, budget.share(1.0))
    final = np.bincount(labels, weights=pop)[np.unique(labels)]
    # a bound of 1 says nothing: the best balance is then unknown (nan; when the target is met
    # the best possible does not matter)
    known = bound > 1.0 or grids == 1
    return ExactResult(labels=labels, balance=ratio(final),
                       balance_bound=(min(bound, ratio(final)) if grids > 1 else 1.0) if known else math.nan,
                       access=access_of(d, labels), access_bound=access_bound,
                       proved=balance_proved and access_proved, seconds=time.perf_counter() - began)


class _Model:
    """The assignment, contiguity and population part shared by every stage."""

    def __init__(self, d: District, pop: np.ndarray, band: tuple[float, float] | None) -> None:
        n, k = d.dist.shape
        m = cp_model.CpModel()
        self.m, self.n, self.k = m, n, k
        self.x = [[m.new_bool_var(f"x{i}_{g}") for g in range(k)] for i in range(n)]
        # with a choice of leads: which candidates lead (a grid of one that does not is empty)
        self.active = [m.new_bool_var(f"a{g}") for g in range(k)] if d.choose else [1] * k
        if d.choose:
            m.add(sum(self.active) == d.choose)
            for i in range(n):
                for g in range(k):
                    m.add_implication(self.x[i][g], self.active[g])
        self.grid = [m.new_int_var(0, k - 1, f"g{i}") for i in range(n)]
        for i in range(n):
            m.add_exactly_one(self.x[i])
            m.add(self.grid[i] == sum(g * self.x[i][g] for g in range(k)))
            if d.locked[i] >= 0:
                m.add(self.x[i][int(d.locked[i])] == 1)
        # contiguity: one parent per unit, a neighbour of the same grid or its grid's root
        self.level = [m.new_int_var(0, n, f"l{i}") for i in range(n)]
        parents: list[list] = [[] for _ in range(n)]
        self.arc = {}
        for a, b in d.arcs:  # b's parent is a
            p = m.new_bool_var(f"p{a}_{b}")
            self.arc[(int(a), int(b))] = p
            parents[b].append(p)
            m.add(self.grid[b] == self.grid[a]).only_enforce_if(p)
            m.add(self.level[b] >= self.level[a] + 1).only_enforce_if(p)
        self.root = {}
        for g, r in enumerate(d.roots):
            near = {int(r)}
            if _rooted(d, g):
                m.add(self.x[int(r)][g] == self.active[g])
            else:
                near |= {int(b) for a, b in d.arcs if a == r}
            for u in near:
                p = m.new_bool_var(f"r{g}_{u}")
                self.root[(g, u)] = p
                parents[u].append(p)
                m.add_implication(p, self.x[u][g])
        for i in range(n):
            m.add_exactly_one(parents[i])
        # implied, for the LP and propagation: a unit in a grid that is not its root has a
        # neighbour in that grid (or, in a county, is next to its lead's township)
        around: list[list[int]] = [[] for _ in range(n)]
        for a, b in d.arcs:
            around[int(b)].append(int(a))
        for i in range(n):
            for g in range(k):
                if (g, i) not in self.root:
                    m.add(self.x[i][g] <= sum(self.x[j][g] for j in around[i]))
        total = int(pop.sum())
        self.size = [m.new_int_var(0, total, f"s{g}") for g in range(k)]
        for g in range(k):
            m.add(self.size[g] == sum(int(pop[i]) * self.x[i][g] for i in range(n)))
        self.low = m.new_int_var(0, total, "low")
        self.high = m.new_int_var(0, total, "high")
        for g in range(k):  # linear, so the LP relaxation sees them (min/max equalities it does not)
            low = m.add(self.low <= self.size[g])
            if d.choose:
                low.only_enforce_if(self.active[g])
            m.add(self.size[g] <= self.high)
        if band is not None:
            for g in range(k):
                if band[0] > 0:
                    low = m.add(self.size[g] >= int(math.floor(band[0])))
                    if d.choose:
                        low.only_enforce_if(self.active[g])
                if band[1] < total:
                    m.add(self.size[g] <= int(math.ceil(band[1])))
        self.d = d

    def within(self, limit: float) -> None:
        """max/min at most ``limit`` (a little slack for the integer scaling)."""
        self.m.add(RATIO_SCALE * self.high <= math.ceil(limit * RATIO_SCALE + 1e-6) * self.low)

    def hint(self, labels: np.ndarray) -> None:
        """The warm start: assignment, and a breadth-first tree of each grid from its root."""
        m = self.m
        if self.d.choose:
            for g in range(self.k):
                m.add_hint(self.active[g], int((labels == g).any()))
        for i in range(self.n):
            m.add_hint(self.grid[i], int(labels[i]))
            for g in range(self.k):
                m.add_hint(self.x[i][g], int(labels[i] == g))
        parent, level = _forest(self.d, labels)
        for (a, b), p in self.arc.items():
            m.add_hint(p, int(parent[b] == a))
        for (g, u), p in self.root.items():
            m.add_hint(p, int(parent[u] == -1 - g))
        for i in range(self.n):
            m.add_hint(self.level[i], int(level[i]))

    def labels(self, solver: cp_model.CpSolver) -> np.ndarray:
        return np.array([solver.value(self.grid[i]) for i in range(self.n)])


class _Budget:
    """The time limit in CP-SAT's deterministic time (about seconds of work on a typical core,
    but the same on a busy or an idle machine), so a district gives the same grids on every run:
    the wall clock would end the search at a different point under load. The wall clock is
    only a backstop, at four times the limit."""

    def __init__(self, seconds: float, parent: _Budget | None = None) -> None:
        self.left = seconds
        self.parent = parent

    def share(self, part: float) -> _Budget:
        """A budget of ``part`` of what is left, charged to this one as it is spent."""
        return _Budget(self.left * part, self)

    def solver(self, part: float = 1.0) -> cp_model.CpSolver:
        s = cp_model.CpSolver()
        amount = max(0.05, self.left * part)
        s.parameters.max_deterministic_time = amount
        # a wall-clock cap only against a runaway: the deterministic limit decides where a solve stops,
        # so the same data gives the same plan on a busy machine too (10x: a machine ten times slower)
        s.parameters.max_time_in_seconds = 10 * amount + 5
        s.parameters.num_workers = 1  # one worker: deterministic (several race each other)
        s.parameters.random_seed = 1
        return s

    def spend(self, solver: cp_model.CpSolver) -> None:
        used = solver.response_proto.deterministic_time
        budget: _Budget | None = self
        while budget is not None:
            budget.left -= used
            budget = budget.parent

    @property
    def spent(self) -> bool:
        return self.left <= 0.05


def _best_balance(d: District, pop: np.ndarray, start: np.ndarray, band, target: float,
                  budget: _Budget) -> tuple[np.ndarray, float, bool]:
    """The most balanced plan (down to ``target``), and a proved lower bound on max/min.

    Two kinds of step, each in its share of the time left:

    - **improve**, while it finds better plans: minimise ``U - t * L`` from the best plan so far
      for ``t`` just below the best ratio (Dinkelbach's parametric form: a plan below 0 is better;
      ``t`` far below it would reward plans that only grow), stopping at a plan within the target. The hint is a feasible start
      and the objective pulls the search towards balance, so this is the step that finds plans.
    - **prove**, once improving stalls or reaches its optimum: the feasibility question "is there a plan within ``t``?"
      (the ratio as a linear constraint, no objective) for ``t`` 0.1 % below the best ratio. Near
      the optimum CP-SAT answers this far faster than it proves a parametric optimum (浦东新区,
      42 units, 11 grids: 0.7 against 6.3 deterministic seconds); a plan it finds goes back to
      improving. A question not answered in time is followed by an easier one, halfway (on a
      log scale) to the proved bound, so the bound still rises.

    Returns the plan, the proved lower bound, and whether the plan is proved the most balanced
    (within 0.1 %) or meets the target."""
    k = d.dist.shape[1]
    best, high = start, _ratio_of(start, pop)
    # no plan beats its largest unit against the mean (the smallest grid is at most the mean)
    proved = max(1.0, float(pop.max()) / (pop.sum() / (d.choose or k)))
    hard = math.inf  # the lowest ratio a prove step went unanswered at
    trial, improving = max(target, high / 1.001), True
    while not budget.spent and high > max(target, proved) * 1.001:
        model = _Model(d, pop, band)
        if improving:
            model.m.minimize(RATIO_SCALE * model.high - math.ceil(trial * RATIO_SCALE) * model.low)
        else:
            model.within(trial)
        model.hint(best)
        solver = budget.solver(0.5)
        status = solver.solve(model.m, _StopWithin(model, target))
        budget.spend(solver)
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        better = found and _ratio_of(model.labels(solver), pop) < high
        if better:
            best = model.labels(solver)
            high = _ratio_of(best, pop)
            if high <= target:
                return best, proved, True
        if status == cp_model.INFEASIBLE or (improving and found and solver.best_objective_bound > 0):
            proved = max(proved, trial)  # no plan is within the trial ratio
        elif not found:
            hard = min(hard, trial)
        # a step that found its parametric optimum goes on to the proof: the next parametric step
        # would spend its time proving much the same thing, and slower
        improving = better and status == cp_model.FEASIBLE
        floor = max(target, proved)
        trial = high / 1.001 if improving or hard > high / 1.001 else math.sqrt(floor * hard)
        if trial <= floor * 1.0005:  # nothing left worth asking
            break
    return best, min(proved, high), high <= proved * 1.001


class _StopWithin(cp_model.CpSolverSolutionCallback):
    """Ends a step at the first plan within the target: the target is met, and more balance
    would cost access. With one worker, where it stops is deterministic."""

    def __init__(self, model: _Model, target: float) -> None:
        super().__init__()
        self.model, self.target = model, target

    def on_solution_callback(self) -> None:
        if self.value(self.model.high) <= self.target * self.value(self.model.low):
            self.stop_search()


def _least_access(d: District, pop: np.ndarray, start: np.ndarray, band, limit: float,
                  budget: _Budget) -> tuple[np.ndarray, float, bool]:
    """The least access among plans with max/min at most ``limit``; the warm start meets it."""
    n, k = d.dist.shape
    weight = pop[:, None] * d.dist
    scale = max(weight.max() / COST_SCALE, 1e-9)
    cost = np.round(weight / scale).astype(np.int64)
    model = _Model(d, pop, band)
    if (d.choose or k) > 1 and math.isfinite(limit):
        model.within(limit)
    model.m.minimize(sum(int(cost[i, g]) * model.x[i][g] for i in range(n) for g in range(k) if cost[i, g]))
    model.hint(start)
    solver = budget.solver()
    status = solver.solve(model.m)
    budget.spend(solver)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return start, 0.0, False
    labels = model.labels(solver)
    if access_of(d, labels) > access_of(d, start):
        labels = start
    # the bound is on the rounded objective: take off the rounding each unit may carry
    bound = max(0.0, solver.best_objective_bound * scale - 0.5 * scale * n)
    return labels, bound, status == cp_model.OPTIMAL


def _rooted(d: District, g: int) -> bool:
    return d.rooted is None or bool(d.rooted[g])


def _forest(d: District, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parent (a unit, or ``-1 - g`` for grid g's root) and level of each unit: a breadth-first
    tree of every grid from its lead's unit (the hint the model starts from)."""
    n = len(labels)
    parent = np.full(n, -10**9)
    level = np.zeros(n, dtype=int)
    nbrs: list[list[int]] = [[] for _ in range(n)]
    for a, b in d.arcs:
        nbrs[int(a)].append(int(b))
    queue: deque[int] = deque()
    for g, r in enumerate(d.roots):
        starts = [int(r)] if labels[r] == g else [] if _rooted(d, g) else [u for u in nbrs[int(r)] if labels[u] == g]
        for u in starts:
            if parent[u] == -10**9:
                parent[u], level[u] = -1 - g, 0
                queue.append(u)
    while queue:
        a = queue.popleft()
        for b in nbrs[a]:
            if parent[b] == -10**9 and labels[b] == labels[a]:
                parent[b], level[b] = a, level[a] + 1
                queue.append(b)
    return parent, level
