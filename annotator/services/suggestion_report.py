"""How good a project's suggestions are, and whether they pull annotators towards the machine's answer.

Quality: per suggester and label, suggestions are scored against the gold of each document that
has gold (`DocumentWithAnnotations.gold`) and that the suggester went through (a done run or any
output of it there). Matching is one-to-one and label-aware, exact offsets or overlap, as in
`agreement.span_f1`; counts are pooled over documents. Relations match on their ends' spans,
document labels (stance) on the value. Acceptance is (accepted + edited) / decided over every
recorded `SuggestionDecision` of the project.

Bias: submitted annotation sets split into annotators who see suggestions and controls
(`Membership.is_control`), compared on label and stance distributions, on how many of their spans
match a suggestion on the same document (same label; exact offsets, or at least one shared
character), and on agreement within each group. The machine's own distribution is taken over the
suggestions on the documents that have submitted work. Undefined figures are None.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import combinations, islice
from typing import Any

from django.db.models import Count

from annotator import agreement
from annotator.agreement import RelationKey, SpanKey
from annotator.models import (
    AnnotationSet,
    Layer,
    Membership,
    Project,
    SuggestedDocumentLabel,
    SuggestedRelation,
    Suggestion,
    SuggestionDecision,
    SuggestionRun,
)
from annotator.selectors import project_documents_for_export, project_scheme

MATCHES = ("exact", "overlap")
KIND_ORDER = {Layer.Kind.SPAN: 0, Layer.Kind.RELATION: 1, Layer.Kind.DOCUMENT: 2}
STANCE_LAYER = "stance"
CHUNK = 200
SUGGESTIONS = "suggestions"  # the group of annotators who see suggestions
CONTROL = "control"


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 with the counts behind them; None where a ratio has no denominator."""

    precision: float | None
    recall: float | None
    f1: float | None
    tp: int
    fp: int
    fn: int


def score(tp: int, fp: int, fn: int) -> Score:
    return Score(
        precision=tp / (tp + fp) if tp + fp else None,
        recall=tp / (tp + fn) if tp + fn else None,
        f1=2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None,
        tp=tp,
        fp=fp,
        fn=fn,
    )


@dataclass(frozen=True)
class Decisions:
    decided: int = 0
    accepted: int = 0
    edited: int = 0
    rejected: int = 0

    @property
    def acceptance_rate(self) -> float | None:
        return (self.accepted + self.edited) / self.decided if self.decided else None


@dataclass(frozen=True)
class QualityRow:
    """One suggester and label (or all of a suggester's span labels, `label` None): quality and use."""

    suggester: str
    kind: str  # span, relation or document
    layer: str | None
    label: str | None
    suggestions: int  # in the whole project
    gold_documents: int  # documents with gold that the suggester went through
    exact: Score
    overlap: Score
    decided: int
    accepted: int
    edited: int
    rejected: int
    acceptance_rate: float | None


@dataclass(frozen=True)
class Share:
    layer: str
    label: str
    count: int
    share: float | None


@dataclass(frozen=True)
class GroupAgreement:
    """Agreement among a group's annotators: span F1 averaged over pairs, Krippendorff's alpha on stance."""

    pairs: int
    span_f1_exact: float | None
    span_f1_overlap: float | None
    stance_alpha: float | None
    stance_documents: int


@dataclass(frozen=True)
class GroupReport:
    group: str  # "suggestions" (annotators who see them) or "control"
    annotators: list[str]
    annotation_sets: int
    documents: int
    spans: int
    labels: list[Share]
    stances: list[Share]
    label_distance_to_suggestions: float | None  # total variation distance, 0 = the machine's mix
    stance_distance_to_suggestions: float | None
    spans_matching_suggestions_exact: float | None  # share of the group's spans
    spans_matching_suggestions_overlap: float | None
    stances_matching_suggestion: float | None  # share of stances equal to the suggested one
    agreement: GroupAgreement


@dataclass(frozen=True)
class ShareComparison:
    """One label's share among the suggestions and in each group's work (None: not used there)."""

    kind: str  # span or stance
    layer: str
    label: str
    suggestions: float | None
    with_suggestions: float | None
    control: float | None


@dataclass(frozen=True)
class MachineReport:
    """The suggestions on the documents people submitted, as a distribution to compare with."""

    documents: int
    spans: int
    labels: list[Share]
    stances: list[Share]


@dataclass(frozen=True)
class SuggestionReport:
    project: str
    gold_documents: int
    rows: list[QualityRow]
    totals: list[QualityRow]
    machine: MachineReport
    groups: list[GroupReport]
    shares: list[ShareComparison]  # the machine's and the groups' label and stance shares side by side

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- Loading ----------------------------------------------------------------------------------------


@dataclass
class _Output:
    """What the suggesters proposed on one document."""

    spans: dict[str, list[SpanKey]] = field(default_factory=lambda: defaultdict(list))
    relations: dict[str, list[RelationKey]] = field(default_factory=lambda: defaultdict(list))
    # suggester -> layer -> label value (the newest guess of each suggester)
    labels: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    shown_labels: dict[str, str] = field(default_factory=dict)  # layer -> the newest guess of any

    def all_spans(self) -> list[SpanKey]:
        return [key for keys in self.spans.values() for key in keys]


def _chunks[T](items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _outputs(project: Project, document_ids: list[int]) -> dict[int, _Output]:
    """Every suggester's spans, relations and document labels on these documents, in three queries."""
    outputs: dict[int, _Output] = defaultdict(_Output)
    keys: dict[int, SpanKey] = {}
    rows = Suggestion.objects.filter(project=project, document_id__in=document_ids).values_list(
        "id", "document_id", "suggester", "start", "end", "label__layer__key", "label__value"
    )
    for pk, document_id, suggester, start, end, layer, label in rows:
        keys[pk] = (start, end, layer, label)
        outputs[document_id].spans[suggester].append(keys[pk])
    relations = SuggestedRelation.objects.filter(project=project, document_id__in=document_ids)
    for document_id, suggester, head, tail, layer, label in relations.values_list(
        "document_id", "suggester", "head_id", "tail_id", "label__layer__key", "label__value"
    ):
        if head in keys and tail in keys:
            outputs[document_id].relations[suggester].append((keys[head], keys[tail], layer, label))
    guesses = (
        SuggestedDocumentLabel.objects.filter(project=project, document_id__in=document_ids)
        .order_by("created_at", "id")
        .values_list("document_id", "suggester", "layer__key", "label__value")
    )
    for document_id, suggester, layer, label in guesses:  # oldest first: the newest wins
        outputs[document_id].labels[suggester][layer] = label
        outputs[document_id].shown_labels[layer] = label
    return outputs


def _set_spans(annotation_set: AnnotationSet) -> tuple[list[SpanKey], dict[int, SpanKey]]:
    by_id = {
        span.pk: (span.start, span.end, span.label.layer.key, span.label.value)
        for span in annotation_set.spans.all()
    }
    return list(by_id.values()), by_id


def _set_relations(annotation_set: AnnotationSet, by_id: dict[int, SpanKey]) -> list[RelationKey]:
    return [
        (by_id[r.head_id], by_id[r.tail_id], r.label.layer.key, r.label.value)
        for r in annotation_set.relations.all()
        if r.head_id in by_id and r.tail_id in by_id
    ]


def _set_labels(annotation_set: AnnotationSet) -> dict[str, str]:
    return {dl.layer.key: dl.label.value for dl in annotation_set.document_labels.all()}


# --- Quality ----------------------------------------------------------------------------------------


class _Tally:
    """(tp, fp, fn) per (suggester, kind, layer, label, match), pooled over documents."""

    def __init__(self) -> None:
        self.counts: defaultdict[tuple[str, str, str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        self.documents: defaultdict[str, set[int]] = defaultdict(set)

    def add(
        self, suggester: str, kind: str, match: str, by_label: dict[tuple[str, str], tuple[int, int, int]]
    ) -> None:
        for (layer, label), counts in by_label.items():
            total = self.counts[suggester, kind, layer, label, match]
            for i in range(3):
                total[i] += counts[i]


def _document_label_counts(suggested: dict[str, str], gold: dict[str, str]) -> dict[tuple[str, str], tuple]:
    """(tp, fp, fn) per (layer, value) of one document's suggested against gold document labels."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for layer, value in suggested.items():
        if gold.get(layer) == value:
            counts[layer, value][0] += 1
        else:
            counts[layer, value][1] += 1
    for layer, value in gold.items():
        if suggested.get(layer) != value:
            counts[layer, value][2] += 1
    return {key: tuple(value) for key, value in counts.items()}


def _score_gold(tally: _Tally, gold_set: AnnotationSet, output: _Output, covered: set[str]) -> None:
    """Add one document's counts for every suggester that went through it."""
    gold_spans, by_id = _set_spans(gold_set)
    gold_relations = _set_relations(gold_set, by_id)
    gold_labels = _set_labels(gold_set)
    for suggester in sorted(covered):
        tally.documents[suggester].add(gold_set.document_id)
        spans = output.spans.get(suggester, [])
        relations = output.relations.get(suggester, [])
        labels = output.labels.get(suggester, {})
        for match in MATCHES:
            tally.add(suggester, "span", match, agreement.span_counts_by_label(gold_spans, spans, match))
            tally.add(
                suggester,
                "relation",
                match,
                agreement.relation_counts_by_label(gold_relations, relations, match),
            )
            tally.add(suggester, "document", match, _document_label_counts(labels, gold_labels))


def _suggestion_counts(project: Project) -> dict[tuple[str, str, str, str], int]:
    counts: dict[tuple[str, str, str, str], int] = {}
    for model, kind in (
        (Suggestion, "span"),
        (SuggestedRelation, "relation"),
        (SuggestedDocumentLabel, "document"),
    ):
        for row in (
            model.objects.filter(project=project)
            .values("suggester", "label__layer__key", "label__value")
            .annotate(n=Count("id"))
        ):
            counts[row["suggester"], kind, row["label__layer__key"], row["label__value"]] = row["n"]
    return counts


def _decisions(project: Project) -> dict[tuple[str, str, str], Counter[str]]:
    decided: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    for row in (
        SuggestionDecision.objects.filter(annotation_set__project=project)
        .values("suggester", "label__layer__key", "label__value", "decision")
        .annotate(n=Count("id"))
    ):
        decided[row["suggester"], row["label__layer__key"], row["label__value"]][row["decision"]] += row["n"]
    return decided


def _decision_fields(counter: Counter[str]) -> dict[str, Any]:
    decisions = Decisions(
        decided=sum(counter.values()),
        accepted=counter[SuggestionDecision.Decision.ACCEPTED],
        edited=counter[SuggestionDecision.Decision.EDITED],
        rejected=counter[SuggestionDecision.Decision.REJECTED],
    )
    return {**asdict(decisions), "acceptance_rate": decisions.acceptance_rate}


def _quality_rows(
    tally: _Tally, suggestion_counts: dict, decisions: dict, label_order: dict[tuple[str, str], int]
) -> tuple[list[QualityRow], list[QualityRow]]:
    # A row for every label a suggester proposed or had decided; gold-only labels are not its job.
    keys = set(suggestion_counts) | {(s, "span", layer, label) for s, layer, label in decisions}
    rows = []
    for suggester, kind, layer, label in sorted(
        keys, key=lambda k: (k[0], KIND_ORDER.get(k[1], 9), label_order.get((k[2], k[3]), 10**6), k[2], k[3])
    ):
        rows.append(
            QualityRow(
                suggester=suggester,
                kind=kind,
                layer=layer,
                label=label,
                suggestions=suggestion_counts.get((suggester, kind, layer, label), 0),
                gold_documents=len(tally.documents.get(suggester, ())),
                exact=score(*tally.counts.get((suggester, kind, layer, label, "exact"), (0, 0, 0))),
                overlap=score(*tally.counts.get((suggester, kind, layer, label, "overlap"), (0, 0, 0))),
                **_decision_fields(decisions.get((suggester, layer, label), Counter())),
            )
        )
    totals = []
    for suggester in sorted({row.suggester for row in rows if row.kind == "span"}):
        mine = [row for row in rows if row.suggester == suggester and row.kind == "span"]
        pooled = {
            match: [sum(getattr(getattr(row, match), c) for row in mine) for c in ("tp", "fp", "fn")]
            for match in MATCHES
        }
        counter: Counter[str] = Counter()
        for row in mine:
            counter.update({"accepted": row.accepted, "edited": row.edited, "rejected": row.rejected})
        totals.append(
            QualityRow(
                suggester=suggester,
                kind="span",
                layer=None,
                label=None,
                suggestions=sum(row.suggestions for row in mine),
                gold_documents=len(tally.documents.get(suggester, ())),
                exact=score(*pooled["exact"]),
                overlap=score(*pooled["overlap"]),
                **_decision_fields(counter),
            )
        )
    return rows, totals


# --- Bias -------------------------------------------------------------------------------------------


@dataclass
class _Group:
    annotators: set[str] = field(default_factory=set)
    annotation_sets: int = 0
    documents: set[int] = field(default_factory=set)
    labels: Counter[tuple[str, str]] = field(default_factory=Counter)
    stances: Counter[str] = field(default_factory=Counter)
    exact_matches: int = 0
    overlap_matches: int = 0
    stances_compared: int = 0
    stances_matching: int = 0
    # per document: annotator -> (spans, stance)
    work: dict[int, dict[str, tuple[list[SpanKey], str | None]]] = field(default_factory=dict)


def _overlaps(key: SpanKey, others: list[SpanKey]) -> bool:
    start, end, layer, label = key
    return any(o[2] == layer and o[3] == label and o[0] < end and start < o[1] for o in others)


def _add_work(
    group: _Group, annotation_set: AnnotationSet, output: _Output, stance_layer: str | None
) -> None:
    username = annotation_set.annotator.get_username()
    spans, _ = _set_spans(annotation_set)
    stance = _set_labels(annotation_set).get(stance_layer) if stance_layer else None
    group.annotators.add(username)
    group.annotation_sets += 1
    group.documents.add(annotation_set.document_id)
    group.work.setdefault(annotation_set.document_id, {})[username] = (spans, stance)
    suggested = output.all_spans()
    exact = set(suggested)
    for key in spans:
        group.labels[key[2], key[3]] += 1
        group.exact_matches += key in exact
        group.overlap_matches += _overlaps(key, suggested)
    if stance is not None:
        group.stances[stance] += 1
        shown = output.shown_labels.get(stance_layer) if stance_layer else None
        if shown is not None:
            group.stances_compared += 1
            group.stances_matching += stance == shown


def _shares(counts: Counter, order: dict, layer: str | None = None) -> list[Share]:
    total = sum(counts.values())

    def key(item):
        return (order.get(item if layer is None else (layer, item), 10**6), item)

    return [
        Share(
            layer=item[0] if layer is None else layer,
            label=item[1] if layer is None else item,
            count=counts[item],
            share=counts[item] / total if total else None,
        )
        for item in sorted(counts, key=key)
    ]


def _compared(machine: MachineReport, groups: list[GroupReport], order: dict) -> list[ShareComparison]:
    sources = {
        "suggestions": (machine.labels, machine.stances),
        "with_suggestions": (groups[0].labels, groups[0].stances),
        "control": (groups[1].labels, groups[1].stances),
    }
    rows: dict[tuple[str, str, str], dict[str, float | None]] = {}
    for source, (labels, stances) in sources.items():
        for kind, shares in (("span", labels), ("stance", stances)):
            for share in shares:
                key = (kind, share.layer, share.label)
                rows.setdefault(key, dict.fromkeys(sources))[source] = share.share
    ordered = sorted(rows, key=lambda k: (k[0] == "stance", order.get(k[1:], 10**6), k[1], k[2]))
    return [ShareComparison(*key, **rows[key]) for key in ordered]


def _distance(a: Counter, b: Counter) -> float | None:
    """Total variation distance between two distributions given as counts (None if either is empty)."""
    total_a, total_b = sum(a.values()), sum(b.values())
    if not total_a or not total_b:
        return None
    return sum(abs(a[k] / total_a - b[k] / total_b) for k in set(a) | set(b)) / 2


def _group_agreement(group: _Group) -> GroupAgreement:
    pairs: defaultdict[tuple[str, str], dict[str, list[int]]] = defaultdict(
        lambda: {match: [0, 0, 0] for match in MATCHES}
    )
    ratings: list[dict[str, str]] = []
    for by_annotator in group.work.values():
        for a, b in combinations(sorted(by_annotator), 2):
            for match in MATCHES:
                counts = agreement.span_counts_by_label(by_annotator[a][0], by_annotator[b][0], match)
                total = pairs[a, b][match]
                for tp, fp, fn in counts.values():
                    total[0] += tp
                    total[1] += fp
                    total[2] += fn
        rating = {name: stance for name, (_, stance) in by_annotator.items() if stance is not None}
        if rating:
            ratings.append(rating)
    f1: dict[str, float | None] = {}
    for match in MATCHES:
        values = [agreement.prf_from_counts(*p[match]).f1 for p in pairs.values() if any(p[match])]
        f1[match] = sum(values) / len(values) if values else None
    alpha = None
    pairable = [rating for rating in ratings if len(rating) >= 2]
    if pairable:
        names = sorted({name for rating in ratings for name in rating})
        value = agreement.krippendorff_alpha([[r.get(n) for r in ratings] for n in names], "nominal")
        alpha = None if math.isnan(value) else value
    return GroupAgreement(
        pairs=len(pairs),
        span_f1_exact=f1["exact"],
        span_f1_overlap=f1["overlap"],
        stance_alpha=alpha,
        stance_documents=len(pairable),
    )


def _group_report(
    name: str, group: _Group, machine: tuple[Counter, Counter], order, stance_layer
) -> GroupReport:
    spans = sum(group.labels.values())
    return GroupReport(
        group=name,
        annotators=sorted(group.annotators),
        annotation_sets=group.annotation_sets,
        documents=len(group.documents),
        spans=spans,
        labels=_shares(group.labels, order),
        stances=_shares(group.stances, order, stance_layer or ""),
        label_distance_to_suggestions=_distance(group.labels, machine[0]),
        stance_distance_to_suggestions=_distance(group.stances, machine[1]),
        spans_matching_suggestions_exact=group.exact_matches / spans if spans else None,
        spans_matching_suggestions_overlap=group.overlap_matches / spans if spans else None,
        stances_matching_suggestion=(
            group.stances_matching / group.stances_compared if group.stances_compared else None
        ),
        agreement=_group_agreement(group),
    )


# --- The report -------------------------------------------------------------------------------------


def _covered(project: Project) -> dict[int, set[str]]:
    """Per document, the suggesters that went through it: a done run, or any output there."""
    covered: dict[int, set[str]] = defaultdict(set)
    sources = [
        SuggestionRun.objects.filter(project=project, status=SuggestionRun.Status.DONE),
        Suggestion.objects.filter(project=project),
        SuggestedDocumentLabel.objects.filter(project=project),
    ]
    for queryset in sources:
        for document_id, suggester in queryset.order_by().values_list("document_id", "suggester").distinct():
            covered[document_id].add(suggester)
    return covered


def suggestion_report(project: Project) -> SuggestionReport:
    """Quality of the project's suggestions against gold, their acceptance, and their pull on people."""
    layers = project_scheme(project)
    order: dict[tuple[str, str], int] = {}
    for layer in layers:
        for label in layer.labels.all():
            order[layer.key, label.value] = len(order)
    documents_layers = [layer.key for layer in layers if layer.kind == Layer.Kind.DOCUMENT]
    stance_layer = STANCE_LAYER if STANCE_LAYER in documents_layers else next(iter(documents_layers), None)
    controls = set(
        Membership.objects.filter(project=project, is_control=True).values_list("user_id", flat=True)
    )
    covered = _covered(project)

    tally = _Tally()
    gold_documents = 0
    groups = {SUGGESTIONS: _Group(), CONTROL: _Group()}
    machine_labels: Counter[tuple[str, str]] = Counter()
    machine_stances: Counter[str] = Counter()
    machine_documents = 0
    for chunk in _chunks(project_documents_for_export(project, chunk_size=CHUNK), CHUNK):
        useful = [d for d in chunk if d.gold is not None or d.submitted]
        outputs = _outputs(project, [d.document.pk for d in useful])
        for document in useful:
            output = outputs[document.document.pk]
            gold = document.gold
            if gold is not None:
                gold_documents += 1
                _score_gold(tally, gold, output, covered.get(document.document.pk, set()))
            if document.submitted:
                machine_documents += 1
                machine_labels.update((key[2], key[3]) for key in output.all_spans())
                if stance_layer in output.shown_labels:
                    machine_stances[output.shown_labels[stance_layer]] += 1
                for annotation_set in document.submitted:
                    name = CONTROL if annotation_set.annotator_id in controls else SUGGESTIONS
                    _add_work(groups[name], annotation_set, output, stance_layer)

    rows, totals = _quality_rows(tally, _suggestion_counts(project), _decisions(project), order)
    machine = MachineReport(
        documents=machine_documents,
        spans=sum(machine_labels.values()),
        labels=_shares(machine_labels, order),
        stances=_shares(machine_stances, order, stance_layer or ""),
    )
    group_reports = [
        _group_report(name, groups[name], (machine_labels, machine_stances), order, stance_layer)
        for name in (SUGGESTIONS, CONTROL)
    ]
    return SuggestionReport(
        project=project.slug,
        gold_documents=gold_documents,
        rows=rows,
        totals=totals,
        machine=machine,
        groups=group_reports,
        shares=_compared(machine, group_reports, order),
    )
