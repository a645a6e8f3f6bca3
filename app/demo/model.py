"""The latent-variable model behind the demo data. Pure: numpy only, no Flask, no database.

Everything is drawn from one `numpy.random.Generator`, in a fixed order, so a seed gives the
same organisation and the same answers every time.

Notation: team t, person i (in team t(i), at level rank r_i = 0 for the bottom ... L-1 for
the top), wave w = 0..W-1, dimension d of family f(d), item j of dimension d(j).

Families play one of three roles, read from the instrument document: the first family whose
desirable direction is "high" is the *climate* family (mutuality, M); a family whose
desirable direction is "low" is *power-over* (P); any further "high" family is an *outcome*
family (O), driven by the climate.

Team climates (fixed for the organisation):

    (a_t^M, a_t^P) ~ N2(0, tau^2 [[1, rho_b], [rho_b, 1]])        tau = 0.55, rho_b = -0.6

Wave shifts: a small drift every wave, and at the last wave (W >= 2) an improvement for
most teams (share pi_up = .8: Delta_t ~ N(.45, .15^2); the others: N(-.1, .1^2)):

    c_tw^M = delta_tw^M + [w = W-1] Delta_t,   c_tw^P = delta_tw^P - [w = W-1] Delta_t,
    delta_tw ~ N(0, 0.1^2)

People: a stable deviation and a per-wave occasion noise,

    (u_i^M, u_i^P) ~ N2(0, sigma^2 [[1, rho_w], [rho_w, 1]])     sigma = 0.75, rho_w = -0.4
    e_iw^M, e_iw^P, e_iw^O ~ N(0, 0.3^2),  u_i^O ~ N(0, 0.5^2)

Family latents, with the level effect beta = 0.3 per rank (the top sees a kinder climate):

    eta_iw^M = a_t^M + c_tw^M + beta r_i + u_i^M + e_iw^M
    eta_iw^P = a_t^P + c_tw^P - beta r_i + u_i^P + e_iw^P
    eta_iw^O = gamma (eta_iw^M - eta_iw^P) / 2 + u_i^O + e_iw^O    gamma = 1

Dimensions and items (lambda_j ~ U(.85, 1.1) and b_j ~ N(0, .15^2) drawn once per item):

    theta_iwd = eta_iw^{f(d)} + nu_iwd,                  nu ~ N(0, 0.35^2)
    y*_iwj    = mu_{f(j)} + b_j + lambda_j theta_iwd(j) + eps_iwj,   eps ~ N(0, 0.85^2)

with family means mu^M = .35, mu^P = -.6, mu^O = .35. The keyed answer on a scale of K
points from m to M is the number of thresholds kappa (K - 1 of them, evenly spaced from
-2.0 to 1.3) that y* exceeds:

    k_iwj = m + #{k : y*_iwj > kappa_k}

and the stored raw answer mirrors reverse-keyed items once, x = m + M - k, so a person
answers them consistently with the rest of the dimension. Each person has a propensity
pi_i ~ Beta(0.8, 39.2) (mean .02) to "prefer not to answer" any given item (x = None).

Action plans: some teams (a third of those with at least 12 people, at most 40; `plan_focus`)
answer a wave's release with a plan on two mutuality or power-over dimensions; from the next
wave on, those dimensions of that team move by phi = .6 the better way (up for mutuality,
down for power-over), theta_iwd += +/-phi, so the plan's "did it work?" has a change to show
(a plan on the last wave has no later wave: it shows what the team committed to).
The choice comes from its own generator, so the rest of the data stay as the seed gives them.

Versions: a demo may answer two versions of the instrument (the earlier waves one, the later
waves the next). Nothing in the model is tied to one version's keys: family roles come from
each document, each wave draws the latents of its own document's dimensions, an item's
loading and offset are drawn once per item key (over every version, in wave order), reverse
keying is read from the document, and a plan moves its focus dimensions in a later wave only
where that wave's version has a dimension of the same key.

Leaders: people at rank LEADING_FROM_RANK and above lead their work group; the items asked
only of those the group's leader leads (`"audience": "led"`) are not asked of them, and
their answers hold no value for those items (NOT_ASKED in the matrix, absent from
`answer_dicts`).

Participation: in wave w each person in team t responds with probability
rho_tw ~ U(.65, .88); about 15% of respondents comment (one prompt, sometimes both), in a
warm or a critical tone following eta^M - eta^P. Small teams of 2-4 people (about 15% of
teams) stay below the usual k = 5.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from app.instruments.document import InstrumentDocument

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Role = Literal["climate", "power", "outcome"]

MISSING = 0  # "prefer not to answer" in the value matrix (never a point of the scale)
NOT_ASKED = -1  # an item not asked of this respondent (a leader, for an item about leaders)
LEADING_FROM_RANK = 1  # level ranks from this one up lead their work group
CLIMATE, POWER, OUTCOME = 0, 1, 2  # columns of the family latent matrix


@dataclass(frozen=True)
class ModelParameters:
    """The knobs of the model (see the module docstring for the equations)."""

    team_sd: float = 0.55
    team_rho: float = -0.6
    person_sd: float = 0.75
    person_rho: float = -0.4
    occasion_sd: float = 0.3
    level_step: float = 0.3
    outcome_weight: float = 1.0
    outcome_sd: float = 0.5
    dimension_sd: float = 0.35
    item_noise_sd: float = 0.85
    loading_low: float = 0.85
    loading_high: float = 1.1
    item_offset_sd: float = 0.15
    climate_mean: float = 0.35
    power_mean: float = -0.6
    outcome_mean: float = 0.35
    lowest_threshold: float = -2.0
    highest_threshold: float = 1.3
    wave_drift_sd: float = 0.1
    improving_share: float = 0.8
    improvement_mean: float = 0.45
    improvement_sd: float = 0.15
    decline_mean: float = -0.1
    decline_sd: float = 0.1
    response_rate_low: float = 0.65
    response_rate_high: float = 0.88
    prefer_not_rate: float = 0.02
    prefer_not_concentration: float = 40.0  # Beta(a, b) with a + b = this
    comment_rate: float = 0.15
    both_prompts_share: float = 0.2
    second_sentence_share: float = 0.25
    small_team_share: float = 0.15
    level_decay: float = 0.3  # level shares proportional to level_decay ** rank
    field_days: int = 21
    focus_effect: float = 0.6  # a plan's focus dimensions move this much from the next wave
    focus_team_share: float = 0.33
    focus_max_teams: int = 40  # a large demo records no more plans than a page shows
    focus_min_people: int = 12
    focus_dimensions: int = 2


DEFAULT_PARAMETERS = ModelParameters()


# --- the organisation ---------------------------------------------------------------------

DEPARTMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Engineering",
        ("Platform", "Mobile", "Data", "Security", "Infrastructure", "Quality", "Web", "Payments"),
    ),
    (
        "Sales",
        ("North", "South", "Enterprise", "Partnerships", "Inside Sales", "Renewals", "East"),
    ),
    (
        "Operations",
        ("Logistics", "Procurement", "Facilities", "Planning", "Warehouse", "Fleet", "Scheduling"),
    ),
    (
        "Customer Success",
        ("Onboarding", "Support", "Escalations", "Training", "Accounts", "Service Desk"),
    ),
    ("Finance", ("Accounting", "Payroll", "Treasury", "Audit", "Tax", "Billing", "Reporting")),
    ("People", ("Recruiting", "Learning", "Benefits", "People Partners", "Compensation")),
    ("Product", ("Discovery", "Design", "Research", "Analytics", "Growth", "Documentation")),
    ("Marketing", ("Brand", "Content", "Events", "Digital", "Communications", "Campaigns")),
    ("Legal", ("Contracts", "Compliance", "Privacy", "Disputes")),
    ("Manufacturing", ("Assembly", "Maintenance", "Tooling", "Packaging", "Process", "Safety")),
)


@dataclass(frozen=True)
class OrgPlan:
    """Departments with teams under them, and every person's team and level rank.

    `team_paths[t]` is "Department/Team"; `team_of[i]` indexes `team_paths`; `level_of[i]`
    is a rank from 0 (the bottom) to `n_levels - 1` (the top).
    """

    departments: tuple[str, ...]
    team_paths: tuple[str, ...]
    team_of: IntArray
    level_of: IntArray
    n_levels: int

    @property
    def n_people(self) -> int:
        return int(self.team_of.size)

    @property
    def n_teams(self) -> int:
        return len(self.team_paths)


def team_names(n_teams: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(departments, team paths) for `n_teams` teams: about four teams per department,
    dealt out in turn; names repeat with a number once a department runs out."""
    n_departments = max(1, min(len(DEPARTMENTS), math.ceil(n_teams / 4)))
    departments = tuple(name for name, _ in DEPARTMENTS[:n_departments])
    paths: list[str] = []
    for index in range(n_teams):
        department, names = DEPARTMENTS[index % n_departments]
        slot = index // n_departments
        name = names[slot % len(names)]
        if slot >= len(names):
            name = f"{name} {slot // len(names) + 1}"
        paths.append(f"{department}/{name}")
    return departments, tuple(paths)


def plan_org(
    n_teams: int,
    n_people: int,
    n_levels: int,
    rng: np.random.Generator,
    params: ModelParameters = DEFAULT_PARAMETERS,
) -> OrgPlan:
    """Teams and people. About `small_team_share` of the teams (at least one when there are
    two or more) get 2-4 people; the others share the rest, at least 8 each when there are
    enough people, with log-normal weights so sizes vary. Level ranks are drawn with shares
    proportional to `level_decay ** rank` (many at the bottom, few at the top)."""
    if n_teams < 1 or n_people < n_teams or n_levels < 1:
        raise ValueError("need at least one team, one person per team and one level")
    departments, paths = team_names(n_teams)
    n_small = (
        0 if n_teams < 2 else min(n_teams - 1, max(1, round(params.small_team_share * n_teams)))
    )
    small = np.zeros(n_teams, dtype=bool)
    small[rng.choice(n_teams, size=n_small, replace=False)] = True
    sizes = np.ones(n_teams, dtype=np.int64)
    budget = n_people - n_teams
    extra_small = rng.integers(1, 4, size=n_small)  # sizes 2..4
    for position, team in enumerate(np.flatnonzero(small)):
        extra = min(int(extra_small[position]), budget)
        sizes[team] += extra
        budget -= extra
    regular = np.flatnonzero(~small)
    floor = min(7, budget // regular.size)
    sizes[regular] += floor
    budget -= floor * regular.size
    weights = rng.lognormal(0.0, 0.5, size=regular.size)
    sizes[regular] += rng.multinomial(budget, weights / weights.sum())
    team_of = np.repeat(np.arange(n_teams, dtype=np.int64), sizes)
    shares = params.level_decay ** np.arange(n_levels, dtype=np.float64)
    level_of = rng.choice(n_levels, size=n_people, p=shares / shares.sum()).astype(np.int64)
    return OrgPlan(departments, paths, team_of, level_of, n_levels)


# --- the population -----------------------------------------------------------------------


@dataclass(frozen=True)
class Population:
    """An organisation with its fixed latent parts: team climates and their shifts per wave,
    person deviations and prefer-not-to-answer propensities, item loadings and offsets."""

    org: OrgPlan
    n_waves: int
    params: ModelParameters
    team_climate: FloatArray  # (teams, 2): a^M, a^P
    team_shift: FloatArray  # (waves, teams, 2): c^M, c^P
    person: FloatArray  # (people, 3): u^M, u^P, u^O
    prefer_not: FloatArray  # (people,)
    loadings: FloatArray  # (items,) in the order of item_keys
    offsets: FloatArray  # (items,)
    # Teams' action plans, whose focus dimensions move from the wave after (`plan_focus`).
    focus: tuple[FocusPlan, ...] = ()
    # The item key of each loading: every item of every version the waves answer.
    item_keys: tuple[str, ...] = ()

    def item_column(self, key: str) -> int:
        """The index of item `key` in `loadings` and `offsets`."""
        return self.item_keys.index(key)


@dataclass(frozen=True)
class FocusPlan:
    """A team's plan answering wave `wave`'s release: its focus dimensions improve from
    wave `wave + 1` on."""

    team: int  # index into OrgPlan.team_paths
    wave: int
    dimensions: tuple[str, ...]


Documents = InstrumentDocument | Sequence[InstrumentDocument]


def wave_documents(documents: Documents, n_waves: int) -> tuple[InstrumentDocument, ...]:
    """The document each wave answers: one for every wave, or one per wave."""
    if isinstance(documents, InstrumentDocument):
        return (documents,) * n_waves
    if len(documents) != n_waves:
        raise ValueError(f"need one document per wave: {len(documents)} for {n_waves} waves")
    return tuple(documents)


def _focus_candidates(document: InstrumentDocument) -> list[str]:
    roles = family_roles(document)
    return [d.key for d in document.dimensions if roles[d.family] in ("climate", "power")]


def plan_focus(
    documents: Documents,
    org: OrgPlan,
    n_waves: int,
    rng: np.random.Generator,
    params: ModelParameters = DEFAULT_PARAMETERS,
) -> tuple[FocusPlan, ...]:
    """Which teams make a plan after which wave, on which dimensions: a share of the teams
    with at least `focus_min_people` people (at most `focus_max_teams`), each once, at a
    wave drawn among all of them (a plan on the last wave shows no effect yet: it is what
    the team committed to now), on dimensions of the climate and power-over families of
    the version that wave answers (`documents`: one for every wave, or one per wave)."""
    per_wave = wave_documents(documents, n_waves)
    candidates = [_focus_candidates(document) for document in per_wave]
    sizes = np.bincount(org.team_of, minlength=org.n_teams)
    eligible = np.flatnonzero(sizes >= params.focus_min_people)
    if eligible.size == 0 or min(len(c) for c in candidates) < params.focus_dimensions:
        return ()
    share = round(params.focus_team_share * eligible.size)
    count = min(max(1, share), params.focus_max_teams)
    teams = np.sort(rng.choice(eligible, size=count, replace=False))
    plans = []
    for team in teams.tolist():
        wave = int(rng.integers(0, n_waves))
        keys = candidates[wave]
        chosen = rng.choice(len(keys), size=params.focus_dimensions, replace=False)
        plans.append(FocusPlan(team, wave, tuple(keys[k] for k in sorted(chosen))))
    return tuple(plans)


def focus_shift(
    document: InstrumentDocument, population: Population, wave: int, teams: IntArray
) -> FloatArray:
    """The plans' effect in `wave` on each dimension of people in `teams`: +/-phi on the
    focus dimensions of a team whose plan answered an earlier wave (the better way), where
    `document` (the version this wave answers) has a dimension of that key."""
    shift = np.zeros((teams.size, len(document.dimensions)))
    roles = family_roles(document)
    index = {d.key: k for k, d in enumerate(document.dimensions)}
    phi = population.params.focus_effect
    for plan in population.focus:
        if plan.wave >= wave:
            continue
        members = teams == plan.team
        for key in plan.dimensions:
            if key not in index:
                continue  # the version answered now has no such dimension
            sign = -1.0 if roles[document.dimension(key).family] == "power" else 1.0
            shift[members, index[key]] += sign * phi
    return shift


def _correlated(rng: np.random.Generator, n: int, sd: float, rho: float) -> npt.NDArray[np.float64]:
    """n draws of a bivariate normal with equal SDs and correlation rho."""
    z = rng.standard_normal((n, 2))
    second = rho * z[:, 0] + math.sqrt(1.0 - rho * rho) * z[:, 1]
    return np.column_stack((z[:, 0], second)) * sd


def draw_population(
    documents: Documents,
    org: OrgPlan,
    n_waves: int,
    rng: np.random.Generator,
    params: ModelParameters = DEFAULT_PARAMETERS,
) -> Population:
    """The fixed parts of the organisation over `n_waves` waves; `documents` is the version
    every wave answers, or one per wave (items get a loading per key, in wave order)."""
    if n_waves < 1:
        raise ValueError("need at least one wave")
    per_wave = wave_documents(documents, n_waves)
    item_keys = tuple(dict.fromkeys(item.key for d in per_wave for item in d.items))
    p = params
    n_teams, n_people, n_items = org.n_teams, org.n_people, len(item_keys)
    team_climate = _correlated(rng, n_teams, p.team_sd, p.team_rho)
    shift = rng.normal(0.0, p.wave_drift_sd, size=(n_waves, n_teams, 2))
    improving = rng.random(n_teams) < p.improving_share
    delta = np.where(
        improving,
        rng.normal(p.improvement_mean, p.improvement_sd, n_teams),
        rng.normal(p.decline_mean, p.decline_sd, n_teams),
    )
    if n_waves >= 2:
        shift[-1, :, 0] += delta
        shift[-1, :, 1] -= delta
    person = np.column_stack(
        (
            _correlated(rng, n_people, p.person_sd, p.person_rho),
            rng.normal(0.0, p.outcome_sd, n_people),
        )
    )
    a = p.prefer_not_rate * p.prefer_not_concentration
    prefer_not = rng.beta(a, p.prefer_not_concentration - a, n_people)
    loadings = rng.uniform(p.loading_low, p.loading_high, n_items)
    offsets = rng.normal(0.0, p.item_offset_sd, n_items)
    return Population(
        org,
        n_waves,
        p,
        team_climate,
        shift,
        person,
        prefer_not,
        loadings,
        offsets,
        item_keys=item_keys,
    )


def family_roles(document: InstrumentDocument) -> dict[str, Role]:
    """The role of each family: the first desirable-"high" family is the climate, "low"
    families are power-over, later "high" families are outcomes."""
    roles: dict[str, Role] = {}
    climate_seen = False
    for family in document.families:
        if family.desirable == "low":
            roles[family.key] = "power"
        elif not climate_seen:
            roles[family.key] = "climate"
            climate_seen = True
        else:
            roles[family.key] = "outcome"
    return roles


# --- one wave -----------------------------------------------------------------------------


@dataclass(frozen=True)
class WaveResponses:
    """What the respondents of one wave answered.

    `respondents` are person indices (ascending); `values[r, j]` is the raw answer of
    respondent r to `item_keys[j]`, MISSING (0) for "prefer not to answer", NOT_ASKED (-1)
    for an item not asked of them;
    `day_offsets[r]` is the day of the field period (0-based) the answer came in;
    `comments` are (respondent row, prompt key, text); `climate` is eta^M - eta^P of each
    respondent (for checks, never stored).
    """

    wave: int
    item_keys: tuple[str, ...]
    respondents: IntArray
    values: npt.NDArray[np.int8]
    day_offsets: IntArray
    comments: tuple[tuple[int, str, str], ...]
    climate: FloatArray

    def __len__(self) -> int:
        return int(self.respondents.size)

    def answer_dicts(self, rows: Sequence[int] | None = None) -> list[dict[str, int | None]]:
        """{item key: raw answer or None} for the respondents at `rows` (default: every
        respondent), in that order; the items not asked of a respondent are left out."""
        chosen = self.values if rows is None else self.values[np.asarray(rows, dtype=np.int64)]
        values = chosen.astype(object)
        values[chosen == MISSING] = None
        keys = self.item_keys
        return [
            {key: value for key, value in zip(keys, row, strict=True) if value != NOT_ASKED}
            for row in values.tolist()
        ]

    def comments_by_row(self) -> dict[int, dict[str, str]]:
        """{respondent row: {prompt key: text}} for the respondents who commented."""
        grouped: dict[int, dict[str, str]] = {}
        for row, prompt, text in self.comments:
            grouped.setdefault(row, {})[prompt] = text
        return grouped


def simulate_wave(
    document: InstrumentDocument, population: Population, wave: int, rng: np.random.Generator
) -> WaveResponses:
    """Draw who responds to wave `wave` and what they answer (see the module docstring).
    The draws from `rng` come in a fixed order, so a seed gives the same wave."""
    if not 0 <= wave < population.n_waves:
        raise ValueError(f"wave {wave} is outside 0..{population.n_waves - 1}")
    p, org = population.params, population.org
    eta = _family_latents(population, wave, rng)
    rate = rng.uniform(p.response_rate_low, p.response_rate_high, org.n_teams)
    responds = rng.random(org.n_people) < rate[org.team_of]
    who = np.flatnonzero(responds).astype(np.int64)
    eta = eta[who]
    shift = focus_shift(document, population, wave, org.team_of[who])
    values = _answers(document, population, eta, rng, shift)
    prefer_not = rng.random(values.shape) < population.prefer_not[who][:, None]
    values[prefer_not] = MISSING
    # A leader is not asked the items about their own group's leader (no draw involved).
    leads = org.level_of[who] >= LEADING_FROM_RANK
    for j, item in enumerate(document.items):
        if not item.asked_of(leads_work_group=True):
            values[leads, j] = NOT_ASKED
    n = who.size
    early = rng.exponential(3.0, n)
    anytime = rng.uniform(0.0, p.field_days, n)
    day = np.where(rng.random(n) < 0.7, early, anytime)
    day_offsets = np.minimum(day.astype(np.int64), p.field_days - 1)
    climate = eta[:, CLIMATE] - eta[:, POWER]
    comments = _comments(document, climate, rng, p)
    return WaveResponses(
        wave,
        tuple(item.key for item in document.items),
        who,
        values,
        day_offsets,
        comments,
        climate,
    )


def _family_latents(
    population: Population, wave: int, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """Everyone's climate, power and outcome latents in this wave (respondents are picked
    afterwards): team climate and its shift in the wave, level, person and occasion."""
    p, org = population.params, population.org
    team = org.team_of
    level_effect = p.level_step * org.level_of.astype(np.float64)
    occasion = rng.normal(0.0, p.occasion_sd, size=(org.n_people, 3))
    base = population.team_climate[team] + population.team_shift[wave][team]
    eta = np.empty((org.n_people, 3))
    eta[:, CLIMATE] = base[:, 0] + level_effect + population.person[:, 0] + occasion[:, 0]
    eta[:, POWER] = base[:, 1] - level_effect + population.person[:, 1] + occasion[:, 1]
    eta[:, OUTCOME] = (
        p.outcome_weight * (eta[:, CLIMATE] - eta[:, POWER]) / 2.0
        + population.person[:, 2]
        + occasion[:, 2]
    )
    return eta


def _answers(
    document: InstrumentDocument,
    population: Population,
    eta: npt.NDArray[np.float64],
    rng: np.random.Generator,
    shift: FloatArray | None = None,
) -> npt.NDArray[np.int8]:
    """The respondents' raw answers: each dimension's latent around its family's, each
    item an ordinal cut of its loading on the dimension (mirrored when reverse-keyed)."""
    p = population.params
    n = eta.shape[0]
    roles = family_roles(document)
    role_column = {"climate": CLIMATE, "power": POWER, "outcome": OUTCOME}
    role_mean = {"climate": p.climate_mean, "power": p.power_mean, "outcome": p.outcome_mean}
    dimension_index = {d.key: k for k, d in enumerate(document.dimensions)}
    theta = np.empty((n, len(document.dimensions)))
    for k, dimension in enumerate(document.dimensions):
        column = role_column[roles[dimension.family]]
        theta[:, k] = eta[:, column] + rng.normal(0.0, p.dimension_sd, n)
    if shift is not None:
        theta += shift
    items = document.items
    values = np.zeros((n, len(items)), dtype=np.int8)
    noise = rng.normal(0.0, p.item_noise_sd, size=(n, len(items)))
    for j, item in enumerate(items):
        if item.scale is None or item.dimension is None:  # single choice: any option
            values[:, j] = rng.integers(1, max(len(item.options), 1) + 1, n)
            continue
        scale = item.scale
        column = population.item_column(item.key)
        role = roles[document.dimension(item.dimension).family]
        latent = (
            role_mean[role]
            + population.offsets[column]
            + population.loadings[column] * theta[:, dimension_index[item.dimension]]
            + noise[:, j]
        )
        cuts = np.linspace(p.lowest_threshold, p.highest_threshold, scale.max - scale.min)
        keyed = scale.min + np.searchsorted(cuts, latent)
        values[:, j] = scale.min + scale.max - keyed if item.reverse else keyed
    return values


# --- comments -----------------------------------------------------------------------------

WARM, CRITICAL = 0, 1

COMMENT_POOLS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "change_together": (
        (
            "When the release slipped, we sat down together, split the work differently and "
            "shipped two weeks later without anyone working weekends.",
            "We rewrote the onboarding checklist as a group, and new colleagues now find their "
            "feet much faster.",
            "Someone raised a safety concern at the morning meeting and by the end of the week "
            "we had changed the procedure together.",
            "We started a short weekly review where anyone can bring a problem. Two "
            "long-standing issues were fixed that way.",
            "Our lead asked the whole team how to handle the backlog instead of deciding alone. "
            "The plan we made together is working.",
            "During the outage people shared what they knew openly, and we recovered faster "
            "than the last time.",
            "We agreed on clearer handovers between shifts after everyone described what was "
            "going wrong from their side.",
            "Two of us from different roles worked on the customer complaints together and "
            "found a fix neither would have seen alone.",
            "Pooling our notes from customer calls let us change the order form, and errors "
            "dropped.",
            "We reorganised the shared calendar together so that meetings stop eating the "
            "mornings.",
            "After a tense quarter we held an honest review, and the changes we agreed on have "
            "stuck.",
            "People from three teams wrote the budget proposal together and it was approved "
            "on the first try.",
        ),
        (
            "Honestly, I cannot think of one. Most changes are announced to us after they have "
            "been decided.",
            "We proposed a better way to plan the week, but it was dropped without an explanation.",
            "It worked once, but only after the problem had been ignored for months.",
            "Changes here usually come from the top. When we suggest something, it rarely goes "
            "anywhere.",
            "We did improve the handover process, but a few people took the credit for what "
            "the whole team did.",
            "A newer colleague had a good idea, and it was only taken up when a manager "
            "repeated it.",
            "We cleared the reporting backlog as a team, but the effort was never acknowledged.",
            "It is hard to say. We are too busy competing for the same projects to work "
            "together much.",
        ),
    ),
    # Version 2 asks what helped, not for the story of an event (stories identify people).
    "what_helped": (
        (
            "Short check-ins at the start of the week, where everyone says what they need.",
            "Sharing the reasons behind decisions, so we can plan our own work around them.",
            "Asking each other for help early instead of waiting until something is late.",
            "Agreeing together on who does what when the workload changes.",
            "Thanking people for the work nobody sees.",
            "Taking time to listen before deciding, even when we are busy.",
            "Writing down what we agreed, so nobody has to guess later.",
            "Reviewing what went well and what did not, without looking for someone to blame.",
        ),
        (
            "Not much helped. Decisions reached us after they were made.",
            "It would help to be asked before the plans change, not after.",
            "Less competition for the same work would help us cooperate.",
            "More time to talk about how we work, not only about what is late.",
            "Clearer priorities. Right now everything is urgent, so nobody can help anyone.",
            "It would help if suggestions got an answer, even a no.",
        ),
    ),
    "safer_to_speak": (
        (
            "It already feels fairly safe. Keeping the regular one-to-ones would help it stay "
            "that way.",
            "Leaders could keep asking for disagreement before a decision is final.",
            "More time in meetings for questions, so that quieter people get a turn too.",
            "Sharing the reasons behind decisions more often would make them easier to question.",
            "A clear follow-up when someone raises a concern, so people see it was taken "
            "seriously.",
            "I feel safe speaking up here. Newer colleagues may need to hear that it is welcome.",
            "Written input before big decisions would help those who find it hard to speak in "
            "a group.",
        ),
        (
            "Knowing that raising a problem will not count against you at review time.",
            "Leaders who listen to the end before answering and do not take disagreement "
            "personally.",
            "Fewer decisions made behind closed doors. We often hear about changes last.",
            "Seeing someone raise a concern and nothing bad happening to them afterwards.",
            "Stop rewarding people who talk over others in meetings.",
            "Respect for what people say, whatever their job title.",
            "A way to give feedback upward that does not go through the person it is about.",
            "Honest answers to the questions we already ask, instead of reassurance.",
            "Less monitoring of every small task. It makes people careful about what they say.",
        ),
    ),
}
GENERIC_POOL: tuple[tuple[str, ...], tuple[str, ...]] = (
    (
        "Things are mostly good here; more time to talk about how we work would help.",
        "I appreciate how people make time for each other.",
        "Keep asking us. It shows that our view matters.",
    ),
    (
        "More openness about how decisions are made.",
        "People are stretched thin, and it shows in how we treat each other.",
        "It would help to be asked before changes, not after.",
    ),
)


def _comments(
    document: InstrumentDocument,
    climate: FloatArray,
    rng: np.random.Generator,
    p: ModelParameters,
) -> tuple[tuple[int, str, str], ...]:
    """Comments of about `comment_rate` of the respondents: one prompt (sometimes both);
    the tone is warm when eta^M - eta^P plus noise is positive, critical otherwise."""
    prompts = [prompt.key for prompt in document.prompts]
    n = climate.size
    if not prompts or n == 0:
        return ()
    commenting = np.flatnonzero(rng.random(n) < p.comment_rate)
    count = commenting.size
    first = rng.integers(0, len(prompts), count)
    both = rng.random(count) < p.both_prompts_share
    critical = (climate[commenting] + rng.normal(0.0, 1.0, count)) < 0.0
    second_sentence = rng.random((count, 2)) < p.second_sentence_share
    picks = rng.random((count, 2, 2))
    comments: list[tuple[int, str, str]] = []
    for position, row in enumerate(commenting.tolist()):
        chosen = [prompts[int(first[position])]]
        if both[position] and len(prompts) > 1:
            chosen = prompts
        for slot, prompt in enumerate(chosen[:2]):
            pool = COMMENT_POOLS.get(prompt, GENERIC_POOL)[CRITICAL if critical[position] else WARM]
            a = int(picks[position, slot, 0] * len(pool))
            text = pool[a]
            if second_sentence[position, slot] and len(pool) > 1:
                b = int(picks[position, slot, 1] * (len(pool) - 1))
                text = f"{text} {pool[b + 1 if b >= a else b]}"
            comments.append((row, prompt, text[: document.prompt(prompt).max_length]))
    return tuple(comments)
