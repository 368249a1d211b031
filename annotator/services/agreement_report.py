"""A project's inter-annotator agreement, from its submitted annotation sets.

Only submitted annotation sets count. Pairwise figures compare every pair of annotators on the
documents both submitted, pooling counts over those documents (micro-average), and are then
averaged over the annotator pairs; in each pair the alphabetically first annotator is the
reference (this only swaps precision and recall, F1 is symmetric). Pairs where neither annotator
marked anything in a layer are left out of that layer's average. Values that are undefined for the
data (no variation, nothing to pair) are `None`.
"""

import math
import multiprocessing
import os
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from django.db import connection, connections
from django.db.models import QuerySet
from django.db.models.functions import Length

from annotator import agreement
from annotator.agreement import RelationKey, SpanKey
from annotator.models import AnnotationSet, DocumentLabel, Label, Layer, Project, Relation, Span
from annotator.selectors import project_scheme
from corpus.models import Document

STANCE_LAYER = "stance"
# The stance values as an ordinal scale; any other value (`not-about-policy`) is missing for it.
STANCE_ORDER = ["pro-sanctions", "neutral-or-mixed", "pro-engagement"]
ALPHA_U_METHOD = "mean over documents with at least two submitted annotation sets"
STEP_METHOD = (
    "Kendall's tau-b between two annotators' step orders over the numbered argument components both "
    "marked, paired one-to-one as in span F1 (exact or overlap); mean over annotator pairs and documents"
)


@dataclass
class SetContent:
    """What agreement needs from one annotator's submitted work on one document."""

    stance: str | None = None
    rationale: list[SpanKey] = field(default_factory=list)
    spans: list[SpanKey] = field(default_factory=list)
    steps: list[SpanKey] = field(default_factory=list)  # numbered components in step order
    relations: list[RelationKey] = field(default_factory=list)
    span_groups: dict[tuple[str, str], list[SpanKey]] = field(default_factory=dict)  # by (layer, label)
    relation_groups: dict[tuple[str, str], list[RelationKey]] = field(default_factory=dict)
    rationale_groups: dict[tuple[str, str], list[SpanKey]] = field(default_factory=dict)


@dataclass
class DocumentContent:
    length: int
    by_annotator: dict[str, SetContent]


def _value(number: float | None) -> float | None:
    """A float for JSON: NaN (undefined) becomes None."""
    if number is None or math.isnan(number):
        return None
    return number


def _mean(values: Iterable[float]) -> float | None:
    defined = [value for value in values if not math.isnan(value)]
    return sum(defined) / len(defined) if defined else None


def _stance_layer(layers: list[Layer]) -> Layer | None:
    documents = [layer for layer in layers if layer.kind == Layer.Kind.DOCUMENT]
    return next(
        (layer for layer in documents if layer.key == STANCE_LAYER), documents[0] if documents else None
    )


def _contents(
    set_ids: list[int], chunk_sets: QuerySet[AnnotationSet], stance_layer_id: int | None
) -> dict[int, SetContent]:
    """Each annotation set's spans, steps, relations, stance and rationale, read as plain rows.

    Rows are selected by a subquery on `chunk_sets`, not by a list of ids: long IN lists cost
    more to build than the rows cost to read.
    """
    contents = {pk: SetContent() for pk in set_ids}
    in_chunk = chunk_sets.values("id")
    # Label ids are mapped to (layer, value) here rather than joined into every row.
    names = {
        pk: (layer, value) for pk, layer, value in Label.objects.values_list("id", "layer__key", "value")
    }
    keys: dict[int, SpanKey] = {}
    numbered: dict[int, list[tuple[int, SpanKey]]] = defaultdict(list)
    spans = (
        Span.objects.filter(annotation_set_id__in=in_chunk)
        .order_by("annotation_set_id", "start", "end", "id")
        .values_list("id", "annotation_set_id", "start", "end", "label_id", "step")
    )
    current_id, content = None, SetContent()
    # Rows come ordered by set: the set's content is looked up once per set, not once per row, and
    # spans and relations are grouped by (layer, label) as they are read.
    for pk, set_id, start, end, label_id, step in spans.iterator(chunk_size=5000):
        if set_id != current_id:
            current_id, content = set_id, contents[set_id]
        group = names[label_id]
        key = (start, end, *group)
        keys[pk] = key
        content.spans.append(key)
        if group in content.span_groups:
            content.span_groups[group].append(key)
        else:
            content.span_groups[group] = [key]
        if step is not None:
            numbered[set_id].append((step, key))
    for set_id, steps in numbered.items():
        contents[set_id].steps = [key for _, key in sorted(steps)]
    relations = (
        Relation.objects.filter(annotation_set_id__in=in_chunk)
        .order_by("annotation_set_id", "id")
        .values_list("annotation_set_id", "head_id", "tail_id", "label_id")
    )
    for set_id, head, tail, label_id in relations.iterator(chunk_size=5000):
        if head in keys and tail in keys:
            group = names[label_id]
            relation = (keys[head], keys[tail], *group)
            content = contents[set_id]
            content.relations.append(relation)
            content.relation_groups.setdefault(group, []).append(relation)
    if stance_layer_id is not None:
        stances: dict[int, int] = {}  # stance label id -> its annotation set id
        stance_rows = DocumentLabel.objects.filter(annotation_set_id__in=in_chunk, layer_id=stance_layer_id)
        for pk, set_id, value in stance_rows.values_list("id", "annotation_set_id", "label__value"):
            stances[pk] = set_id
            contents[set_id].stance = value
        rationale = DocumentLabel.rationale.through.objects.filter(
            documentlabel__annotation_set_id__in=in_chunk, documentlabel__layer_id=stance_layer_id
        ).order_by("id")
        for label_id, span_id in rationale.values_list("documentlabel_id", "span_id"):
            if span_id in keys:
                contents[stances[label_id]].rationale.append(keys[span_id])
    for content in contents.values():
        if content.rationale:
            content.rationale_groups = agreement.grouped_by_label(content.rationale)
    return contents


def _submitted(project: Project) -> QuerySet[AnnotationSet]:
    return AnnotationSet.objects.filter(
        project=project, kind=AnnotationSet.Kind.ANNOTATION, status=AnnotationSet.Status.SUBMITTED
    )


def submitted_document_ids(project: Project) -> list[int]:
    """The documents with submitted work, ascending."""
    return sorted(set(_submitted(project).values_list("document_id", flat=True)))


def project_documents_content(
    project: Project, stance_layer_id: int | None, chunk_size: int = 300, ids: list[int] | None = None
) -> Iterator[DocumentContent]:
    """Each document with submitted work (of `ids`, ascending, if given) with every submitter's content."""
    submitted = _submitted(project)
    if ids is None:
        ids = submitted_document_ids(project)
    for first in range(0, len(ids), chunk_size):
        chunk = ids[first : first + chunk_size]
        span = (chunk[0], chunk[-1])  # ids are sorted: a range selects the chunk without an IN list
        lengths = dict(
            Document.objects.filter(corpus_id=project.corpus_id, pk__range=span)
            .annotate(length=Length("text"))
            .values_list("id", "length")
        )
        contents: dict[int, dict[str, SetContent]] = defaultdict(dict)
        chunk_sets = submitted.filter(document_id__gte=span[0], document_id__lte=span[1])
        sets = list(
            chunk_sets.order_by("document_id", "annotator__username").values_list(
                "id", "document_id", "annotator__username"
            )
        )
        by_set = _contents([pk for pk, _, _ in sets], chunk_sets, stance_layer_id)
        for pk, document_id, username in sets:
            contents[document_id][username] = by_set[pk]
        for pk in chunk:
            yield DocumentContent(length=lengths[pk], by_annotator=contents[pk])


def _pair_mean(per_pair: Iterable[list[int]]) -> dict[str, Any]:
    """Precision, recall and F1 averaged over the pairs that marked anything, with summed counts."""
    compared = [agreement.prf_from_counts(*counts) for counts in per_pair if any(counts)]
    if not compared:
        return {"precision": None, "recall": None, "f1": None, "tp": 0, "fp": 0, "fn": 0, "pairs": 0}
    n = len(compared)
    return {
        "precision": sum(prf.precision for prf in compared) / n,
        "recall": sum(prf.recall for prf in compared) / n,
        "f1": sum(prf.f1 for prf in compared) / n,
        "tp": sum(prf.tp for prf in compared),
        "fp": sum(prf.fp for prf in compared),
        "fn": sum(prf.fn for prf in compared),
        "pairs": n,
    }


Pair = tuple[str, str]


class _Accumulator:
    """(tp, fp, fn) pooled over documents per annotator pair and (match, layer, label).

    Only labels are counted while documents stream past; a layer's counts are its labels' sums.
    """

    def __init__(self) -> None:
        self.totals: dict[tuple[str, str, str, str, str], list[int]] = {}

    def add(self, pair: Pair, match: str, by_label: dict[tuple[str, str], agreement.Counts]) -> None:
        totals = self.totals
        a, b = pair
        for (layer, label), (tp, fp, fn) in by_label.items():
            key = (match, layer, label, a, b)
            total = totals.get(key)
            if total is None:
                totals[key] = [tp, fp, fn]
            else:
                total[0] += tp
                total[1] += fp
                total[2] += fn

    def merge(self, other: "_Accumulator") -> None:
        """Add the counts of later documents (keys keep the order one pass would give them)."""
        for key, (tp, fp, fn) in other.totals.items():
            total = self.totals.setdefault(key, [0, 0, 0])
            total[0] += tp
            total[1] += fp
            total[2] += fn

    def _per_pair(self, match: str, layer: str | None = None, label: str | None = None) -> list[list[int]]:
        """Counts summed per annotator pair over the labels selected (every label when None)."""
        pooled: defaultdict[Pair, list[int]] = defaultdict(lambda: [0, 0, 0])
        for (key_match, key_layer, key_label, a, b), (tp, fp, fn) in self.totals.items():
            if key_match != match or layer not in (None, key_layer) or label not in (None, key_label):
                continue
            total = pooled[a, b]
            total[0] += tp
            total[1] += fp
            total[2] += fn
        return list(pooled.values())

    def layer_names(self) -> list[str]:
        return sorted({layer for _, layer, _, _, _ in self.totals})

    def label_names(self, layer: str) -> list[str]:
        return sorted({label for _, key, label, _, _ in self.totals if key == layer})

    def layer(self, layer: str, match: str) -> dict[str, Any]:
        return _pair_mean(self._per_pair(match, layer))

    def label(self, layer: str, label: str, match: str) -> dict[str, Any]:
        return _pair_mean(self._per_pair(match, layer, label))

    def overall(self, match: str) -> dict[str, Any]:
        """All layers pooled per pair, then averaged over pairs."""
        return _pair_mean(self._per_pair(match))


def _stance_report(ratings: list[dict[str, str]], layer: Layer | None) -> dict[str, Any]:
    """Stance agreement from each document's ratings (annotator -> stance), documents with none left out."""
    labels = [label.value for label in layer.labels.all()] if layer else []
    annotators = sorted({name for rating in ratings for name in rating})
    report: dict[str, Any] = {
        "layer": layer.key if layer else None,
        "labels": labels,
        "n_documents": len(ratings),
        "n_annotators": len(annotators),
        "annotators": annotators,
    }
    matrix = [[rating.get(name) for rating in ratings] for name in annotators]
    pairable = any(len(rating) >= 2 for rating in ratings)
    report["alpha_nominal"] = _value(agreement.krippendorff_alpha(matrix, "nominal")) if pairable else None
    if pairable and all(value in labels for value in STANCE_ORDER):
        ordinal = [[value if value in STANCE_ORDER else None for value in row] for row in matrix]
        report["alpha_ordinal"] = _value(agreement.krippendorff_alpha(ordinal, "ordinal", order=STANCE_ORDER))
    else:
        report["alpha_ordinal"] = None
    report["ordinal_order"] = STANCE_ORDER

    # Fleiss' kappa needs the same number of ratings per document: use the most common number (≥ 2).
    counts = Counter(len(rating) for rating in ratings if len(rating) >= 2)
    fleiss: dict[str, Any] = {"value": None, "n_documents": 0, "ratings_per_document": None}
    if counts:
        per_document = max(counts, key=lambda n: (counts[n], n))
        rows = [list(rating.values()) for rating in ratings if len(rating) == per_document]
        fleiss = {
            "value": _value(agreement.fleiss_kappa(rows)),
            "n_documents": len(rows),
            "ratings_per_document": per_document,
        }
    report["fleiss_kappa"] = fleiss

    pairs = []
    for a, b in combinations(annotators, 2):
        shared = [rating for rating in ratings if a in rating and b in rating]
        if not shared:
            continue
        pairs.append(
            {
                "a": a,
                "b": b,
                "n_documents": len(shared),
                "cohen_kappa": _value(agreement.cohen_kappa([r[a] for r in shared], [r[b] for r in shared])),
                "_shared": shared,
            }
        )
    # The confusion matrix of the pair that shares the most documents (ties: alphabetical).
    confusion: dict[str, Any] = {"a": None, "b": None, "labels": labels, "matrix": None}
    if pairs:
        best = max(pairs, key=lambda pair: pair["n_documents"])
        shared = best["_shared"]
        a, b = best["a"], best["b"]
        known = labels + sorted({r[x] for r in shared for x in (a, b)} - set(labels))
        confusion = {
            "a": a,
            "b": b,
            "labels": known,
            "matrix": agreement.confusion_matrix([r[a] for r in shared], [r[b] for r in shared], known),
        }
    for pair in pairs:
        del pair["_shared"]
    report["pairs"] = pairs
    report["confusion"] = confusion
    return report


@dataclass
class _Counts:
    """What the report needs from a run of documents; runs over consecutive parts add up exactly."""

    span_layers: list[str]
    n_documents: int = 0
    ratings: list[dict[str, str]] = field(default_factory=list)
    rationale: _Accumulator = field(default_factory=_Accumulator)
    spans: _Accumulator = field(default_factory=_Accumulator)
    relations: _Accumulator = field(default_factory=_Accumulator)
    alpha_u: dict[str, list[float]] = field(default_factory=dict)
    taus: dict[str, list[float]] = field(default_factory=lambda: {"exact": [], "overlap": []})

    def __post_init__(self) -> None:
        self.alpha_u = {layer: [] for layer in self.span_layers}

    def add(self, document: DocumentContent) -> None:
        self.n_documents += 1
        rating = {name: c.stance for name, c in document.by_annotator.items() if c.stance is not None}
        if rating:
            self.ratings.append(rating)
        # Pairwise F1 of the spans ticked as the stance's rationale.
        with_stance = {n: c for n, c in document.by_annotator.items() if c.stance is not None}
        for a, b in combinations(sorted(with_stance), 2):
            exact, overlap = agreement.span_counts_grouped(
                with_stance[a].rationale_groups, with_stance[b].rationale_groups
            )
            self.rationale.add((a, b), "exact", exact)
            self.rationale.add((a, b), "overlap", overlap)
        names = sorted(document.by_annotator)
        for a, b in combinations(names, 2):
            first, second = document.by_annotator[a], document.by_annotator[b]
            exact, overlap = agreement.span_counts_grouped(first.span_groups, second.span_groups)
            self.spans.add((a, b), "exact", exact)
            self.spans.add((a, b), "overlap", overlap)
            exact, overlap = agreement.relation_counts_grouped(first.relation_groups, second.relation_groups)
            self.relations.add((a, b), "exact", exact)
            self.relations.add((a, b), "overlap", overlap)
            for match in ("exact", "overlap"):
                self.taus[match].append(agreement.step_order_agreement(first.steps, second.steps, match))
        if len(names) >= 2 and document.length > 0:
            # Units by layer and label straight from the grouped spans; a layer nobody marked is
            # skipped, as its alpha_u is undefined (nan) and would be left out of the mean anyway.
            by_layer: dict[str, dict[str, list[list[tuple[int, int]]]]] = {}
            for rater, name in enumerate(names):
                for (layer, label), keys in document.by_annotator[name].span_groups.items():
                    per_label = by_layer.setdefault(layer, {})
                    if label not in per_label:
                        per_label[label] = [[] for _ in names]
                    per_label[label][rater] = [(start, end) for start, end, _, _ in keys]
            for layer in self.span_layers:
                if layer in by_layer:
                    value = agreement.unitized_alpha_by_category(by_layer[layer], document.length)
                    self.alpha_u[layer].append(value)

    def merge(self, later: "_Counts") -> None:
        """Add the counts of the documents that follow these ones."""
        self.n_documents += later.n_documents
        self.ratings += later.ratings
        self.rationale.merge(later.rationale)
        self.spans.merge(later.spans)
        self.relations.merge(later.relations)
        for layer, values in later.alpha_u.items():
            self.alpha_u[layer] += values
        for match, values in later.taus.items():
            self.taus[match] += values


def _rationale_report(rationale: _Accumulator) -> dict[str, Any]:
    return {match: rationale.overall(match) for match in ("exact", "overlap")}


def _spans_and_relations(counts: _Counts) -> tuple[dict[str, Any], dict[str, Any]]:
    span_layers, spans, relations = counts.span_layers, counts.spans, counts.relations
    alpha_u, taus = counts.alpha_u, counts.taus
    layers_seen = span_layers + [layer for layer in spans.layer_names() if layer not in span_layers]
    span_report: dict[str, Any] = {}
    for layer in layers_seen:
        values = [value for value in alpha_u.get(layer, []) if not math.isnan(value)]
        span_report[layer] = {
            "exact": spans.layer(layer, "exact"),
            "overlap": spans.layer(layer, "overlap"),
            "per_label": {
                label: {
                    "exact": spans.label(layer, label, "exact"),
                    "overlap": spans.label(layer, label, "overlap"),
                }
                for label in spans.label_names(layer)
            },
            "alpha_u": {
                "value": sum(values) / len(values) if values else None,
                "n_documents": len(values),
                "method": ALPHA_U_METHOD,
            },
        }
    relation_report: dict[str, Any] = {
        "exact": relations.overall("exact"),
        "overlap": relations.overall("overlap"),
        "per_label": {
            f"{layer}:{label}": {
                "exact": relations.label(layer, label, "exact"),
                "overlap": relations.label(layer, label, "overlap"),
            }
            for layer in relations.layer_names()
            for label in relations.label_names(layer)
        },
        "step_order": {
            match: {
                "kendall_tau": _mean(taus[match]),
                "n_comparisons": sum(1 for value in taus[match] if not math.isnan(value)),
            }
            for match in ("exact", "overlap")
        }
        | {"method": STEP_METHOD},
    }
    return span_report, relation_report


# Below this many documents, inside a transaction (other processes would not see its rows), on an
# in-memory SQLite database, or in a process with other threads (forking those can deadlock: the
# development server, threaded web workers), agreement runs in this process.
PARALLEL_MIN_DOCUMENTS = 2000
MAX_PROCESSES = 4


def _processes(n_documents: int) -> int:
    if n_documents < PARALLEL_MIN_DOCUMENTS or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if threading.active_count() > 1:
        return 1
    if connection.in_atomic_block or (connection.vendor == "sqlite" and connection.is_in_memory_db()):
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_PROCESSES))


def _counts(project: Project, stance_layer_id: int | None, span_layers: list[str], ids: list[int]) -> _Counts:
    counts = _Counts(span_layers)
    for document in project_documents_content(project, stance_layer_id, ids=ids):
        counts.add(document)
    return counts


def _project_counts(project: Project, stance_layer_id: int | None, span_layers: list[str]) -> _Counts:
    """The counts over every document with submitted work; a large project's parts in parallel."""
    ids = submitted_document_ids(project)
    processes = _processes(len(ids))
    if processes == 1:
        return _counts(project, stance_layer_id, span_layers, ids)
    parts = [ids[len(ids) * i // processes : len(ids) * (i + 1) // processes] for i in range(processes)]
    # Forked children must open their own connections, never share this process's.
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = pool.starmap(_counts, [(project, stance_layer_id, span_layers, part) for part in parts])
    total = results[0]
    for later in results[1:]:
        total.merge(later)
    return total


def project_agreement(project: Project) -> dict[str, Any]:
    """Agreement on stance, spans and relations of the project's submitted annotation sets."""
    layers = project_scheme(project)
    stance_layer = _stance_layer(layers)
    span_layers = [layer.key for layer in layers if layer.kind == Layer.Kind.SPAN]
    counts = _project_counts(project, stance_layer.pk if stance_layer else None, span_layers)
    stance = _stance_report(counts.ratings, stance_layer)
    stance["rationale"] = _rationale_report(counts.rationale)
    spans, relations = _spans_and_relations(counts)
    return {
        "project": project.slug,
        "n_documents": counts.n_documents,
        "stance": stance,
        "spans": spans,
        "relations": relations,
    }
