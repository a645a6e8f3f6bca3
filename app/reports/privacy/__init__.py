"""Disclosure control: the one gate every reported number passes through.

Pages, exports and the API show a count, a score or a comment only if this module says so.
It is pure (standard library only) so that it can be tested exhaustively and reused anywhere.

The model
=========

Respondents are grouped into disjoint **atoms** with a count each, e.g. ``(team_id, level,
wave)`` -> number of responses whose respondent sits *directly* in that team, at that level,
in that wave. A reported **cell** is a set of atoms: a team's rollup is every atom of its
subtree; "team X, managers only" is the subtree's atoms at that level; "all waves" is the union
over waves; the organisation total is every atom. A cell's ``n`` is the sum of its atoms'
counts: the number of RESPONSES behind the number. Everything a report shows about a cell
(count, sum, mean, share favourable, ...) is an *additive* statistic of its responses, so what
protects counts protects those statistics too: whoever can subtract counts can subtract sums.

The rules
=========

1. **Threshold** (primary suppression). A cell with ``n < k`` shows no number at all, not
   even its ``n``; its label is "fewer than k" (see :func:`legend`). ``k`` is
   ``Threshold.k_scores`` (default 5) for counts, scores and response rates and
   ``Threshold.k_comments`` (default 10) for comments; never below :data:`MIN_K` (3).

2. **Zero.** A cell with ``n == 0`` is *hidden* like any other small cell ("fewer than k" is
   true of 0). Showing zeros would tell the reader that every hidden cell holds at least one
   response, and lower bounds like that turn "these five hidden teams add up to 5" into "each
   has exactly one respondent". A *derived* zero, on the other hand, is allowed (rule 3): it
   tells that nobody in some group answered, which reveals nobody's answers, and forbidding
   it would suppress almost every complete breakdown.

3. **Residual** (complementary suppression). From everything shown, no set of respondents
   whose count is strictly between 0 and k may be isolated. An HR reader can add and subtract
   any shown cells, so the sets they can isolate are exactly the 0/1 vectors in the linear
   span of the shown cells (over the atoms). This covers, as special cases:

   a. *parent minus visible children*: a rollup minus its shown children (and the shown
      rollups below them) leaves the hidden children plus the parent's direct members;
   b. *overlapping filters*: "team X" minus "team X, level L" leaves "X, not L"; level
      margins across teams minus the shown teams leave the hidden ones; and chains of such
      steps ("Y at L2" = "Y" - ("org at L1" - "X at L1")), which a rule that only subtracts
      shown sub-cells of one cell would miss;
   c. *wave minus wave*: "all waves" minus the shown single waves.

   Whenever such a set has ``0 < n < k``, one more cell is hidden and the check is repeated.
   Such a cell reads "withheld" where telling that it holds at least k narrows nobody down
   (``markers``), and the generic "fewer than k*" (either reason) elsewhere.

4. **Comments** are records, not sums: a reader can *intersect* two shown comment lists
   (texts are distinct), so for comments every Venn region of the shown cells must hold 0 or
   at least ``k_comments`` comments (``records=True``). They are listed in a keyed random
   order without dates (:func:`shuffle_comments`).

5. **One publication per survey.** Suppression is decided once over every cell any staff user
   can see for a survey (all teams, levels, waves combined into the view) and each page then
   shows a subset of those decisions. A subset of a safe publication is safe (its span is a
   subspace); separately decided pages are not, because their hidden cells differ.

How the check works and what it does not cover is explained in ``suppression`` (the
algorithm of :func:`suppress`, its scope and limits).

The modules, by what each decides:

* ``model``: the thresholds (:data:`MIN_K`, :class:`Threshold`), the hidden label and its
  footnote, and the result types (:class:`Disclosed`, :class:`Disclosure`, :class:`Leak`);
* ``suppression``: primary and complementary suppression of any family of cells
  (:func:`suppress`, :func:`disclose_cells`) and the audit of a given choice
  (:func:`find_leaks`);
* ``markers``: which hidden cells may tell why they are hidden (:func:`tell_reasons`);
* ``span``: the residual check for sums, an exact search of the linear span of the shown cells;
* ``records``: the residual check for comments (rule 4's Venn regions), the primary rule for
  one comment list and the order comments are listed in;
* ``teams``: the team tree and the cells of a team x level x wave report, and response rates.
"""

from __future__ import annotations

from app.reports.privacy.markers import tell_reasons
from app.reports.privacy.model import (
    DEFAULT_K_COMMENTS,
    DEFAULT_K_SCORES,
    MIN_K,
    PROTECTS,
    REASONS,
    UNDER_K,
    Disclosed,
    Disclosure,
    Leak,
    Reason,
    Threshold,
    check_k,
    footnote,
    hidden_label,
    legend,
)
from app.reports.privacy.records import comments_visible, shuffle_comments
from app.reports.privacy.suppression import disclose_cells, find_leaks, suppress
from app.reports.privacy.teams import (
    ReportCell,
    ResponseRate,
    disclose_response_rates,
    disclose_team_tree,
    report_cells,
    team_subtrees,
)

__all__ = [
    "DEFAULT_K_COMMENTS",
    "DEFAULT_K_SCORES",
    "MIN_K",
    "PROTECTS",
    "REASONS",
    "UNDER_K",
    "Disclosed",
    "Disclosure",
    "Leak",
    "Reason",
    "ReportCell",
    "ResponseRate",
    "Threshold",
    "check_k",
    "comments_visible",
    "disclose_cells",
    "disclose_response_rates",
    "disclose_team_tree",
    "find_leaks",
    "footnote",
    "hidden_label",
    "legend",
    "report_cells",
    "shuffle_comments",
    "suppress",
    "team_subtrees",
    "tell_reasons",
]
