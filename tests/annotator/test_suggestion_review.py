"""Annotators accept, edit or reject suggestions; decisions are recorded; controls see none."""

import pytest
from django.core.exceptions import ValidationError
from factories import EMOJI_TEXT, MembershipFactory, UserFactory, label_of

from annotator.models import Membership, Span, Suggestion, SuggestionDecision
from annotator.services.errors import NotAllowed
from annotator.services.suggestion_review import (
    open_suggestions,
    suggestion_accept,
    suggestion_reject,
    suggestions_accept_layer,
)

pytestmark = pytest.mark.django_db

TALKS = EMOJI_TEXT.index("Talks are the only way out")
SANCTIONS = EMOJI_TEXT.index("Sanctions have failed")


def suggest(annotation_set, layer, label, start, end, score=0.8):
    return Suggestion.objects.create(
        project=annotation_set.project,
        document=annotation_set.document,
        label=label_of(annotation_set.project, layer, label),
        start=start,
        end=end,
        score=score,
        suggester="argument",
        suggester_version="argument-1",
        reason="marker 'so'",
    )


@pytest.fixture
def claim(annotation_set):
    return suggest(annotation_set, "argument", "claim", TALKS, TALKS + 26)


def test_accepting_makes_a_span_from_the_suggestion_and_records_who_and_which_version(
    annotation_set, annotator, claim
):
    span, decision = suggestion_accept(annotation_set=annotation_set, version=1, suggestion=claim.pk)
    assert (span.start, span.end, span.label.value, span.origin, span.score) == (
        TALKS,
        TALKS + 26,
        "claim",
        Span.Origin.SUGGESTION,
        0.8,
    )
    assert (decision.decision, decision.decided_by, decision.suggester_version, decision.span) == (
        "accepted",
        annotator,
        "argument-1",
        span,
    )
    assert annotation_set.version == 2


def test_an_edited_acceptance_keeps_the_annotators_label_and_extent(annotation_set, claim):
    span, decision = suggestion_accept(
        annotation_set=annotation_set, version=1, suggestion=claim.pk, label="premise", end=TALKS + 5
    )
    assert (span.label.value, span.end, decision.decision) == ("premise", TALKS + 5, "edited")
    assert (decision.label.value, decision.end) == ("claim", TALKS + 26)  # what the machine said


def test_rejecting_records_the_decision_and_makes_no_span(annotation_set, claim):
    decision = suggestion_reject(annotation_set=annotation_set, version=1, suggestion=claim.pk)
    assert decision.decision == "rejected"
    assert not Span.objects.exists()
    assert list(open_suggestions(annotation_set)) == []


def test_a_suggestion_is_decided_once(annotation_set, claim):
    suggestion_reject(annotation_set=annotation_set, version=1, suggestion=claim.pk)
    with pytest.raises(ValidationError, match="already been decided"):
        suggestion_accept(annotation_set=annotation_set, version=2, suggestion=claim.pk)
    assert SuggestionDecision.objects.count() == 1


def test_accept_all_of_a_layer_takes_only_that_layers_open_suggestions(annotation_set, claim):
    premise = suggest(annotation_set, "argument", "premise", SANCTIONS, SANCTIONS + 21)
    loaded = suggest(annotation_set, "rhetoric", "loaded-language", SANCTIONS, SANCTIONS + 9)
    suggestion_reject(annotation_set=annotation_set, version=1, suggestion=premise.pk)
    accepted = suggestions_accept_layer(annotation_set=annotation_set, version=2, layer="argument")
    assert [span.label.value for span, _ in accepted] == ["claim"]
    assert list(open_suggestions(annotation_set)) == [loaded]
    assert annotation_set.version == 3


def test_accepting_a_suggestion_the_annotator_already_marked_reuses_the_span(annotation_set, claim):
    existing = Span.objects.create(
        annotation_set=annotation_set, label=claim.label, start=claim.start, end=claim.end
    )
    span, _ = suggestion_accept(annotation_set=annotation_set, version=1, suggestion=claim.pk)
    assert span == existing and Span.objects.count() == 1


def test_a_control_annotator_sees_no_suggestions_and_cannot_decide_them(annotation_set, claim):
    Membership.objects.filter(user=annotation_set.annotator).update(is_control=True)
    assert list(open_suggestions(annotation_set)) == []
    with pytest.raises(NotAllowed):
        suggestion_accept(annotation_set=annotation_set, version=1, suggestion=claim.pk)


def test_each_annotator_decides_for_themselves(annotation_set, project, claim):
    from factories import AnnotationSetFactory

    other = MembershipFactory(project=project, user=UserFactory(username="bob")).user
    other_set = AnnotationSetFactory(project=project, annotator=other, document=annotation_set.document)
    suggestion_reject(annotation_set=annotation_set, version=1, suggestion=claim.pk)
    assert list(open_suggestions(other_set)) == [claim]


# --- over HTTP ------------------------------------------------------------------------------


def url(annotation_set, tail):
    return f"/api/annotation-sets/{annotation_set.pk}/suggestions/{tail}"


def test_the_workspace_payload_lists_open_suggestions(client_for, annotator, annotation_set, claim):
    body = client_for(annotator).get(f"/api/annotation-sets/{annotation_set.pk}/").json()
    assert [(s["id"], s["label"], s["text"], s["suggester_version"]) for s in body["suggestions"]] == [
        (claim.pk, "claim", "Talks are the only way out", "argument-1")
    ]


def test_opening_a_document_over_http_shows_suggestions_to_annotators_but_not_to_controls(
    client_for, annotator, annotation_set, claim
):
    project, document = annotation_set.project.slug, annotation_set.document_id
    opened = f"/api/projects/{project}/documents/{document}/annotation-set/"
    assert [s["id"] for s in client_for(annotator).get(opened).json()["suggestions"]] == [claim.pk]
    Membership.objects.filter(user=annotator).update(is_control=True)
    body = client_for(annotator).get(opened).json()
    assert (body["suggestions"], body["suggested_stance"]) == ([], None)


def test_accept_over_http_returns_the_span_and_the_new_version(client_for, annotator, annotation_set, claim):
    response = client_for(annotator).post(
        url(annotation_set, f"{claim.pk}/accept/"), {"version": 1}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["version"], body["span"]["origin"], body["decision"]) == (2, "suggestion", "accepted")


def test_a_stale_accept_is_a_409_and_records_nothing(client_for, annotator, annotation_set, claim):
    response = client_for(annotator).post(
        url(annotation_set, f"{claim.pk}/reject/"), {"version": 7}, format="json"
    )
    assert response.status_code == 409
    assert not SuggestionDecision.objects.exists()


def test_accept_layer_over_http(client_for, annotator, annotation_set, claim):
    response = client_for(annotator).post(
        url(annotation_set, "accept-layer/"), {"version": 1, "layer": "argument"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["suggestions"] == [claim.pk]


def test_an_unknown_layer_is_a_400_naming_it(client_for, annotator, annotation_set):
    response = client_for(annotator).post(
        url(annotation_set, "accept-layer/"), {"version": 1, "layer": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "'nope' is not a span layer" in response.json()["layer"][0]


def test_a_suggestion_of_another_document_is_not_found(client_for, annotator, annotation_set, project):
    from factories import AnnotationSetFactory

    elsewhere = AnnotationSetFactory(project=project, annotator=annotator)
    foreign = suggest(elsewhere, "argument", "claim", 0, 5)
    response = client_for(annotator).post(
        url(annotation_set, f"{foreign.pk}/accept/"), {"version": 1}, format="json"
    )
    assert response.status_code == 404
