"""Attach imported annotations to documents: as one annotator's work, or as suggestions.

The rule for an annotator's existing work: a document whose set for that annotator already holds
spans, relations or a document label is refused (its record is a problem naming the document),
unless the set already holds nothing the file lacks and is submitted (re-importing the same file
changes nothing), or `replace` is set: then the set's content is replaced by the file's. An
in-progress set with work is never marked submitted behind the annotator's back.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import F
from django.utils import timezone

from annotator.models import (
    AnnotationSet,
    DocumentLabel,
    Label,
    Layer,
    Project,
    Relation,
    Span,
    SuggestedDocumentLabel,
    SuggestedRelation,
    Suggestion,
)
from annotator.services.bulk_rows import rows_insert
from annotator.services.label_mapping import (
    LabelAdder,
    SourceLabel,
    UnknownLabel,
    UnknownLabels,
    label_map_lookup,
)
from corpus.importers.records import DocumentRecord, Problem, RecordError
from corpus.models import Document

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from corpus.services import ImportReport

SUGGESTER = "import"


def _field(item, index: int, collection: str, attribute: str) -> str:
    """`T3.label` for an annotation the file names (brat), else `spans[2].label`."""
    if item.name:
        return f"{item.name}.{attribute}"
    return f"{collection}.{attribute}" if collection == "stance" else f"{collection}[{index}].{attribute}"


@dataclass
class _NewLabel:
    """A document label to insert, with the keys of its rationale spans."""

    set_id: int
    layer_id: int
    label_id: int
    confidence: int | None
    rationale: list[int]


class AnnotationWriter:
    """Check records against the project's scheme, then write them; one writer per import."""

    def __init__(
        self,
        project: Project,
        annotator: "AbstractBaseUser | None",
        as_suggestions: bool,
        *,
        label_map: dict[str, Label] | None = None,
        adder: LabelAdder | None = None,
        replace: bool = False,
    ) -> None:
        self.project = project
        self.annotator = annotator
        self.as_suggestions = as_suggestions
        self.label_map = label_map or {}
        self.adder = adder
        self.replace = replace
        self.unknown = UnknownLabels()
        self.labels: dict[tuple[str, str], Label] = {}
        self.by_value: dict[tuple[str, str], list[Label]] = {}
        self._resolved: dict[SourceLabel, Label] = {}
        for label in Label.objects.select_related("layer").filter(layer__scheme_id=project.scheme_id):
            self._know(label)

    def _know(self, label: Label) -> None:
        self.labels[(label.layer.key, label.value)] = label
        self.by_value.setdefault((label.layer.kind, label.value), []).append(label)

    def _label(
        self, record: DocumentRecord, kind: str, layer: str | None, value: str, field: str, line: int | None
    ) -> Label:
        source = SourceLabel(str(kind), layer, value)
        label = self._resolved.get(source)
        if label is None:
            label = self._resolved[source] = self._find(record, source, field, line)
        return label

    def _find(self, record: DocumentRecord, source: SourceLabel, field: str, line: int | None) -> Label:
        scheme = self.project.scheme.slug
        kind = source.kind
        mapped = label_map_lookup(self.label_map, source)
        if mapped is not None:
            if mapped.layer.kind != kind:
                raise record.problem(
                    field,
                    f"'{source}' is mapped to '{mapped.layer.key}:{mapped.value}', not a {kind} label.",
                    line,
                )
            return mapped
        if source.layer is not None:
            label = self.labels.get((source.layer, source.value))
            if label is not None:
                if label.layer.kind != kind:
                    raise record.problem(
                        field, f"'{source}' is not a {kind} label of scheme '{scheme}'.", line
                    )
                return label
        else:
            candidates = self.by_value.get((kind, source.value), [])
            if len(candidates) == 1:
                return candidates[0]
            if candidates:
                raise record.problem(
                    field,
                    f"'{source}' is ambiguous as a {kind} label of scheme '{scheme}'; give its layer.",
                    line,
                )
        if self.adder is not None:
            try:
                label = self.adder.label_add(source)
            except ValueError as error:
                raise record.problem(field, str(error), line) from error
            self._know(label)
            return label
        problem = Problem(
            record.file,
            line if line is not None else record.line,
            field,
            f"'{source}' is not a {kind} label of scheme '{scheme}'; map it or add it to the scheme.",
        )
        raise UnknownLabel(problem, [source])

    def check(self, record: DocumentRecord) -> None:
        """Raise RecordError if any annotation of the record does not fit the scheme.

        Unknown labels are all counted in `self.unknown` before one UnknownLabel is raised for the record.
        """
        if self.annotator is None and not self.as_suggestions:
            raise record.problem(
                "as_annotator",
                "this record has annotations; say whose they are "
                "(--as-annotator USERNAME) or import them --as-suggestions.",
            )
        unknown: list[UnknownLabel] = []
        # Spans with the same label and offsets are one span, whatever ids the file gives them.
        identity = {}
        for i, span in enumerate(record.spans):
            field = _field(span, i, "spans", "label")
            try:
                key: object = self._label(
                    record, Layer.Kind.SPAN, span.layer, span.label, field, span.line
                ).pk
            except UnknownLabel as error:
                unknown.append(error)
                key = str(error.sources[0])
            identity[span.ref] = (key, span.start, span.end)
        for i, relation in enumerate(record.relations):
            field = _field(relation, i, "relations", "label")
            try:
                self._label(record, Layer.Kind.RELATION, relation.layer, relation.label, field, relation.line)
            except UnknownLabel as error:
                unknown.append(error)
            if identity[relation.head] == identity[relation.tail]:
                raise record.problem(
                    _field(relation, i, "relations", "tail"),
                    "a relation needs two different spans (head and tail have the same label and offsets).",
                    relation.line,
                )
        for i, label in enumerate(record.document_labels):
            field = _field(label, i, "stance", "label")
            try:
                self._label(record, Layer.Kind.DOCUMENT, label.layer, label.label, field, label.line)
            except UnknownLabel as error:
                unknown.append(error)
        if unknown:
            for error in unknown:
                self.unknown.add(error.sources[0], error.problem)
            raise UnknownLabel(unknown[0].problem, [e.sources[0] for e in unknown])

    def _span_label(self, record: DocumentRecord, i: int, span) -> Label:
        return self._label(
            record, Layer.Kind.SPAN, span.layer, span.label, _field(span, i, "spans", "label"), span.line
        )

    def _relation_label(self, record: DocumentRecord, i: int, relation) -> Label:
        field = _field(relation, i, "relations", "label")
        return self._label(record, Layer.Kind.RELATION, relation.layer, relation.label, field, relation.line)

    def _document_label(self, record: DocumentRecord, i: int, label) -> Label:
        field = _field(label, i, "stance", "label")
        return self._label(record, Layer.Kind.DOCUMENT, label.layer, label.label, field, label.line)

    # --- an annotator's existing work ----------------------------------------------------

    def conflicts(
        self, pairs: list[tuple[DocumentRecord, Document]]
    ) -> list[tuple[DocumentRecord, RecordError]]:
        """Each record whose document's set for the annotator has work the file would change, and why."""
        if self.as_suggestions or self.replace or self.annotator is None:
            return []
        by_document = {document.pk: record for record, document in pairs if record.has_annotations}
        sets = list(
            AnnotationSet.objects.filter(
                project=self.project, annotator=self.annotator, document_id__in=list(by_document)
            )
        )
        if not sets:
            return []
        ids = [s.pk for s in sets]
        spans: dict[int, set] = {pk: set() for pk in ids}
        keys: dict[int, tuple] = {}
        for pk, set_id, label_id, start, end in Span.objects.filter(annotation_set_id__in=ids).values_list(
            "pk", "annotation_set_id", "label_id", "start", "end"
        ):
            keys[pk] = (label_id, start, end)
            spans[set_id].add(keys[pk])
        relations: dict[int, set] = {pk: set() for pk in ids}
        for set_id, label_id, head, tail in Relation.objects.filter(annotation_set_id__in=ids).values_list(
            "annotation_set_id", "label_id", "head_id", "tail_id"
        ):
            relations[set_id].add((label_id, keys[head], keys[tail]))
        labels: dict[int, set] = {pk: set() for pk in ids}
        for set_id, label_id in DocumentLabel.objects.filter(annotation_set_id__in=ids).values_list(
            "annotation_set_id", "label_id"
        ):
            labels[set_id].add(label_id)
        errors = []
        for annotation_set in sets:
            pk = annotation_set.pk
            if not (spans[pk] or relations[pk] or labels[pk]):
                continue
            record = by_document[annotation_set.document_id]
            file_spans, file_relations, file_labels = self._keys(record)
            submitted = annotation_set.status == AnnotationSet.Status.SUBMITTED
            if (
                submitted
                and spans[pk] <= file_spans
                and relations[pk] <= file_relations
                and labels[pk] <= file_labels
            ):
                continue
            state = "submitted" if submitted else "in progress"
            errors.append(
                (
                    record,
                    record.problem(
                        "annotations",
                        f"{self.annotator}'s annotation set on document {annotation_set.document_id} "
                        f"({state}) "
                        f"already has work the file would change ({len(spans[pk])} spans, "
                        f"{len(relations[pk])} relations, {len(labels[pk])} document labels); "
                        "replace it (--replace) or import as suggestions.",
                    ),
                )
            )
        return errors

    def _keys(self, record: DocumentRecord) -> tuple[set, set, set]:
        by_ref = {}
        for i, span in enumerate(record.spans):
            by_ref[span.ref] = (self._span_label(record, i, span).pk, span.start, span.end)
        relations = {
            (self._relation_label(record, i, r).pk, by_ref[r.head], by_ref[r.tail])
            for i, r in enumerate(record.relations)
        }
        labels = {self._document_label(record, i, d).pk for i, d in enumerate(record.document_labels)}
        return set(by_ref.values()), relations, labels

    # --- writing -------------------------------------------------------------------------

    def write_batch(self, pairs: list[tuple[DocumentRecord, Document]], report: "ImportReport") -> None:
        """Write the annotations of checked records onto their documents."""
        pairs = [(record, document) for record, document in pairs if record.has_annotations]
        if not pairs:
            return
        if self.as_suggestions:
            for record, document in pairs:
                self._write_suggestions(record, document, report)
        else:
            self._write_annotation_sets(pairs, report)

    def _write_annotation_sets(
        self, pairs: list[tuple[DocumentRecord, Document]], report: "ImportReport"
    ) -> None:
        documents = {document.pk for _, document in pairs}
        mine = AnnotationSet.objects.filter(
            project=self.project, annotator=self.annotator, kind=AnnotationSet.Kind.ANNOTATION
        ).order_by()
        sets = dict(mine.filter(document_id__in=documents).values_list("document_id", "pk"))
        if self.replace and sets:
            ids = list(sets.values())
            Span.objects.filter(annotation_set_id__in=ids).delete()
            DocumentLabel.objects.filter(annotation_set_id__in=ids).delete()
        now = timezone.now()
        old_ids = list(sets.values())
        fresh = [pk for pk in documents if pk not in sets]
        report.annotation_sets += rows_insert(
            AnnotationSet,
            ["project", "document", "annotator", "status", "submitted_at"],
            [(self.project.pk, pk, self.annotator.pk, AnnotationSet.Status.SUBMITTED, now) for pk in fresh],
        )
        if fresh:
            sets.update(mine.filter(document_id__in=fresh).values_list("document_id", "pk"))

        # Re-importing the same file must not duplicate anything: reuse identical rows.
        # A span is known by (set, label, start, end); `span_ids` gives each its key once written.
        span_ids: dict[tuple, int | None] = {}
        relation_keys: set[tuple] = set()
        label_rows: dict[tuple, DocumentLabel | _NewLabel] = {}
        if old_ids:
            for pk, *key in Span.objects.filter(annotation_set_id__in=old_ids).values_list(
                "pk", "annotation_set_id", "label_id", "start", "end"
            ):
                span_ids[tuple(key)] = pk
            relation_keys = set(
                Relation.objects.filter(annotation_set_id__in=old_ids).values_list(
                    "annotation_set_id", "label_id", "head_id", "tail_id"
                )
            )
            label_rows = {
                (d.annotation_set_id, d.layer_id): d
                for d in DocumentLabel.objects.filter(annotation_set_id__in=old_ids)
            }

        new_spans: list[tuple] = []
        refs: list[dict] = []
        for record, document in pairs:
            set_id = sets[document.pk]
            by_ref: dict = {}
            for i, span in enumerate(record.spans):
                label = self._span_label(record, i, span)
                key = (set_id, label.pk, span.start, span.end)
                if key not in span_ids:
                    span_ids[key] = None
                    new_spans.append((*key, span.step, span.attributes, Span.Origin.IMPORT, span.score))
                by_ref[span.ref] = key
            refs.append(by_ref)
        report.spans += rows_insert(
            Span,
            ["annotation_set", "label", "start", "end", "step", "attributes", "origin", "score"],
            new_spans,
        )
        if new_spans and any(record.relations or record.document_labels for record, _ in pairs):
            # Relations and rationale point at spans by key: read back those just written.
            written = sorted({row[0] for row in new_spans})
            for pk, *key in Span.objects.filter(annotation_set_id__in=written).values_list(
                "pk", "annotation_set_id", "label_id", "start", "end"
            ):
                span_ids[tuple(key)] = pk

        relations = []
        for (record, document), by_ref in zip(pairs, refs, strict=True):
            set_id = sets[document.pk]
            for i, relation in enumerate(record.relations):
                label = self._relation_label(record, i, relation)
                key = (set_id, label.pk, span_ids[by_ref[relation.head]], span_ids[by_ref[relation.tail]])
                if key in relation_keys:
                    continue
                relation_keys.add(key)
                relations.append(key)
            for i, document_label in enumerate(record.document_labels):
                label = self._document_label(record, i, document_label)
                rationale = [span_ids[by_ref[ref]] for ref in document_label.rationale]
                row = label_rows.get((set_id, label.layer_id))
                if isinstance(row, _NewLabel):  # a second record for the same text
                    row.confidence = document_label.confidence
                elif row is not None:  # the same label (conflicts() refused any other)
                    row.label = label
                    row.confidence = document_label.confidence
                    row.save(update_fields=["label", "confidence", "updated_at"])
                    row.rationale.set(rationale)
                else:
                    label_rows[(set_id, label.layer_id)] = _NewLabel(
                        set_id, label.layer_id, label.pk, document_label.confidence, rationale
                    )
                report.document_labels += 1
        report.relations += rows_insert(Relation, ["annotation_set", "label", "head", "tail"], relations)
        new_labels = [row for row in label_rows.values() if isinstance(row, _NewLabel)]
        rows_insert(
            DocumentLabel,
            ["annotation_set", "layer", "label", "confidence"],
            [(row.set_id, row.layer_id, row.label_id, row.confidence) for row in new_labels],
        )
        if any(row.rationale for row in new_labels):
            written = DocumentLabel.objects.filter(annotation_set_id__in={row.set_id for row in new_labels})
            label_ids = {
                (set_id, layer_id): pk
                for pk, set_id, layer_id in written.order_by().values_list(
                    "pk", "annotation_set_id", "layer_id"
                )
            }
            rows_insert(
                DocumentLabel.rationale.through,
                ["documentlabel", "span"],
                [
                    (label_ids[(row.set_id, row.layer_id)], span)
                    for row in new_labels
                    for span in dict.fromkeys(row.rationale)
                ],
            )
        if old_ids:
            # An imported file is finished work, so it counts towards gold like a submission.
            AnnotationSet.objects.filter(pk__in=old_ids).update(
                status=AnnotationSet.Status.SUBMITTED, submitted_at=now, version=F("version") + 1
            )

    def _write_suggestions(self, record: DocumentRecord, document: Document, report: "ImportReport") -> None:
        mine = {"project": self.project, "document": document, "suggester": SUGGESTER}
        reason = f"imported from {record.file}"[:300]
        existing = {(s.label_id, s.start, s.end): s for s in Suggestion.objects.filter(**mine)}
        by_ref: dict = {}
        fresh = []
        for i, span in enumerate(record.spans):
            label = self._span_label(record, i, span)
            key = (label.pk, span.start, span.end)
            if key not in existing:
                existing[key] = Suggestion(
                    label=label, start=span.start, end=span.end, score=span.score, reason=reason, **mine
                )
                fresh.append(existing[key])
            by_ref[span.ref] = existing[key]
        Suggestion.objects.bulk_create(fresh)
        report.suggestions += len(fresh)

        if record.relations:
            known = set(
                SuggestedRelation.objects.filter(**mine).values_list("label_id", "head_id", "tail_id")
            )
            relations = []
            for i, relation in enumerate(record.relations):
                label = self._relation_label(record, i, relation)
                head, tail = by_ref[relation.head], by_ref[relation.tail]
                if (label.pk, head.pk, tail.pk) in known:
                    continue
                known.add((label.pk, head.pk, tail.pk))
                relations.append(SuggestedRelation(head=head, tail=tail, label=label, reason=reason, **mine))
            SuggestedRelation.objects.bulk_create(relations)
            report.suggested_relations += len(relations)

        if record.document_labels:
            known = set(SuggestedDocumentLabel.objects.filter(**mine).values_list("layer_id", "label_id"))
            labels = []
            for i, document_label in enumerate(record.document_labels):
                label = self._document_label(record, i, document_label)
                if (label.layer_id, label.pk) in known:
                    continue
                known.add((label.layer_id, label.pk))
                confidence = document_label.confidence
                labels.append(
                    SuggestedDocumentLabel(
                        layer_id=label.layer_id,
                        label=label,
                        score=confidence / 5 if confidence else None,
                        reason=reason,
                        # The rationale spans stand in for the sentences that drove the label.
                        sentences=[[by_ref[r].start, by_ref[r].end] for r in document_label.rationale],
                        **mine,
                    )
                )
            SuggestedDocumentLabel.objects.bulk_create(labels)
            report.suggested_document_labels += len(labels)
