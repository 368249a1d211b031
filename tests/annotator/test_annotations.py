"""The annotation write services: every write is checked, versioned and refused when stale."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from factories import EMOJI_TEXT, AnnotationSetFactory, ProjectFactory, SchemeFactory, SpanFactory

from annotator.models import AnnotationSet, DocumentLabel, Relation, Span
from annotator.services import annotations as services
from annotator.services.errors import StaleVersion

pytestmark = pytest.mark.django_db

TALKS = EMOJI_TEXT.index("Talks")  # 26, counted in code points after the emoji


def refused_field(call, **kwargs) -> str:
    """Run a service call that must be refused; return the single field it names."""
    with pytest.raises(ValidationError) as error:
        call(**kwargs)
    fields = list(error.value.error_dict)
    assert len(fields) == 1, fields
    return fields[0]


def add_span(annotation_set, label="claim", start=TALKS, end=TALKS + 5, layer=None, **extra):
    annotation_set.refresh_from_db()
    return services.span_create(
        annotation_set=annotation_set,
        version=annotation_set.version,
        layer=layer,
        label=label,
        start=start,
        end=end,
        **extra,
    )


def current_version(annotation_set) -> int:
    return AnnotationSet.objects.get(pk=annotation_set.pk).version


# --- spans --------------------------------------------------------------------------------


def test_a_span_after_an_emoji_covers_the_intended_text(annotation_set):
    span = add_span(annotation_set, start=TALKS, end=TALKS + 5)
    assert EMOJI_TEXT[span.start : span.end] == "Talks"


def test_a_successful_write_moves_the_version_on_by_one(annotation_set):
    assert annotation_set.version == 1
    add_span(annotation_set)
    assert current_version(annotation_set) == 2


def test_a_span_is_written_with_its_label_step_and_attributes(annotation_set):
    span = add_span(
        annotation_set, label="premise", layer="argument", step=2, attributes={"note": "key reason"}
    )
    span.refresh_from_db()
    assert (span.label.layer.key, span.label.value) == ("argument", "premise")
    assert span.step == 2
    assert span.attributes == {"note": "key reason"}
    assert span.origin == Span.Origin.MANUAL


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (-1, 5, "start"),
        (0, len(EMOJI_TEXT) + 1, "end"),
        (5, 5, "end"),
        (6, 2, "end"),
        ("0", 5, "start"),
        (0, None, "end"),
        (0, 10**30, "end"),
    ],
)
def test_offsets_outside_the_text_or_reversed_are_refused(annotation_set, start, end, field):
    assert refused_field(add_span, annotation_set=annotation_set, start=start, end=end) == field


def test_a_span_ending_exactly_at_the_end_of_the_text_is_accepted(annotation_set):
    span = add_span(annotation_set, start=0, end=len(EMOJI_TEXT))
    assert span.end == len(EMOJI_TEXT)


def test_a_refused_write_leaves_the_version_and_the_spans_alone(annotation_set):
    refused_field(add_span, annotation_set=annotation_set, start=0, end=999)
    assert current_version(annotation_set) == 1
    assert not Span.objects.filter(annotation_set=annotation_set).exists()


def test_a_label_must_belong_to_the_named_layer(annotation_set):
    field = refused_field(add_span, annotation_set=annotation_set, label="loaded-language", layer="argument")
    assert field == "label"


def test_an_unknown_layer_is_refused(annotation_set):
    assert refused_field(add_span, annotation_set=annotation_set, layer="sarcasm") == "layer"


def test_a_document_layer_cannot_label_a_span(annotation_set):
    field = refused_field(add_span, annotation_set=annotation_set, label="pro-engagement", layer="stance")
    assert field == "layer"


def test_a_relation_label_cannot_label_a_span(annotation_set):
    assert refused_field(add_span, annotation_set=annotation_set, label="supports") == "label"


def test_a_label_of_another_projects_scheme_is_refused(annotation_set):
    SchemeFactory(layers=[{"key": "argument", "kind": "span", "labels": ["fallacy"]}])
    assert refused_field(add_span, annotation_set=annotation_set, label="fallacy") == "label"


@pytest.mark.parametrize("label", ["", None, 5])
def test_a_span_needs_a_label(annotation_set, label):
    assert refused_field(add_span, annotation_set=annotation_set, label=label) == "label"


def test_a_label_in_two_span_layers_needs_its_layer_named():
    scheme = SchemeFactory(
        layers=[
            {"key": "argument", "kind": "span", "labels": ["claim"]},
            {"key": "source", "kind": "span", "labels": ["claim"]},
        ]
    )
    annotation_set = AnnotationSetFactory(project=ProjectFactory(scheme=scheme))
    assert refused_field(add_span, annotation_set=annotation_set, start=0, end=3) == "layer"
    span = add_span(annotation_set, start=0, end=3, layer="source")
    assert span.label.layer.key == "source"


def test_spans_may_overlap_in_the_same_layer(annotation_set):
    add_span(annotation_set, label="claim", start=2, end=20)
    add_span(annotation_set, label="premise", start=10, end=30)
    assert Span.objects.filter(annotation_set=annotation_set).count() == 2


def test_spans_may_overlap_across_layers(annotation_set):
    add_span(annotation_set, label="claim", start=2, end=20)
    add_span(annotation_set, label="loaded-language", layer="rhetoric", start=2, end=20)
    assert Span.objects.filter(annotation_set=annotation_set).count() == 2


def test_the_same_label_twice_on_exactly_the_same_text_is_refused(annotation_set):
    add_span(annotation_set)
    assert refused_field(add_span, annotation_set=annotation_set) == "label"


@pytest.mark.parametrize("step", [0, -1, "2", 1.5, True, 10**30])
def test_a_step_must_be_a_whole_number_from_one(annotation_set, step):
    assert refused_field(add_span, annotation_set=annotation_set, step=step) == "step"


@pytest.mark.parametrize("attributes", [[1, 2], "note", 3])
def test_attributes_must_be_an_object(annotation_set, attributes):
    field = refused_field(add_span, annotation_set=annotation_set, attributes=attributes)
    assert field == "attributes"


def test_a_write_based_on_an_old_version_is_refused_with_the_current_version(annotation_set):
    add_span(annotation_set, start=2, end=5)
    with pytest.raises(StaleVersion) as error:
        services.span_create(
            annotation_set=annotation_set, version=1, layer=None, label="claim", start=6, end=9
        )
    assert (error.value.expected, error.value.current) == (1, 2)
    assert Span.objects.filter(annotation_set=annotation_set).count() == 1


def test_of_two_writers_on_the_same_version_only_the_first_wins(annotation_set):
    mine = AnnotationSet.objects.get(pk=annotation_set.pk)
    theirs = AnnotationSet.objects.get(pk=annotation_set.pk)
    services.span_create(annotation_set=mine, version=1, layer=None, label="claim", start=2, end=5)
    with pytest.raises(StaleVersion):
        services.span_create(annotation_set=theirs, version=1, layer=None, label="premise", start=6, end=9)


@pytest.mark.parametrize("version", [None, "1", True, 1.0, -1, 10**30])
def test_a_write_must_name_its_version_as_a_whole_number(annotation_set, version):
    field = refused_field(
        services.span_create,
        annotation_set=annotation_set,
        version=version,
        layer=None,
        label="claim",
        start=2,
        end=5,
    )
    assert field == "version"


def test_a_span_can_be_moved_and_relabelled(annotation_set):
    span = add_span(annotation_set)
    services.span_update(
        span=span,
        version=2,
        changes={
            "start": 0,
            "end": 1,
            "layer": "rhetoric",
            "label": "exaggeration",
            "step": 3,
        },
    )
    span.refresh_from_db()
    assert (span.start, span.end, span.step) == (0, 1, 3)
    assert (span.label.layer.key, span.label.value) == ("rhetoric", "exaggeration")
    assert EMOJI_TEXT[span.start : span.end] == "🙂"
    assert current_version(annotation_set) == 3


def test_moving_a_span_out_of_the_text_is_refused_and_changes_nothing(annotation_set):
    span = add_span(annotation_set)
    assert refused_field(services.span_update, span=span, version=2, changes={"end": 10_000}) == "end"
    span.refresh_from_db()
    assert (span.start, span.end) == (TALKS, TALKS + 5)
    assert current_version(annotation_set) == 2


def test_moving_a_spans_start_past_its_end_is_refused(annotation_set):
    span = add_span(annotation_set)
    assert refused_field(services.span_update, span=span, version=2, changes={"start": TALKS + 5}) == "end"


def test_relabelling_into_a_label_outside_the_layer_is_refused(annotation_set):
    span = add_span(annotation_set)
    field = refused_field(services.span_update, span=span, version=2, changes={"label": "supports"})
    assert field == "label"


def test_deleting_a_span_removes_its_relations_and_rationale_use(annotation_set):
    claim = add_span(annotation_set, start=2, end=20)
    premise = add_span(annotation_set, label="premise", start=21, end=40)
    services.relation_create(
        annotation_set=annotation_set, version=3, label="supports", head=premise.pk, tail=claim.pk
    )
    services.document_label_set(
        annotation_set=annotation_set, version=4, label="pro-engagement", rationale=[claim.pk, premise.pk]
    )
    services.span_delete(span=premise, version=5)
    assert not Relation.objects.filter(annotation_set=annotation_set).exists()
    stance = DocumentLabel.objects.get(annotation_set=annotation_set)
    assert list(stance.rationale.values_list("pk", flat=True)) == [claim.pk]
    assert current_version(annotation_set) == 6


def test_span_delete_knows_every_reference_to_a_span():
    """span_delete runs plain statements; a new foreign key to Span must be added to them too."""
    effects = {models.CASCADE: "cascade", models.SET_NULL: "set null"}
    found = {
        (model._meta.object_name, field.name): effects.get(field.remote_field.on_delete, "other")
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is Span
    }
    assert found == services.SPAN_DELETE_EFFECTS


def test_deleting_a_span_sets_suggestion_decisions_about_it_to_none(annotation_set):
    from annotator.models import Suggestion, SuggestionDecision

    span = add_span(annotation_set, start=2, end=20)
    suggestion = Suggestion.objects.create(
        project=annotation_set.project,
        document=annotation_set.document,
        label=span.label,
        start=2,
        end=20,
        suggester="rules",
    )
    decision = SuggestionDecision.objects.create(
        annotation_set=annotation_set,
        suggestion=suggestion,
        label=span.label,
        start=2,
        end=20,
        suggester="rules",
        decision=SuggestionDecision.Decision.ACCEPTED,
        span=span,
        decided_by=annotation_set.annotator,
    )
    services.span_delete(span=span, version=current_version(annotation_set))
    decision.refresh_from_db()
    assert decision.span is None


# --- relations ----------------------------------------------------------------------------


@pytest.fixture
def two_spans(annotation_set):
    claim = add_span(annotation_set, start=2, end=20)
    premise = add_span(annotation_set, label="premise", start=21, end=40)
    annotation_set.refresh_from_db()
    return claim, premise


def add_relation(annotation_set, head, tail, label="supports", layer=None):
    annotation_set.refresh_from_db()
    return services.relation_create(
        annotation_set=annotation_set,
        version=annotation_set.version,
        label=label,
        head=head,
        tail=tail,
        layer=layer,
    )


def test_a_relation_links_two_spans_of_the_set(annotation_set, two_spans):
    claim, premise = two_spans
    relation = add_relation(annotation_set, premise.pk, claim.pk)
    assert (relation.head, relation.tail, relation.label.value) == (premise, claim, "supports")
    assert current_version(annotation_set) == 4


def test_a_relation_to_a_span_of_another_annotators_set_is_refused_naming_tail(annotation_set, two_spans):
    claim, _ = two_spans
    other = AnnotationSetFactory(project=annotation_set.project, document=annotation_set.document)
    foreign = SpanFactory(annotation_set=other, start=2, end=5)
    assert (
        refused_field(add_relation, annotation_set=annotation_set, head=claim.pk, tail=foreign.pk) == "tail"
    )


def test_a_relation_from_a_span_of_another_document_is_refused_naming_head(annotation_set, two_spans):
    claim, _ = two_spans
    other = AnnotationSetFactory(project=annotation_set.project, annotator=annotation_set.annotator)
    foreign = SpanFactory(annotation_set=other, start=2, end=5)
    assert (
        refused_field(add_relation, annotation_set=annotation_set, head=foreign.pk, tail=claim.pk) == "head"
    )


def test_a_relation_to_a_span_that_does_not_exist_is_refused(annotation_set, two_spans):
    claim, premise = two_spans
    missing = max(claim.pk, premise.pk) + 1000
    assert refused_field(add_relation, annotation_set=annotation_set, head=claim.pk, tail=missing) == "tail"


@pytest.mark.parametrize("head", ["1", None, 1.0, True, [1], 0, -1, 10**30])
def test_relation_ends_must_be_span_ids(annotation_set, two_spans, head):
    _, premise = two_spans
    assert refused_field(add_relation, annotation_set=annotation_set, head=head, tail=premise.pk) == "head"


def test_a_span_cannot_relate_to_itself(annotation_set, two_spans):
    claim, _ = two_spans
    assert refused_field(add_relation, annotation_set=annotation_set, head=claim.pk, tail=claim.pk) == "tail"


def test_the_same_relation_twice_is_refused(annotation_set, two_spans):
    claim, premise = two_spans
    add_relation(annotation_set, premise.pk, claim.pk)
    assert (
        refused_field(add_relation, annotation_set=annotation_set, head=premise.pk, tail=claim.pk) == "label"
    )


def test_a_span_label_cannot_label_a_relation(annotation_set, two_spans):
    claim, premise = two_spans
    assert (
        refused_field(
            add_relation, annotation_set=annotation_set, head=premise.pk, tail=claim.pk, label="claim"
        )
        == "label"
    )


def test_a_relation_can_be_deleted(annotation_set, two_spans):
    claim, premise = two_spans
    relation = add_relation(annotation_set, premise.pk, claim.pk)
    services.relation_delete(relation=relation, version=4)
    assert not Relation.objects.filter(annotation_set=annotation_set).exists()
    assert current_version(annotation_set) == 5


# --- stance -------------------------------------------------------------------------------


def set_stance(annotation_set, label="pro-engagement", **extra):
    annotation_set.refresh_from_db()
    return services.document_label_set(
        annotation_set=annotation_set, version=annotation_set.version, label=label, **extra
    )


def test_a_stance_is_set_with_confidence_and_rationale(annotation_set, two_spans):
    claim, premise = two_spans
    stance = set_stance(annotation_set, confidence=4, rationale=[claim.pk, premise.pk], layer="stance")
    assert (stance.layer.key, stance.label.value, stance.confidence) == ("stance", "pro-engagement", 4)
    assert set(stance.rationale.values_list("pk", flat=True)) == {claim.pk, premise.pk}


def test_setting_the_stance_again_replaces_it(annotation_set):
    set_stance(annotation_set, confidence=2)
    set_stance(annotation_set, label="pro-sanctions", confidence=5)
    stance = DocumentLabel.objects.get(annotation_set=annotation_set)
    assert (stance.label.value, stance.confidence) == ("pro-sanctions", 5)
    assert current_version(annotation_set) == 3


@pytest.mark.parametrize("confidence", [0, 6, -1, "3", 2.5, True, 10**30])
def test_confidence_must_be_from_one_to_five(annotation_set, confidence):
    assert refused_field(set_stance, annotation_set=annotation_set, confidence=confidence) == "confidence"


@pytest.mark.parametrize("confidence", [1, 5, None])
def test_confidence_from_one_to_five_or_none_is_accepted(annotation_set, confidence):
    assert set_stance(annotation_set, confidence=confidence).confidence == confidence


def test_a_rationale_span_of_another_set_is_refused(annotation_set, two_spans):
    claim, _ = two_spans
    other = AnnotationSetFactory(project=annotation_set.project, document=annotation_set.document)
    foreign = SpanFactory(annotation_set=other, start=2, end=5)
    assert (
        refused_field(set_stance, annotation_set=annotation_set, rationale=[claim.pk, foreign.pk])
        == "rationale"
    )


@pytest.mark.parametrize("rationale", ["1,2", 3, {"a": 1}, ["x"], [10**30]])
def test_a_rationale_must_be_a_list_of_span_ids(annotation_set, rationale):
    assert refused_field(set_stance, annotation_set=annotation_set, rationale=rationale) == "rationale"


@pytest.mark.parametrize("label", ["claim", "favourable"])
def test_a_stance_value_must_be_a_stance_label(annotation_set, label):
    assert refused_field(set_stance, annotation_set=annotation_set, label=label) == "label"


def test_a_stance_cannot_be_set_on_a_span_layer(annotation_set):
    assert (
        refused_field(set_stance, annotation_set=annotation_set, label="claim", layer="argument") == "layer"
    )


def test_a_stance_can_be_cleared(annotation_set):
    set_stance(annotation_set)
    services.document_label_clear(annotation_set=annotation_set, version=2, layer="stance")
    assert not DocumentLabel.objects.filter(annotation_set=annotation_set).exists()
    assert current_version(annotation_set) == 3


# --- submission ---------------------------------------------------------------------------


def submit(annotation_set):
    annotation_set.refresh_from_db()
    return services.annotation_set_submit(annotation_set=annotation_set, version=annotation_set.version)


def test_submitting_marks_the_set_submitted(annotation_set):
    submit(annotation_set)
    annotation_set.refresh_from_db()
    assert annotation_set.status == AnnotationSet.Status.SUBMITTED
    assert annotation_set.submitted_at is not None
    assert annotation_set.version == 2


def test_a_submitted_set_refuses_new_spans(annotation_set):
    submit(annotation_set)
    assert refused_field(add_span, annotation_set=annotation_set) == "status"


def test_a_submitted_set_refuses_every_kind_of_write(annotation_set, two_spans):
    claim, premise = two_spans
    submit(annotation_set)
    annotation_set.refresh_from_db()
    version = annotation_set.version
    claim.annotation_set = annotation_set
    for call, kwargs in [
        (services.span_update, {"span": claim, "changes": {"step": 1}}),
        (services.span_delete, {"span": claim}),
        (
            services.relation_create,
            {"annotation_set": annotation_set, "label": "supports", "head": premise.pk, "tail": claim.pk},
        ),
        (services.document_label_set, {"annotation_set": annotation_set, "label": "pro-sanctions"}),
        (services.document_label_clear, {"annotation_set": annotation_set, "layer": "stance"}),
        (services.annotation_set_submit, {"annotation_set": annotation_set}),
    ]:
        assert refused_field(call, version=version, **kwargs) == "status", call.__name__
    assert current_version(annotation_set) == version


def test_a_reopened_set_accepts_writes_again(annotation_set):
    submit(annotation_set)
    services.annotation_set_reopen(annotation_set=annotation_set, version=2)
    annotation_set.refresh_from_db()
    assert annotation_set.status == AnnotationSet.Status.IN_PROGRESS
    assert annotation_set.submitted_at is None
    add_span(annotation_set)
    assert current_version(annotation_set) == 4


def test_only_a_submitted_set_can_be_reopened(annotation_set):
    assert refused_field(services.annotation_set_reopen, annotation_set=annotation_set, version=1) == "status"


def test_starting_work_twice_returns_the_same_set(annotation_set):
    again = services.annotation_set_get_or_create(
        project=annotation_set.project,
        document=annotation_set.document,
        user=annotation_set.annotator,
    )
    assert again.pk == annotation_set.pk


def test_each_annotator_gets_their_own_set_for_a_document(annotation_set):
    other = services.annotation_set_get_or_create(
        project=annotation_set.project,
        document=annotation_set.document,
        user=AnnotationSetFactory(project=annotation_set.project).annotator,
    )
    assert other.pk != annotation_set.pk
    assert other.document == annotation_set.document
