"""Agreement functions against published worked examples and the `krippendorff` package; no database."""

import math
import random

import pytest

from annotator.agreement import (
    PRF,
    cohen_kappa,
    confusion_matrix,
    fleiss_kappa,
    kendall_tau,
    krippendorff_alpha,
    prf_from_counts,
    relation_f1,
    relation_f1_by_label,
    span_f1,
    span_f1_by_label,
    step_order_agreement,
    unitized_alpha,
    unitized_alpha_by_label,
)

N = None

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers × 12 units, values 1-5.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]

# Fleiss (1971) as worked on Wikipedia: 10 subjects, 14 raters, counts per category 1-5.
FLEISS_COUNTS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def fleiss_ratings(counts):
    return [[category for category, n in enumerate(row, start=1) for _ in range(n)] for row in counts]


# Wikipedia's Cohen's kappa example: 50 proposals, A and B both yes on 20, A yes/B no 5, A no/B yes 10.
COHEN_A = ["yes"] * 25 + ["no"] * 25
COHEN_B = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15


# --- Cohen, Fleiss, confusion ---------------------------------------------------------------------


def test_cohen_kappa_wikipedia_example():
    assert cohen_kappa(COHEN_A, COHEN_B) == pytest.approx(0.40)


def test_cohen_kappa_drops_pairs_with_a_missing_value():
    assert cohen_kappa(COHEN_A + ["yes", None], COHEN_B + [None, "no"]) == pytest.approx(0.40)


def test_cohen_kappa_perfect_agreement_and_undefined_cases():
    assert cohen_kappa(["a", "b", "c", "a"], ["a", "b", "c", "a"]) == 1.0
    assert math.isnan(cohen_kappa(["a", "a"], ["a", "a"]))  # no variation: chance agreement is 1
    assert math.isnan(cohen_kappa([None], ["a"]))
    with pytest.raises(ValueError, match="every item"):
        cohen_kappa(["a"], ["a", "b"])


def test_fleiss_kappa_fleiss_1971_example():
    assert fleiss_kappa(fleiss_ratings(FLEISS_COUNTS)) == pytest.approx(0.2099, abs=1e-4)
    assert round(fleiss_kappa(fleiss_ratings(FLEISS_COUNTS)), 3) == 0.210


def test_fleiss_kappa_perfect_agreement_and_missing_ratings():
    assert fleiss_kappa([["a", "a", None], ["b", None, "b"], ["c", "c", None]]) == 1.0


def test_fleiss_kappa_two_raters_without_missing_is_scotts_pi():
    # Scott's pi of COHEN_A vs COHEN_B: po = 0.7, pooled p(yes) = 0.55, pe = 0.505.
    assert fleiss_kappa(list(zip(COHEN_A, COHEN_B, strict=True))) == pytest.approx((0.7 - 0.505) / 0.495)


def test_fleiss_kappa_rejects_unequal_numbers_of_ratings():
    with pytest.raises(ValueError, match="item 0 has 2, item 1 has 1"):
        fleiss_kappa([["a", "b"], ["a", None]])
    with pytest.raises(ValueError, match="at least two ratings"):
        fleiss_kappa([["a"], ["b"]])
    with pytest.raises(ValueError, match="at least one item"):
        fleiss_kappa([])


def test_confusion_matrix_rows_are_the_first_rater():
    assert confusion_matrix(COHEN_A, COHEN_B, ["yes", "no"]) == [[20, 5], [10, 15]]
    assert confusion_matrix(["a", None, "b"], ["b", "a", "b"], ["a", "b"]) == [[0, 1], [0, 1]]
    with pytest.raises(ValueError, match="not one of the labels"):
        confusion_matrix(["a"], ["z"], ["a", "b"])


# --- Krippendorff's alpha -------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "expected"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)])
def test_krippendorff_alpha_krippendorff_2011_example(level, expected):
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, level), 3) == expected


def test_krippendorff_alpha_ordinal_uses_the_given_order_for_labels():
    words = {1: "very low", 2: "low", 3: "mid", 4: "high", 5: "very high"}
    data = [[None if v is None else words[v] for v in row] for row in KRIPPENDORFF_2011]
    order = ["very low", "low", "mid", "high", "very high"]
    assert krippendorff_alpha(data, "ordinal", order=order) == pytest.approx(
        krippendorff_alpha(KRIPPENDORFF_2011, "ordinal")
    )
    # An order the data does not follow gives another value.
    assert krippendorff_alpha(data, "ordinal", order=sorted(order)) != pytest.approx(0.815, abs=1e-3)
    with pytest.raises(ValueError, match="not in the ordinal order"):
        krippendorff_alpha(data, "ordinal", order=order[:2])
    with pytest.raises(ValueError, match="needs numbers"):
        krippendorff_alpha(data, "interval")


def test_krippendorff_alpha_perfect_agreement_and_undefined_cases():
    data = [[1, 2, 3, None], [1, 2, 3, 4], [None, 2, 3, 4]]
    for level in ("nominal", "ordinal", "interval"):
        assert krippendorff_alpha(data, level) == 1.0
    assert math.isnan(krippendorff_alpha([[1, 1], [1, 1]]))  # no variation
    assert math.isnan(krippendorff_alpha([[1, None], [None, 2]]))  # nothing pairable
    with pytest.raises(ValueError, match="every unit"):
        krippendorff_alpha([[1, 2], [1]])
    with pytest.raises(ValueError, match="level of measurement"):
        krippendorff_alpha([[1, 2], [1, 2]], "ratio")  # type: ignore[arg-type]


def random_reliability_data(rng: random.Random) -> list[list[int | None]]:
    raters, units = rng.randint(2, 6), rng.randint(3, 40)
    bias = rng.random()
    truth = [rng.randint(1, 5) for _ in range(units)]
    return [
        [
            None if rng.random() < 0.25 else (truth[u] if rng.random() < bias else rng.randint(1, 5))
            for u in range(units)
        ]
        for _ in range(raters)
    ]


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_krippendorff_alpha_matches_the_krippendorff_package(level):
    krippendorff = pytest.importorskip("krippendorff")
    np = pytest.importorskip("numpy")
    rng = random.Random(20240605)
    checked = 0
    for _ in range(200):
        data = random_reliability_data(rng)
        pairable = [sum(row[u] is not None for row in data) >= 2 for u in range(len(data[0]))]
        values = {v for row in data for v in row if v is not None}
        if not any(pairable) or len(values) < 2:
            continue
        array = np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            expected = krippendorff.alpha(array, value_domain=[1, 2, 3, 4, 5], level_of_measurement=level)
        ours = krippendorff_alpha(data, level, order=[1, 2, 3, 4, 5])
        if math.isnan(expected):  # no variation among pairable values: undefined for both
            assert math.isnan(ours)
            continue
        assert ours == pytest.approx(expected, abs=1e-9)
        checked += 1
    assert checked > 150


def test_krippendorff_alpha_matches_the_package_on_the_2011_example():
    krippendorff = pytest.importorskip("krippendorff")
    np = pytest.importorskip("numpy")
    array = np.array([[np.nan if v is None else v for v in row] for row in KRIPPENDORFF_2011], dtype=float)
    for level in ("nominal", "ordinal", "interval"):
        assert krippendorff_alpha(KRIPPENDORFF_2011, level) == pytest.approx(
            krippendorff.alpha(array, level_of_measurement=level)
        )


# --- Span and relation F1 -------------------------------------------------------------------------


def test_prf_conventions_and_pooling():
    assert prf_from_counts(0, 0, 0) == PRF(1.0, 1.0, 1.0, 0, 0, 0)
    assert prf_from_counts(0, 0, 3) == PRF(0.0, 0.0, 0.0, 0, 0, 3)
    assert prf_from_counts(2, 2, 0) + prf_from_counts(1, 0, 2) == prf_from_counts(3, 2, 2)
    assert prf_from_counts(3, 2, 2).f1 == pytest.approx(6 / 10)


def test_span_f1_exact_versus_overlap():
    reference = [(0, 10, "argument", "claim"), (20, 30, "argument", "premise"), (40, 50, "rhetoric", "doubt")]
    other = [(0, 10, "argument", "claim"), (22, 35, "argument", "premise"), (60, 70, "rhetoric", "doubt")]
    exact = span_f1(reference, other, "exact")
    assert (exact.tp, exact.fp, exact.fn) == (1, 2, 2)
    assert exact.f1 == pytest.approx(1 / 3)
    overlap = span_f1(reference, other, "overlap")
    assert (overlap.tp, overlap.fp, overlap.fn) == (2, 1, 1)
    assert (overlap.precision, overlap.recall, overlap.f1) == pytest.approx((2 / 3, 2 / 3, 2 / 3))


def test_span_f1_is_label_and_layer_aware():
    reference = [(0, 10, "argument", "claim")]
    assert span_f1(reference, [(0, 10, "argument", "premise")], "overlap").tp == 0
    assert span_f1(reference, [(0, 10, "passage-stance", "claim")], "exact").tp == 0


def test_span_f1_overlap_is_one_to_one_by_largest_overlap():
    # One long reference span, two short ones inside it: only one may match it.
    reference = [(0, 20, "argument", "claim")]
    other = [(0, 4, "argument", "claim"), (5, 18, "argument", "claim")]
    result = span_f1(reference, other, "overlap")
    assert (result.tp, result.fp, result.fn) == (1, 1, 0)
    # Greedy by overlap: (0, 9) takes A1 (overlap 9) and (8, 20) then takes A2 (8) rather than A1 (2).
    reference = [(0, 10, "argument", "claim"), (12, 30, "argument", "claim")]
    other = [(0, 9, "argument", "claim"), (8, 20, "argument", "claim")]
    assert span_f1(reference, other, "overlap").tp == 2


def test_span_f1_duplicates_count_once_each_and_empty_sides():
    key = (0, 5, "argument", "claim")
    result = span_f1([key, key], [key], "exact")
    assert (result.tp, result.fp, result.fn) == (1, 0, 1)
    assert span_f1([], [], "overlap").f1 == 1.0
    assert span_f1([key], [], "overlap").f1 == 0.0
    with pytest.raises(ValueError, match="Unknown match"):
        span_f1([key], [key], "fuzzy")  # type: ignore[arg-type]


def test_span_f1_by_label_breaks_down_and_adds_up():
    reference = [
        (0, 10, "argument", "claim"),
        (20, 30, "argument", "premise"),
        (40, 50, "argument", "premise"),
    ]
    other = [(1, 10, "argument", "claim"), (20, 30, "argument", "premise"), (60, 65, "rhetoric", "doubt")]
    by_label = span_f1_by_label(reference, other, "overlap")
    assert set(by_label) == {("argument", "claim"), ("argument", "premise"), ("rhetoric", "doubt")}
    assert by_label["argument", "claim"].f1 == 1.0
    assert (by_label["argument", "premise"].tp, by_label["argument", "premise"].fn) == (1, 1)
    assert by_label["rhetoric", "doubt"].fp == 1
    total = by_label["argument", "claim"] + by_label["argument", "premise"] + by_label["rhetoric", "doubt"]
    assert total == span_f1(reference, other, "overlap")


CLAIM = (0, 10, "argument", "claim")
PREMISE = (20, 30, "argument", "premise")
EVIDENCE = (40, 50, "argument", "evidence")


def test_relation_f1_needs_label_head_and_tail():
    reference = [(PREMISE, CLAIM, "relation", "supports"), (EVIDENCE, PREMISE, "relation", "supports")]
    other = [
        (PREMISE, CLAIM, "relation", "supports"),  # identical
        (EVIDENCE, PREMISE, "relation", "attacks"),  # other label
        (CLAIM, PREMISE, "relation", "supports"),  # reversed
    ]
    result = relation_f1(reference, other, "exact")
    assert (result.tp, result.fp, result.fn) == (1, 2, 1)
    assert relation_f1(reference, other, "overlap").tp == 1


def test_relation_f1_overlap_matches_ends_that_overlap():
    premise_b = (22, 31, "argument", "premise")
    claim_b = (0, 8, "argument", "claim")
    reference = [(PREMISE, CLAIM, "relation", "supports")]
    assert relation_f1(reference, [(premise_b, claim_b, "relation", "supports")], "exact").tp == 0
    assert relation_f1(reference, [(premise_b, claim_b, "relation", "supports")], "overlap").f1 == 1.0
    # The tail overlaps but has another label: no match.
    wrong_tail = (0, 8, "argument", "premise")
    assert relation_f1(reference, [(premise_b, wrong_tail, "relation", "supports")], "overlap").tp == 0
    by_label = relation_f1_by_label(reference, [(premise_b, claim_b, "relation", "attacks")], "overlap")
    assert by_label["relation", "supports"].fn == 1
    assert by_label["relation", "attacks"].fp == 1


# --- Step order -----------------------------------------------------------------------------------


def test_kendall_tau_known_values():
    assert kendall_tau([1, 2, 3, 4], [1, 2, 3, 4]) == 1.0
    assert kendall_tau([1, 2, 3, 4], [4, 3, 2, 1]) == -1.0
    # One discordant pair of six: (5 - 1) / 6.
    assert kendall_tau([1, 2, 3, 4], [1, 2, 4, 3]) == pytest.approx(4 / 6)
    # tau-b with a tie in y: pairs (1,2) tied in y; C = 5, D = 0, sqrt(6 * 5).
    assert kendall_tau([1, 2, 3, 4], [1, 1, 2, 3]) == pytest.approx(5 / math.sqrt(30))
    assert math.isnan(kendall_tau([1.0], [1.0]))


def test_step_order_agreement_over_shared_components():
    a = [EVIDENCE, PREMISE, CLAIM]
    assert step_order_agreement(a, [EVIDENCE, PREMISE, CLAIM], "exact") == 1.0
    assert step_order_agreement(a, [CLAIM, PREMISE, EVIDENCE], "exact") == -1.0
    # Components only one annotator numbered are left out: the shared two are in the same order.
    extra = (60, 70, "argument", "premise")
    assert step_order_agreement(a, [extra, EVIDENCE, CLAIM], "exact") == 1.0
    # Overlap matching pairs slightly different boundaries.
    shifted = [(41, 50, "argument", "evidence"), (0, 9, "argument", "claim"), (21, 30, "argument", "premise")]
    assert math.isnan(step_order_agreement(a, shifted, "exact"))
    # Ranks (0, 1, 2) against (0, 2, 1): two concordant pairs, one discordant.
    assert step_order_agreement(a, shifted, "overlap") == pytest.approx(1 / 3)
    assert math.isnan(step_order_agreement([CLAIM], [CLAIM]))


# --- Unitized alpha -------------------------------------------------------------------------------


def test_unitized_alpha_perfect_agreement():
    units = [(2, 6, "x"), (8, 12, "y"), (10, 15, "x")]
    assert unitized_alpha({"a": units, "b": list(units), "c": list(units)}, 20) == 1.0


def test_unitized_alpha_hand_worked_case():
    # L = 10, one label. A marks [2, 6), B marks [3, 6).
    # D_o: the two units overlap: (2 - 3)² + (6 - 6)² = 1, counted for both orders: 2 / (2·1·10²) = 0.01.
    # D_e: N = 2 units (lengths 4, 3); gaps 2, 4 (A) and 3, 4 (B).
    #   l = 4: (N-1)(2·64 - 3·16 + 4)/3 = 28, plus 4² · [(4-4+1) + (4-4+1)] = 32 → 60
    #   l = 3: (N-1)(2·27 - 3·9 + 3)/3 = 10, plus 3² · [(4-3+1) + (3-3+1) + (4-3+1)] = 45 → 55
    #   (2/L) · 115 = 23, over mL(mL - 1) - Σ l(l - 1) = 20·19 - (12 + 6) = 362.
    # alpha_u = 1 - 0.01 / (23 / 362) = 1 - 3.62 / 23.
    assert unitized_alpha({"A": [(2, 6, "x")], "B": [(3, 6, "x")]}, 10) == pytest.approx(1 - 3.62 / 23)


def test_unitized_alpha_krippendorff_2004_example():
    # Krippendorff (2004), Content Analysis, p. 254: two observers, continuum [150, 450), labels c and k
    # (shifted to start at 0). Published: alpha_u(c) = 0.7286 (D_o .0144, D_e .0532), alpha_u(k) = 1.
    observer_i = [(225, 295, "c"), (370, 400, "c"), (180, 240, "k"), (300, 350, "k")]
    observer_j = [(220, 300, "c"), (355, 375, "c"), (400, 420, "c"), (180, 240, "k"), (300, 350, "k")]
    data = {
        "i": [(s - 150, e - 150, label) for s, e, label in observer_i],
        "j": [(s - 150, e - 150, label) for s, e, label in observer_j],
    }
    by_label = unitized_alpha_by_label(data, 300)
    assert by_label["c"] == pytest.approx(0.7286, abs=1e-4)
    assert by_label["k"] == 1.0
    assert unitized_alpha(data, 300) == pytest.approx(0.8591, abs=5e-4)


def test_unitized_alpha_disagreement_lowers_it_and_edge_cases():
    agree = unitized_alpha({"a": [(0, 5, "x")], "b": [(0, 5, "x")], "c": [(0, 5, "x")]}, 30)
    one_off = unitized_alpha({"a": [(0, 5, "x")], "b": [(0, 5, "x")], "c": [(20, 25, "x")]}, 30)
    missed = unitized_alpha({"a": [(0, 5, "x")], "b": [(0, 5, "x")], "c": []}, 30)
    assert agree == 1.0
    assert one_off < 1.0
    assert missed < 1.0
    # Overlapping units of one label by one rater are merged.
    assert unitized_alpha({"a": [(0, 3, "x"), (2, 5, "x")], "b": [(0, 5, "x")]}, 30) == 1.0
    assert math.isnan(unitized_alpha({"a": [], "b": []}, 30))
    with pytest.raises(ValueError, match="two raters"):
        unitized_alpha({"a": [(0, 5, "x")]}, 30)
    with pytest.raises(ValueError, match="inside"):
        unitized_alpha({"a": [(0, 50, "x")], "b": []}, 30)
