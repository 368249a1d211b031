"""Inter-annotator agreement: plain functions over plain data, no Django imports.

Missing values are `None` (a float NaN counts as missing too). Coefficients that are undefined for
the data given (no pairable values, no variation at all) come back as `math.nan`; misuse such as
rows of different lengths raises `ValueError`.

Span keys are `(start, end, layer, label)` with end-exclusive code-point offsets; relation keys are
`(head span key, tail span key, layer, label)`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Literal

SpanKey = tuple[int, int, str, str]
RelationKey = tuple[SpanKey, SpanKey, str, str]
Unit = tuple[int, int, Hashable]
Match = Literal["exact", "overlap"]
Level = Literal["nominal", "ordinal", "interval"]

__all__ = [
    "PRF",
    "Level",
    "Match",
    "RelationKey",
    "SpanKey",
    "Unit",
    "cohen_kappa",
    "confusion_matrix",
    "fleiss_kappa",
    "grouped_by_label",
    "kendall_tau",
    "krippendorff_alpha",
    "prf_from_counts",
    "relation_counts_by_label",
    "relation_counts_grouped",
    "relation_f1",
    "relation_f1_by_label",
    "span_counts_by_label",
    "span_counts_grouped",
    "span_f1",
    "span_f1_by_label",
    "step_order_agreement",
    "unitized_alpha",
    "unitized_alpha_by_category",
    "unitized_alpha_by_label",
]


def _missing(value: Hashable | None) -> bool:
    """Whether a rating counts as missing (None or a float NaN)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _paired(a: Sequence[Hashable | None], b: Sequence[Hashable | None]) -> list[tuple[Hashable, Hashable]]:
    """The pairs of two equally long rating sequences where neither value is missing."""
    if len(a) != len(b):
        raise ValueError(f"Both raters need a value (or None) for every item: got {len(a)} and {len(b)}.")
    return [(x, y) for x, y in zip(a, b, strict=True) if not _missing(x) and not _missing(y)]


# --- Categorical coefficients ---------------------------------------------------------------------


def cohen_kappa(a: Sequence[Hashable | None], b: Sequence[Hashable | None]) -> float:
    """Cohen's kappa of two raters over the items both rated (pairs with a missing value are dropped)."""
    pairs = _paired(a, b)
    n = len(pairs)
    if n == 0:
        return math.nan
    observed = sum(1 for x, y in pairs if x == y) / n
    counts_a = Counter(x for x, _ in pairs)
    counts_b = Counter(y for _, y in pairs)
    expected = sum(counts_a[c] * counts_b[c] for c in counts_a) / (n * n)
    if expected == 1.0:
        return math.nan
    return (observed - expected) / (1.0 - expected)


def fleiss_kappa(ratings: Sequence[Sequence[Hashable | None]]) -> float:
    """Fleiss' kappa of items × raters; every item needs the same number (≥ 2) of non-missing ratings."""
    if not ratings:
        raise ValueError("Fleiss' kappa needs at least one item.")
    item_counts: list[Counter[Hashable]] = []
    per_item: int | None = None
    for index, row in enumerate(ratings):
        counts: Counter[Hashable] = Counter(value for value in row if not _missing(value))
        total = sum(counts.values())
        if per_item is None:
            per_item = total
        if total != per_item:
            raise ValueError(
                f"Fleiss' kappa needs the same number of ratings for every item: item 0 has {per_item}, "
                f"item {index} has {total}."
            )
        item_counts.append(counts)
    assert per_item is not None
    if per_item < 2:
        raise ValueError(f"Fleiss' kappa needs at least two ratings per item, got {per_item}.")
    n_items = len(item_counts)
    pairs_per_item = per_item * (per_item - 1)
    agreement = sum(
        (sum(c * c for c in counts.values()) - per_item) / pairs_per_item for counts in item_counts
    )
    mean_agreement = agreement / n_items
    totals: Counter[Hashable] = Counter()
    for counts in item_counts:
        totals.update(counts)
    expected = sum((count / (n_items * per_item)) ** 2 for count in totals.values())
    if expected == 1.0:
        return math.nan
    return (mean_agreement - expected) / (1.0 - expected)


def confusion_matrix(
    a: Sequence[Hashable | None], b: Sequence[Hashable | None], labels: Sequence[Hashable]
) -> list[list[int]]:
    """Counts of (a's label, b's label) over items both rated; rows `a`, columns `b`, in `labels` order."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for x, y in _paired(a, b):
        for value in (x, y):
            if value not in index:
                raise ValueError(f"Value {value!r} is not one of the labels {list(labels)!r}.")
        matrix[index[x]][index[y]] += 1
    return matrix


def krippendorff_alpha(
    reliability_data: Sequence[Sequence[Hashable | None]],
    level: Level = "nominal",
    order: Sequence[Hashable] | None = None,
) -> float:
    """Krippendorff's alpha of raters × units (missing allowed), nominal, ordinal or interval.

    Follows Krippendorff (2011), "Computing Krippendorff's alpha-reliability": values pair within
    a unit through the coincidence matrix; units with fewer than two values are not pairable. The
    ordinal metric is rank based, δ²(c, k) = (Σ_{g from c to k} n_g − (n_c + n_k) / 2)², over the
    category order given by `order` (default: the sorted values). Interval values must be numbers.
    """
    if level not in ("nominal", "ordinal", "interval"):
        raise ValueError(f"Unknown level of measurement {level!r}: use nominal, ordinal or interval.")
    if not reliability_data:
        raise ValueError("Krippendorff's alpha needs at least one rater.")
    n_units = len(reliability_data[0])
    for rater, row in enumerate(reliability_data):
        if len(row) != n_units:
            raise ValueError(
                f"Every rater needs a value (or None) for every unit: rater 0 has {n_units}, "
                f"rater {rater} has {len(row)}."
            )
    coincidences: defaultdict[tuple[Hashable, Hashable], float] = defaultdict(float)
    for column in zip(*reliability_data, strict=True):
        # A plain dict, not a Counter: this runs once per unit, and a project has thousands.
        counts: dict[Hashable, int] = {}
        for value in column:
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                counts[value] = counts.get(value, 0) + 1
        pairable = sum(counts.values())
        if pairable < 2:
            continue
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                coincidences[c, k] += (n_c * (n_c - 1) if c == k else n_c * n_k) / (pairable - 1)
    marginals: defaultdict[Hashable, float] = defaultdict(float)
    for (c, _), value in coincidences.items():
        marginals[c] += value
    total = sum(marginals.values())
    if total == 0:
        return math.nan
    distance = _distance_function(level, marginals, order)
    observed = sum(value * distance(c, k) for (c, k), value in coincidences.items())
    expected = sum(n_c * n_k * distance(c, k) for c, n_c in marginals.items() for k, n_k in marginals.items())
    if expected == 0:
        return math.nan
    return 1.0 - (total - 1) * observed / expected


def _distance_function(
    level: Level, marginals: Mapping[Hashable, float], order: Sequence[Hashable] | None
) -> Callable[[Hashable, Hashable], float]:
    """The squared difference function δ² of a level of measurement."""
    if level == "nominal":
        return lambda c, k: 0.0 if c == k else 1.0
    if level == "interval":
        for value in marginals:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"Interval alpha needs numbers, got {value!r}.")
        return lambda c, k: (float(c) - float(k)) ** 2  # type: ignore[arg-type]
    if order is None:
        try:
            categories: list[Hashable] = sorted(marginals)  # type: ignore[type-var]
        except TypeError as error:
            raise ValueError("Ordinal alpha over values that do not sort needs `order`.") from error
    else:
        categories = list(order)
        unknown = [value for value in marginals if value not in categories]
        if unknown:
            raise ValueError(f"Values {unknown!r} are not in the ordinal order {categories!r}.")
    rank = {category: i for i, category in enumerate(categories)}
    cumulative = [0.0]
    for category in categories:
        cumulative.append(cumulative[-1] + marginals.get(category, 0.0))

    def ordinal(c: Hashable, k: Hashable) -> float:
        low, high = sorted((rank[c], rank[k]))
        between = cumulative[high + 1] - cumulative[low]
        return (between - (marginals.get(c, 0.0) + marginals.get(k, 0.0)) / 2) ** 2

    return ordinal


# --- Span and relation F1 -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PRF:
    """Precision, recall and F1 of `other` against `reference`, with the counts behind them."""

    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int

    def __add__(self, other: PRF) -> PRF:
        """Pool the counts of two comparisons (micro-averaging)."""
        return prf_from_counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)


def prf_from_counts(tp: int, fp: int, fn: int) -> PRF:
    """PRF from counts; with nothing on either side everything is 1.0, with nothing on one side 0.0."""
    precision = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
    recall = tp / (tp + fn) if tp + fn else (1.0 if fp == 0 else 0.0)
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    return PRF(precision, recall, f1, tp, fp, fn)


EMPTY = PRF(1.0, 1.0, 1.0, 0, 0, 0)


def _greedy_pairs(candidates: list[tuple[int, int, int, int]]) -> list[tuple[int, int]]:
    """One-to-one (i, j) pairs from `(−size, distance, i, j)` candidates, largest size then closest first."""
    if len(candidates) < 2:
        return [(i, j) for _, _, i, j in candidates]
    candidates.sort()
    used_ref: set[int] = set()
    used_other: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, _, i, j in candidates:
        if i not in used_ref and j not in used_other:
            used_ref.add(i)
            used_other.add(j)
            pairs.append((i, j))
    return pairs


def _span_pairs(reference: Sequence[SpanKey], other: Sequence[SpanKey]) -> list[tuple[int, int]]:
    """Overlap pairing of spans: same layer and label, one shared character at least, one-to-one."""
    candidates: list[tuple[int, int, int, int]] = []
    for i, (s1, e1, layer1, label1) in enumerate(reference):
        for j, (s2, e2, layer2, label2) in enumerate(other):
            # Inlined min/max: this loop runs for every pair of annotators on every document.
            size = (e1 if e1 < e2 else e2) - (s1 if s1 > s2 else s2)
            if size > 0 and label1 == label2 and layer1 == layer2:
                candidates.append((-size, abs(s1 - s2) + abs(e1 - e2), i, j))
    return _greedy_pairs(candidates)


Counts = tuple[int, int, int]  # true positives, false positives, false negatives


def _exact_matches[K: Hashable](reference: Sequence[K], other: Sequence[K]) -> int:
    """Number of one-to-one identical pairs (duplicates count once each)."""
    ref, oth = set(reference), set(other)
    if len(ref) == len(reference) and len(oth) == len(other):
        return len(ref & oth)
    return sum((Counter(reference) & Counter(other)).values())


def _span_overlap_matches(reference: Sequence[SpanKey], other: Sequence[SpanKey]) -> int:
    """One-to-one overlap matches between spans of one (layer, label), greedily by largest overlap."""
    return len(_span_pairs(reference, other))


def _grouped[K: tuple[Any, ...]](keys: Sequence[K]) -> dict[tuple[str, str], list[K]]:
    """Keys by their (layer, label), the last two fields."""
    groups: dict[tuple[str, str], list[K]] = {}
    for key in keys:
        groups.setdefault(key[-2:], []).append(key)
    return groups


def _counts_by_label[K: tuple[Any, ...]](
    reference: Sequence[K],
    other: Sequence[K],
    match: Match,
    overlap_matches: Callable[[list[K], list[K]], int],
) -> dict[tuple[str, str], Counts]:
    """(tp, fp, fn) per (layer, label) present on either side, sorted by (layer, label)."""
    if match not in ("exact", "overlap"):
        raise ValueError(f"Unknown match {match!r}: use exact or overlap.")
    exact, overlap = _grouped_counts(_grouped(reference), _grouped(other), overlap_matches, match)
    return dict(sorted((exact if match == "exact" else overlap).items()))


def _grouped_counts[K: tuple[Any, ...]](
    ref_groups: Mapping[tuple[str, str], list[K]],
    other_groups: Mapping[tuple[str, str], list[K]],
    overlap_matches: Callable[[list[K], list[K]], int],
    only: Match | None = None,
) -> tuple[dict[tuple[str, str], Counts], dict[tuple[str, str], Counts]]:
    """Exact and overlap (tp, fp, fn) per (layer, label) of keys already grouped by `_grouped`."""
    exact: dict[tuple[str, str], Counts] = {}
    overlap: dict[tuple[str, str], Counts] = {}
    for group, oth in other_groups.items():
        if group not in ref_groups:
            exact[group] = overlap[group] = (0, len(oth), 0)
    for group, ref in ref_groups.items():
        oth = other_groups.get(group, ())
        if not oth:
            exact[group] = overlap[group] = (0, 0, len(ref))
            continue
        if len(ref) == 1 and len(oth) == 1:
            # The common case, one key on each side: no sets, no sorting.
            if only != "overlap" and ref[0] == oth[0]:
                exact[group] = overlap[group] = (1, 0, 0)
                continue
            exact[group] = (0, 1, 1)
            if only != "exact":
                tp = overlap_matches(list(ref), list(oth))
                overlap[group] = (tp, 1 - tp, 1 - tp)
            continue
        tp = _exact_matches(ref, oth) if only != "overlap" else 0
        exact[group] = (tp, len(oth) - tp, len(ref) - tp)
        if only == "exact":
            continue
        # Overlap matching finds every exact pair too; when those already pair up the smaller side,
        # nothing more can match.
        if only == "overlap" or tp < min(len(ref), len(oth)):
            tp = overlap_matches(list(ref), list(oth))
        overlap[group] = (tp, len(oth) - tp, len(ref) - tp)
    return exact, overlap


def grouped_by_label[K: tuple[Any, ...]](keys: Sequence[K]) -> dict[tuple[str, str], list[K]]:
    """Span or relation keys by their (layer, label), for `span_counts_grouped` and the like."""
    return _grouped(keys)


def span_counts_grouped(
    reference: Mapping[tuple[str, str], list[SpanKey]], other: Mapping[tuple[str, str], list[SpanKey]]
) -> tuple[dict[tuple[str, str], Counts], dict[tuple[str, str], Counts]]:
    """Exact and overlap counts of `span_counts_by_label` in one pass over `grouped_by_label` spans."""
    return _grouped_counts(reference, other, _span_overlap_matches)


def relation_counts_grouped(
    reference: Mapping[tuple[str, str], list[RelationKey]],
    other: Mapping[tuple[str, str], list[RelationKey]],
) -> tuple[dict[tuple[str, str], Counts], dict[tuple[str, str], Counts]]:
    """Exact and overlap counts of `relation_counts_by_label` in one pass over grouped relations."""
    return _grouped_counts(reference, other, _relation_overlap_matches)


def span_counts_by_label(
    reference: Sequence[SpanKey], other: Sequence[SpanKey], match: Match = "exact"
) -> dict[tuple[str, str], Counts]:
    """(tp, fp, fn) of `span_f1` per (layer, label), for pooling over many documents."""
    return _counts_by_label(reference, other, match, _span_overlap_matches)


def span_f1(reference: Sequence[SpanKey], other: Sequence[SpanKey], match: Match = "exact") -> PRF:
    """F1 of `other`'s spans against `reference`'s, one-to-one and label-aware.

    `exact`: same offsets, layer and label. `overlap`: same layer and label and at least one shared
    character; pairs are taken greedily by largest overlap (then closest boundaries), each span used
    at most once.
    """
    counts = span_counts_by_label(reference, other, match).values()
    return prf_from_counts(*(sum(column) for column in zip(*counts, strict=True))) if counts else EMPTY


def span_f1_by_label(
    reference: Sequence[SpanKey], other: Sequence[SpanKey], match: Match = "exact"
) -> dict[tuple[str, str], PRF]:
    """`span_f1` per (layer, label) present on either side; matching is label-aware, so these add up."""
    return {group: prf_from_counts(*c) for group, c in span_counts_by_label(reference, other, match).items()}


def _relation_overlap_matches(reference: list[RelationKey], other: list[RelationKey]) -> int:
    """One-to-one overlap matches of relations: both ends overlap a same-labelled end, by summed overlap."""
    candidates: list[tuple[int, int, int, int]] = []
    for i, ((hs1, he1, *head1), (ts1, te1, *tail1), _, _) in enumerate(reference):
        for j, ((hs2, he2, *head2), (ts2, te2, *tail2), _, _) in enumerate(other):
            head = (he1 if he1 < he2 else he2) - (hs1 if hs1 > hs2 else hs2)
            if head <= 0:
                continue
            tail = (te1 if te1 < te2 else te2) - (ts1 if ts1 > ts2 else ts2)
            if tail <= 0 or head1 != head2 or tail1 != tail2:
                continue
            distance = abs(hs1 - hs2) + abs(he1 - he2) + abs(ts1 - ts2) + abs(te1 - te2)
            candidates.append((-(head + tail), distance, i, j))
    return len(_greedy_pairs(candidates))


def relation_counts_by_label(
    reference: Sequence[RelationKey], other: Sequence[RelationKey], match: Match = "exact"
) -> dict[tuple[str, str], Counts]:
    """(tp, fp, fn) of `relation_f1` per relation (layer, label), for pooling over many documents."""
    return _counts_by_label(reference, other, match, _relation_overlap_matches)


def relation_f1(
    reference: Sequence[RelationKey], other: Sequence[RelationKey], match: Match = "exact"
) -> PRF:
    """F1 of relations: a pair matches when layer and label agree and both head and tail spans match.

    `exact`: head and tail spans are identical (offsets, layer, label). `overlap`: each end overlaps
    a same-labelled end; one-to-one, greedily by the summed head and tail overlap.
    """
    counts = relation_counts_by_label(reference, other, match).values()
    return prf_from_counts(*(sum(column) for column in zip(*counts, strict=True))) if counts else EMPTY


def relation_f1_by_label(
    reference: Sequence[RelationKey], other: Sequence[RelationKey], match: Match = "exact"
) -> dict[tuple[str, str], PRF]:
    """`relation_f1` per relation (layer, label) present on either side."""
    return {
        group: prf_from_counts(*c) for group, c in relation_counts_by_label(reference, other, match).items()
    }


# --- Order of argument steps ----------------------------------------------------------------------


def kendall_tau(x: Sequence[float], y: Sequence[float]) -> float:
    """Kendall's tau-b of two equally long sequences; nan with fewer than two items or no variation."""
    if len(x) != len(y):
        raise ValueError(f"Kendall's tau needs sequences of the same length, got {len(x)} and {len(y)}.")
    concordant = discordant = ties_x = ties_y = 0
    for i, j in combinations(range(len(x)), 2):
        dx, dy = x[i] - x[j], y[i] - y[j]
        if dx == 0 and dy == 0:
            continue
        if dx == 0:
            ties_x += 1
        elif dy == 0:
            ties_y += 1
        elif (dx > 0) == (dy > 0):
            concordant += 1
        else:
            discordant += 1
    denominator = math.sqrt((concordant + discordant + ties_x) * (concordant + discordant + ties_y))
    if denominator == 0:
        return math.nan
    return (concordant - discordant) / denominator


def step_order_agreement(a: Sequence[SpanKey], b: Sequence[SpanKey], match: Match = "overlap") -> float:
    """Kendall's tau-b between two annotators' step orders over the components both of them numbered.

    `a` and `b` list each annotator's numbered argument components in step order. Components are
    paired one-to-one as in `span_f1` (exact or overlap, label-aware); a component's rank is its
    position in its list. 1.0: same order, −1.0: reversed; nan with fewer than two shared components.
    """
    if match not in ("exact", "overlap"):
        raise ValueError(f"Unknown match {match!r}: use exact or overlap.")
    if len(a) < 2 or len(b) < 2:
        return math.nan  # fewer than two shared components whatever the pairing
    if match == "exact":
        positions_b: defaultdict[SpanKey, list[int]] = defaultdict(list)
        for j, key in enumerate(b):
            positions_b[key].append(j)
        pairs = []
        for i, key in enumerate(a):
            if positions_b[key]:
                pairs.append((i, positions_b[key].pop(0)))
    elif match == "overlap":
        pairs = _span_pairs(a, b)
    else:
        raise ValueError(f"Unknown match {match!r}: use exact or overlap.")
    return kendall_tau([float(i) for i, _ in pairs], [float(j) for _, j in pairs])


# --- Unitizing: Krippendorff's alpha_u ------------------------------------------------------------


def _category_disagreements(units_by_rater: list[list[tuple[int, int]]], length: int) -> tuple[float, float]:
    """Observed and expected disagreement (Krippendorff 1995) of one category on one continuum.

    Sums are kept in integers (the within-unit term is an integer too) and divided once at the end;
    plain loops instead of `any()` and helpers, as this runs per category, document and rater pair.
    """
    m = len(units_by_rater)
    observed = 0
    for x in range(m):
        units_i = units_by_rater[x]
        for y in range(x + 1, m):
            units_j = units_by_rater[y]
            for s_i, e_i in units_i:
                alone = True
                for s_j, e_j in units_j:
                    if s_i < e_j and s_j < e_i:
                        alone = False
                        observed += (s_i - s_j) ** 2 + (e_i - e_j) ** 2
                if alone:  # it lies inside one of the other rater's gaps: l²
                    observed += (e_i - s_i) ** 2
            for s_j, e_j in units_j:
                for s_i, e_i in units_i:
                    if s_i < e_j and s_j < e_i:
                        break
                else:
                    observed += (e_j - s_j) ** 2

    lengths: list[int] = []
    gaps: list[int] = []
    for units in units_by_rater:
        position = 0
        for start, end in units:
            lengths.append(end - start)
            if start > position:
                gaps.append(start - position)
            position = end
        if length > position:
            gaps.append(length - position)
    n_units = len(lengths)
    expected = 0
    for size in lengths:
        within = (n_units - 1) * (size * (size - 1) * (2 * size - 1) // 3)
        # Every placement of a unit of this size inside a gap it fits in: Σ (gap − size + 1).
        fits = 0
        for gap in gaps:
            if gap >= size:
                fits += gap - size + 1
        expected += within + size * size * fits
    denominator = m * length * (m * length - 1) - sum(size * (size - 1) for size in lengths)
    return (
        2 * observed / (m * (m - 1) * length * length),
        2 * expected / length / denominator if denominator else 0.0,
    )


def _merged_units(units: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Sorted units with overlapping ones merged; offsets must lie in [0, length]."""
    if len(units) > 1:
        units.sort()
    merged: list[tuple[int, int]] = []
    for start, end in units:
        if not 0 <= start < end <= length:
            raise ValueError(f"Unit [{start}, {end}) is not a non-empty range inside [0, {length}).")
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _category_parts(
    by_category: Mapping[Hashable, Sequence[list[tuple[int, int]]]], length: int
) -> dict[Hashable, tuple[float, float]]:
    """Observed and expected disagreement per category, from each rater's `(start, end)` units."""
    if length <= 0:
        raise ValueError(f"The continuum needs a positive length, got {length}.")
    result: dict[Hashable, tuple[float, float]] = {}
    for category in sorted(by_category, key=repr):
        units_by_rater = by_category[category]
        if len(units_by_rater) < 2:
            raise ValueError(f"Unitized alpha needs at least two raters, got {len(units_by_rater)}.")
        merged = [_merged_units(units, length) for units in units_by_rater]
        result[category] = _category_disagreements(merged, length)
    return result


def _unitized(
    annotations: Mapping[Hashable, Sequence[Unit]], length: int
) -> dict[Hashable, tuple[float, float]]:
    """Observed and expected disagreement per category."""
    if len(annotations) < 2:
        raise ValueError(f"Unitized alpha needs at least two raters, got {len(annotations)}.")
    # Each rater's units sorted by category in one pass, not one pass per category.
    by_category: dict[Hashable, list[list[tuple[int, int]]]] = {}
    raters = list(annotations.values())
    for index, units in enumerate(raters):
        for start, end, label in units:
            by_category.setdefault(label, [[] for _ in raters])[index].append((start, end))
    return _category_parts(by_category, length)


def _pooled_alpha(parts: Mapping[Hashable, tuple[float, float]]) -> float:
    """alpha_u over categories pooled: 1 − Σ D_o / Σ D_e (nan when nothing was marked)."""
    observed = sum(o for o, _ in parts.values())
    expected = sum(e for _, e in parts.values())
    if expected == 0:
        return math.nan
    return 1.0 - observed / expected


def unitized_alpha(annotations: Mapping[Hashable, Sequence[Unit]], length: int) -> float:
    """Krippendorff's alpha_u of several raters' units `(start, end, label)` on one continuum, nominal.

    Method (Krippendorff 1995, "On the reliability of unitizing continuous data"; 2004, *Content
    Analysis* §12.4): for each label c, every rater's continuum [0, length) is cut into units of c
    and gaps ("no unit": unmarked text and other labels). Observed disagreement D_o(c) sums over
    pairs of raters the squared boundary differences of overlapping units plus l² for a unit lying in
    the other rater's gap, divided by m(m−1)L²; expected disagreement D_e(c) is Krippendorff's
    closed form over all placements of the observed units and gaps. The labels are pooled as
    alpha_u = 1 − Σ_c D_o(c) / Σ_c D_e(c) (as DKPro Statistics does). A rater's overlapping units of
    one label are merged first; a rater with no units is all gap. nan when no rater marked anything.
    """
    return _pooled_alpha(_unitized(annotations, length))


def unitized_alpha_by_category(
    by_category: Mapping[Hashable, Sequence[list[tuple[int, int]]]], length: int
) -> float:
    """`unitized_alpha` from units already sorted by label: each label's `(start, end)` lists per rater.

    Every label needs one list per rater, in the same rater order (empty for a rater who did not
    use it). The lists may be sorted in place.
    """
    return _pooled_alpha(_category_parts(by_category, length))


def unitized_alpha_by_label(
    annotations: Mapping[Hashable, Sequence[Unit]], length: int
) -> dict[Hashable, float]:
    """`unitized_alpha` for each label on its own (labels sorted by their repr)."""
    return {
        category: (1.0 - observed / expected) if expected else math.nan
        for category, (observed, expected) in _unitized(annotations, length).items()
    }
