"""Label schemes, projects, membership and the annotations people make."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from corpus.models import Corpus, Document


def new_revision() -> int:
    """A fresh `LabelScheme.revision`."""
    return secrets.randbits(62)


class LabelScheme(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    description = models.TextField(blank=True)
    # A new random value whenever one of its layers or labels is saved or deleted (annotator/labels.py).
    # Web processes remember the scheme's labels under (id, revision); random rather than counted, so
    # a scheme made later with a deleted one's id (SQLite reuses ids) never matches what was kept.
    revision = models.PositiveBigIntegerField(default=new_revision, editable=False)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Layer(models.Model):
    """A group of labels of one kind: spans, relations between spans, or a document label."""

    class Kind(models.TextChoices):
        SPAN = "span", "Span"
        RELATION = "relation", "Relation"
        DOCUMENT = "document", "Document"

    scheme = models.ForeignKey(LabelScheme, on_delete=models.CASCADE, related_name="layers")
    key = models.SlugField()
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    description = models.TextField(blank=True)
    target = models.CharField(
        max_length=300, blank=True, help_text="What a stance is toward (document layers)."
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["scheme", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["scheme", "key"], name="layer_unique_key_per_scheme")]

    def __str__(self) -> str:
        return f"{self.scheme.slug}:{self.key}"


class Label(models.Model):
    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="labels")
    value = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    definition = models.TextField(blank=True)
    shortcut = models.CharField(max_length=1, blank=True)
    color = models.CharField(max_length=7, default="#888888")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["layer", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["layer", "value"], name="label_unique_value_per_layer")
        ]

    def __str__(self) -> str:
        return f"{self.layer.key}:{self.value}"


class Project(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    corpus = models.ForeignKey(Corpus, on_delete=models.PROTECT, related_name="projects")
    scheme = models.ForeignKey(LabelScheme, on_delete=models.PROTECT, related_name="projects")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="projects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Assignment(models.TextChoices):
        OPEN = "open", "Open: every annotator sees every document"
        QUEUE = "queue", "Queue: the next document that still needs annotators"
        MANUAL = "manual", "Manual: a manager assigns documents"

    blind_annotation = models.BooleanField(
        default=True, help_text="Annotators never see other annotators' work."
    )
    annotators_per_document = models.PositiveSmallIntegerField(
        default=1, help_text="Overlap: how many annotators work on each document (queue mode)."
    )
    assignment = models.CharField(max_length=10, choices=Assignment.choices, default=Assignment.OPEN)
    merge_threshold = models.FloatField(
        default=1.0,
        help_text="Share of submitted annotators who must agree for curation to merge an item (1 = all).",
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name or self.slug


class Membership(models.Model):
    class Role(models.TextChoices):
        ANNOTATOR = "annotator", "Annotator"
        CURATOR = "curator", "Curator"
        MANAGER = "manager", "Project manager"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.ANNOTATOR)
    is_control = models.BooleanField(
        default=False, help_text="A control annotator never sees suggestions (to measure their pull)."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="membership_unique_user")]

    def __str__(self) -> str:
        return f"{self.user} in {self.project.slug} ({self.role})"


class AnnotationSet(models.Model):
    """One annotator's work on one document of a project; `version` guards against stale writes."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"
        SKIPPED = "skipped", "Skipped"

    class Kind(models.TextChoices):
        ANNOTATION = "annotation", "Annotation"
        GOLD = "gold", "Gold (curated)"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="annotation_sets")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="annotation_sets")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotation_sets"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ANNOTATION)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_annotation_sets",
        help_text="Who assigned the document (empty: the annotator opened it themselves).",
    )
    skip_reason = models.CharField(max_length=500, blank=True)
    time_spent_seconds = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["project", "document", "annotator"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "document", "annotator", "kind"], name="annotationset_unique_per_user"
            ),
            models.UniqueConstraint(
                fields=["project", "document"],
                condition=Q(kind="gold"),
                name="annotationset_one_gold_per_document",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.annotator} on {self.document_id} ({self.project.slug})"


class Span(models.Model):
    """A labelled stretch of text: code-point offsets, end-exclusive, over `Document.text`."""

    class Origin(models.TextChoices):
        MANUAL = "manual", "Manual"
        SUGGESTION = "suggestion", "Accepted suggestion"
        IMPORT = "import", "Imported"

    annotation_set = models.ForeignKey(AnnotationSet, on_delete=models.CASCADE, related_name="spans")
    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="spans")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    step = models.PositiveIntegerField(
        null=True, blank=True, help_text="Position of an argument component in a chain."
    )
    attributes = models.JSONField(default=dict, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.MANUAL)
    score = models.FloatField(null=True, blank=True)
    provenance = models.JSONField(
        default=dict, blank=True, help_text="Gold only: who had it, its origin, who curated it, when."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["annotation_set", "start", "end", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="span_start_before_end"),
        ]
        # The duplicate check of every span create (same set, label and offsets) is one probe of
        # this index, whatever statistics the database planned the check with.
        indexes = [
            models.Index(fields=["annotation_set", "label", "start", "end"], name="span_same_label_and_text")
        ]

    def __str__(self) -> str:
        return f"{self.label} [{self.start}, {self.end})"


class Relation(models.Model):
    annotation_set = models.ForeignKey(AnnotationSet, on_delete=models.CASCADE, related_name="relations")
    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="relations")
    head = models.ForeignKey(Span, on_delete=models.CASCADE, related_name="outgoing")
    tail = models.ForeignKey(Span, on_delete=models.CASCADE, related_name="incoming")
    provenance = models.JSONField(
        default=dict, blank=True, help_text="Gold only: who had it, its origin, who curated it, when."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["annotation_set", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(head=F("tail")), name="relation_not_reflexive"),
            models.UniqueConstraint(
                fields=["annotation_set", "label", "head", "tail"], name="relation_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.head_id} -{self.label.value}-> {self.tail_id}"


class DocumentLabel(models.Model):
    """A document-level judgement such as stance, with confidence and rationale spans."""

    annotation_set = models.ForeignKey(
        AnnotationSet, on_delete=models.CASCADE, related_name="document_labels"
    )
    layer = models.ForeignKey(Layer, on_delete=models.PROTECT, related_name="document_labels")
    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="document_labels")
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    rationale = models.ManyToManyField(Span, blank=True, related_name="rationale_for")
    provenance = models.JSONField(
        default=dict, blank=True, help_text="Gold only: who had it, its origin, who curated it, when."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["annotation_set", "layer"], name="documentlabel_one_per_layer"),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=1, confidence__lte=5),
                name="documentlabel_confidence_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.confidence})"


class Suggestion(models.Model):
    """A machine- or import-proposed span that annotators accept or reject."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="suggestions")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="suggestions")
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="suggestions")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    score = models.FloatField(null=True, blank=True)
    suggester = models.CharField(max_length=100)
    suggester_version = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "document", "start", "end"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="suggestion_start_before_end"),
        ]

    def __str__(self) -> str:
        return f"{self.suggester}: {self.label} [{self.start}, {self.end})"


class SuggestionRun(models.Model):
    """One suggester version run over one document of a project; a done run is not repeated."""

    class Status(models.TextChoices):
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="suggestion_runs")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="suggestion_runs")
    suggester = models.CharField(max_length=100)
    suggester_version = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "document", "suggester"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "document", "suggester", "suggester_version"],
                name="suggestionrun_unique_per_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.suggester} {self.suggester_version} on {self.document_id}: {self.status}"


class SuggestedRelation(models.Model):
    """A machine-proposed relation between two suggestions."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="suggested_relations")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="suggested_relations")
    head = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="outgoing")
    tail = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="incoming")
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="suggested_relations")
    suggester = models.CharField(max_length=100)
    suggester_version = models.CharField(max_length=100, blank=True)
    score = models.FloatField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "document", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(head=F("tail")), name="suggestedrelation_not_reflexive"),
        ]

    def __str__(self) -> str:
        return f"{self.suggester}: {self.head_id} -{self.label.value}-> {self.tail_id}"


class SuggestedDocumentLabel(models.Model):
    """A machine-proposed document label (stance) with the sentences that drove it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="suggested_document_labels")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="suggested_document_labels")
    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="suggested_document_labels")
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="suggested_document_labels")
    score = models.FloatField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    sentences = models.JSONField(default=list, blank=True, help_text="[start, end] offsets of sentences.")
    suggester = models.CharField(max_length=100)
    suggester_version = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "document", "layer"]

    def __str__(self) -> str:
        return f"{self.suggester}: {self.label}"


class Comment(models.Model):
    """An annotator's note or flag on a span or on the whole document (span is null)."""

    class Flag(models.TextChoices):
        NONE = "", "Comment"
        UNSURE = "unsure", "Unsure"
        BAD_DOCUMENT = "bad-document", "Bad document"
        DISCUSS = "discuss", "Needs discussion"

    annotation_set = models.ForeignKey(AnnotationSet, on_delete=models.CASCADE, related_name="comments")
    span = models.ForeignKey(Span, on_delete=models.CASCADE, null=True, blank=True, related_name="comments")
    flag = models.CharField(max_length=20, choices=Flag.choices, blank=True, default=Flag.NONE)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["annotation_set", "id"]

    def __str__(self) -> str:
        return f"{self.flag or 'comment'} on {self.span_id or 'document'}"


class SuggestionDecision(models.Model):
    """Who accepted or rejected which suggestion, when, from which suggester version."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        EDITED = "edited", "Edited then accepted"
        REJECTED = "rejected", "Rejected"

    annotation_set = models.ForeignKey(
        AnnotationSet, on_delete=models.CASCADE, related_name="suggestion_decisions"
    )
    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    # Copied from the suggestion so statistics survive a re-run that replaces it.
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="suggestion_decisions")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    suggester = models.CharField(max_length=100)
    suggester_version = models.CharField(max_length=100, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    span = models.ForeignKey(
        Span, on_delete=models.SET_NULL, null=True, blank=True, related_name="suggestion_decisions"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="suggestion_decisions"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["annotation_set", "decided_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["annotation_set", "suggestion"], name="suggestiondecision_one_per_set"
            )
        ]

    def __str__(self) -> str:
        return f"{self.decision} {self.suggester}:{self.label_id} [{self.start}, {self.end})"


class TrainedModel(models.Model):
    """A spaCy pipeline trained on a project's gold, versioned, used once it beats the rules."""

    class Kind(models.TextChoices):
        TEXTCAT = "textcat", "Stance classifier (textcat)"
        SPANCAT = "spancat", "Span categorizer (spancat)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        TRAINING = "training", "Training"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="trained_models")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    path = models.CharField(max_length=500, blank=True)
    metrics = models.JSONField(default=dict, blank=True, help_text="Scores on the held-out gold.")
    baseline_metrics = models.JSONField(default=dict, blank=True, help_text="The rules on the same gold.")
    is_active = models.BooleanField(default=False, help_text="Used as a suggester (it beat the rules).")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "version"], name="trainedmodel_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.project.slug} {self.kind} v{self.version} ({self.status})"


class GoldChange(models.Model):
    """One change to a gold annotation set, written by the curation services (the gold's history)."""

    annotation_set = models.ForeignKey(AnnotationSet, on_delete=models.CASCADE, related_name="gold_changes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gold_changes")
    action = models.CharField(max_length=20)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["annotation_set", "at", "id"]

    def __str__(self) -> str:
        return f"{self.action} by {self.user_id} on gold {self.annotation_set_id}"


class AuditEvent(models.Model):
    """One change to annotations or gold: who, when, what it was before and after. Written, never edited."""

    # No database constraints on these keys (Django still cascades and nulls them on delete): each
    # one made every write lock the project, document and user rows it names, rows that all of a
    # project's annotators share, for the sake of a log that is only ever appended to.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="audit_events", db_constraint=False
    )
    annotation_set = models.ForeignKey(
        AnnotationSet,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
        db_constraint=False,
    )
    document = models.ForeignKey(
        Document, on_delete=models.SET_NULL, null=True, related_name="audit_events", db_constraint=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="audit_events",
        db_constraint=False,
    )
    action = models.CharField(max_length=50)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id} on set {self.annotation_set_id}"
