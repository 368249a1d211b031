"""Attach imported annotations to documents: as one annotator's work, or as suggestions."""

from typing import TYPE_CHECKING

from django.utils import timezone

from annotator.models import AnnotationSet, DocumentLabel, Label, Layer, Project, Relation, Span, Suggestion
from corpus.importers.records import DocumentRecord
from corpus.models import Document

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from corpus.services import ImportReport


class AnnotationWriter:
    """Check records against the project's scheme, then write them; one writer per import."""

    def __init__(self, project: Project, annotator: "AbstractBaseUser | None", as_suggestions: bool) -> None:
        self.project = project
        self.annotator = annotator
        self.as_suggestions = as_suggestions
        self.suggester = "import"
        self.labels: dict[tuple[str, str], Label] = {}
        self.by_value: dict[tuple[str, str], list[Label]] = {}
        for label in Label.objects.select_related("layer").filter(layer__scheme_id=project.scheme_id):
            self.labels[(label.layer.key, label.value)] = label
            self.by_value.setdefault((label.layer.kind, label.value), []).append(label)

    def _label(self, record: DocumentRecord, kind: str, layer: str | None, value: str, field: str) -> Label:
        if layer is not None:
            label = self.labels.get((layer, value))
            if label is None or label.layer.kind != kind:
                raise record.problem(
                    field, f"'{layer}:{value}' is not a {kind} label of scheme '{self.project.scheme.slug}'."
                )
            return label
        candidates = self.by_value.get((kind, value), [])
        if len(candidates) != 1:
            reason = "is not" if not candidates else "is ambiguous as"
            raise record.problem(
                field,
                f"'{value}' {reason} a {kind} label of scheme '{self.project.scheme.slug}'; give its layer.",
            )
        return candidates[0]

    def check(self, record: DocumentRecord) -> None:
        """Raise RecordError if any annotation of the record does not fit the scheme."""
        if self.annotator is None and not self.as_suggestions:
            raise record.problem(
                None,
                "this record has annotations; say whose they are "
                "(--as-annotator USERNAME) or import them --as-suggestions.",
            )
        # Spans with the same label and offsets are one span, whatever ids the file gives them.
        identity = {}
        for i, span in enumerate(record.spans):
            label = self._label(record, Layer.Kind.SPAN, span.layer, span.label, f"spans[{i}].label")
            identity[span.ref] = (label.pk, span.start, span.end)
        for i, relation in enumerate(record.relations):
            self._label(record, Layer.Kind.RELATION, relation.layer, relation.label, f"relations[{i}].label")
            if identity[relation.head] == identity[relation.tail]:
                raise record.problem(
                    f"relations[{i}].tail",
                    "a relation needs two different spans (head and tail have the same label and offsets).",
                )
        for label in record.document_labels:
            self._label(record, Layer.Kind.DOCUMENT, label.layer, label.label, "stance.label")

    def write(self, record: DocumentRecord, document: Document, report: "ImportReport") -> None:
        if self.as_suggestions:
            self._write_suggestions(record, document, report)
        else:
            self._write_annotation_set(record, document, report)

    def _write_suggestions(self, record: DocumentRecord, document: Document, report: "ImportReport") -> None:
        existing = set(
            Suggestion.objects.filter(
                project=self.project, document=document, suggester=self.suggester
            ).values_list("label_id", "start", "end")
        )
        fresh = []
        for span in record.spans:
            label = self._label(record, Layer.Kind.SPAN, span.layer, span.label, "spans")
            if (label.pk, span.start, span.end) in existing:
                continue
            existing.add((label.pk, span.start, span.end))
            fresh.append(
                Suggestion(
                    project=self.project,
                    document=document,
                    label=label,
                    start=span.start,
                    end=span.end,
                    score=span.score,
                    suggester=self.suggester,
                    reason=f"imported from {record.file}",
                )
            )
        Suggestion.objects.bulk_create(fresh)
        report.suggestions += len(fresh)

    def _write_annotation_set(
        self, record: DocumentRecord, document: Document, report: "ImportReport"
    ) -> None:
        annotation_set, created = AnnotationSet.objects.get_or_create(
            project=self.project, document=document, annotator=self.annotator
        )
        report.annotation_sets += int(created)
        # Re-importing the same file must not duplicate anything: reuse identical rows.
        spans_by_key = {
            (s.label_id, s.start, s.end): s for s in Span.objects.filter(annotation_set=annotation_set)
        }
        by_ref: dict = {}
        fresh: list[tuple[object, Span]] = []
        for span in record.spans:
            label = self._label(record, Layer.Kind.SPAN, span.layer, span.label, "spans")
            key = (label.pk, span.start, span.end)
            if key in spans_by_key:
                by_ref[span.ref] = spans_by_key[key]
                continue
            row = Span(
                annotation_set=annotation_set,
                label=label,
                start=span.start,
                end=span.end,
                step=span.step,
                attributes=span.attributes,
                origin=Span.Origin.IMPORT,
                score=span.score,
            )
            spans_by_key[key] = row
            by_ref[span.ref] = row
            fresh.append((span.ref, row))
        Span.objects.bulk_create([row for _, row in fresh])
        report.spans += len(fresh)

        existing_relations = set(
            Relation.objects.filter(annotation_set=annotation_set).values_list(
                "label_id", "head_id", "tail_id"
            )
        )
        relations = []
        for relation in record.relations:
            label = self._label(record, Layer.Kind.RELATION, relation.layer, relation.label, "relations")
            key = (label.pk, by_ref[relation.head].pk, by_ref[relation.tail].pk)
            if key in existing_relations:
                continue
            existing_relations.add(key)
            relations.append(
                Relation(
                    annotation_set=annotation_set,
                    label=label,
                    head=by_ref[relation.head],
                    tail=by_ref[relation.tail],
                )
            )
        Relation.objects.bulk_create(relations)
        report.relations += len(relations)

        for document_label in record.document_labels:
            label = self._label(
                record, Layer.Kind.DOCUMENT, document_label.layer, document_label.label, "stance"
            )
            row, _ = DocumentLabel.objects.update_or_create(
                annotation_set=annotation_set,
                layer=label.layer,
                defaults={"label": label, "confidence": document_label.confidence},
            )
            row.rationale.set([by_ref[ref] for ref in document_label.rationale])
            report.document_labels += 1

        # An imported file is finished work, so it counts towards gold like a submission.
        AnnotationSet.objects.filter(pk=annotation_set.pk).update(
            status=AnnotationSet.Status.SUBMITTED,
            submitted_at=timezone.now(),
            version=annotation_set.version + 1,
        )
