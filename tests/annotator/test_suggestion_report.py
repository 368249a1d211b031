"""The suggestion report: quality against gold, acceptance, and the pull of suggestions on people."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from factories import (
    AnnotationSetFactory,
    DocumentFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    label_of,
)

from annotator.models import (
    AnnotationSet,
    DocumentLabel,
    Membership,
    Span,
    SuggestedDocumentLabel,
    Suggestion,
    SuggestionDecision,
    SuggestionRun,
)
from annotator.services.suggestion_report import suggestion_report

pytestmark = pytest.mark.django_db

TEXT = "Sanctions have failed. Talks are the only way out. Kim fears the worst."
E, S = "pro-engagement", "pro-sanctions"


def at(piece: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(piece)
    return start, start + len(piece)


def submitted(project, document, username, spans=(), stance=None, control=False):
    """A submitted annotation set of `username`: (layer, label, piece) spans and a stance."""
    user = UserFactory(username=username)
    Membership.objects.update_or_create(project=project, user=user, defaults={"is_control": control})
    annotation_set = AnnotationSetFactory(
        project=project, document=document, annotator=user, status=AnnotationSet.Status.SUBMITTED
    )
    for layer, label, piece in spans:
        start, end = at(piece, document.text)
        Span.objects.create(
            annotation_set=annotation_set, label=label_of(project, layer, label), start=start, end=end
        )
    if stance is not None:
        label = label_of(project, "stance", stance)
        DocumentLabel.objects.create(annotation_set=annotation_set, layer=label.layer, label=label)
    return annotation_set


def suggest(project, document, suggester, layer, label, piece):
    start, end = at(piece, document.text)
    return Suggestion.objects.create(
        project=project,
        document=document,
        label=label_of(project, layer, label),
        start=start,
        end=end,
        suggester=suggester,
        suggester_version="1",
    )


def suggest_stance(project, document, value, suggester="rules-stance"):
    label = label_of(project, "stance", value)
    SuggestedDocumentLabel.objects.create(
        project=project, document=document, layer=label.layer, label=label, suggester=suggester
    )


def decide(annotation_set, suggestion, decision):
    SuggestionDecision.objects.create(
        annotation_set=annotation_set,
        suggestion=suggestion,
        label=suggestion.label,
        start=suggestion.start,
        end=suggestion.end,
        suggester=suggestion.suggester,
        decision=decision,
        decided_by=annotation_set.annotator,
    )


def row(report, suggester, layer, label):
    return next(r for r in report.rows if (r.suggester, r.layer, r.label) == (suggester, layer, label))


@pytest.fixture
def scored_project(db):
    """Gold on two documents; rules-x went through the first only, rules-stance through both.

    On the first, gold has a claim, a premise and a loaded word. rules-x proposes the claim exactly,
    half of the premise, a claim and a loaded word where gold has none. A third document has two
    annotators' work, so no gold: its suggestions count as suggestions but not against gold.
    """
    project = ProjectFactory()
    first = DocumentFactory(corpus=project.corpus, text=TEXT)
    second = DocumentFactory(corpus=project.corpus, text="Kim fears talks. " + TEXT)
    disputed = DocumentFactory(corpus=project.corpus, text="Disputed. " + TEXT)
    gold = [
        ("argument", "claim", "Talks are the only way out"),
        ("argument", "premise", "Sanctions have failed"),
        ("rhetoric", "loaded-language", "fears"),
    ]
    gina = submitted(project, first, "gina", gold, stance=E)
    submitted(project, second, "gina", [("argument", "claim", "Talks are the only way out")], stance=E)
    submitted(project, disputed, "gina", stance=E)
    submitted(project, disputed, "hugo", stance=S)
    claim = suggest(project, first, "rules-x", "argument", "claim", "Talks are the only way out")
    wrong_claim = suggest(project, first, "rules-x", "argument", "claim", "Kim fears the worst")
    premise = suggest(project, first, "rules-x", "argument", "premise", "Sanctions have")
    suggest(project, first, "rules-x", "rhetoric", "loaded-language", "worst")
    suggest(project, disputed, "rules-x", "argument", "claim", "Talks are the only way out")
    SuggestionRun.objects.create(
        project=project, document=first, suggester="rules-x", suggester_version="1", status="done"
    )
    suggest_stance(project, first, E)
    suggest_stance(project, second, S)
    decide(gina, claim, SuggestionDecision.Decision.ACCEPTED)
    decide(gina, wrong_claim, SuggestionDecision.Decision.REJECTED)
    decide(gina, premise, SuggestionDecision.Decision.EDITED)
    return project


def test_precision_recall_and_f1_per_suggester_and_label_match_the_hand_count(scored_project):
    report = suggestion_report(scored_project)
    assert report.gold_documents == 2

    claim = row(report, "rules-x", "argument", "claim")
    # Two claims proposed on gold (one right), one gold claim; the disputed document is not scored.
    assert claim.suggestions == 3 and claim.gold_documents == 1
    assert (claim.exact.tp, claim.exact.fp, claim.exact.fn) == (1, 1, 0)
    assert (claim.exact.precision, claim.exact.recall) == (0.5, 1.0)
    assert claim.exact.f1 == pytest.approx(2 / 3)
    assert claim.overlap == claim.exact

    premise = row(report, "rules-x", "argument", "premise")
    assert (premise.exact.precision, premise.exact.recall, premise.exact.f1) == (0.0, 0.0, 0.0)
    assert (premise.overlap.precision, premise.overlap.recall, premise.overlap.f1) == (1.0, 1.0, 1.0)

    loaded = row(report, "rules-x", "rhetoric", "loaded-language")
    assert (loaded.overlap.tp, loaded.overlap.fp, loaded.overlap.fn) == (0, 1, 1)

    (total,) = report.totals
    assert (total.suggester, total.suggestions) == ("rules-x", 5)
    assert (total.exact.tp, total.exact.fp, total.exact.fn) == (1, 3, 2)
    assert total.exact.f1 == pytest.approx(2 / 7)
    assert (total.overlap.tp, total.overlap.fp, total.overlap.fn) == (2, 2, 1)
    assert total.overlap.f1 == pytest.approx(4 / 7)


def test_stance_guesses_are_scored_per_value_on_every_gold_document_they_cover(scored_project):
    report = suggestion_report(scored_project)
    engagement = row(report, "rules-stance", "stance", E)
    sanctions = row(report, "rules-stance", "stance", S)
    assert engagement.kind == "document" and engagement.gold_documents == 2
    assert (engagement.exact.precision, engagement.exact.recall) == (1.0, 0.5)
    assert (sanctions.exact.precision, sanctions.exact.recall, sanctions.exact.f1) == (0.0, None, 0.0)


def test_acceptance_rate_counts_accepted_and_edited_among_decided(scored_project):
    report = suggestion_report(scored_project)
    claim = row(report, "rules-x", "argument", "claim")
    assert (claim.decided, claim.accepted, claim.rejected, claim.acceptance_rate) == (2, 1, 1, 0.5)
    premise = row(report, "rules-x", "argument", "premise")
    assert (premise.edited, premise.acceptance_rate) == (1, 1.0)
    assert row(report, "rules-x", "rhetoric", "loaded-language").acceptance_rate is None
    assert report.totals[0].acceptance_rate == pytest.approx(2 / 3)


@pytest.fixture
def biased_project(db):
    """Two annotators who see suggestions follow them; a control annotator does not."""
    project = ProjectFactory()
    document = DocumentFactory(corpus=project.corpus, text=TEXT)
    suggest(project, document, "rules-x", "argument", "claim", "Talks are the only way out")
    suggest(project, document, "rules-x", "rhetoric", "loaded-language", "fears")
    suggest_stance(project, document, E)
    claim = ("argument", "claim", "Talks are the only way out")
    premise = ("argument", "premise", "Sanctions have failed")
    submitted(project, document, "sam", [claim, ("rhetoric", "loaded-language", "fears")], stance=E)
    submitted(project, document, "sue", [claim, premise], stance=E)
    submitted(
        project,
        document,
        "cory",
        [("argument", "claim", "Talks are the only way"), premise],
        stance=S,
        control=True,
    )
    MembershipFactory(
        project=project, user=UserFactory(username="cleo"), is_control=True
    )  # submitted nothing
    return project


def test_annotators_with_suggestions_are_compared_with_controls(biased_project):
    report = suggestion_report(biased_project)
    assert report.gold_documents == 0  # three submissions: no gold yet
    seeing, control = report.groups
    assert (seeing.group, seeing.annotators, seeing.spans) == ("suggestions", ["sam", "sue"], 4)
    assert (control.group, control.annotators, control.spans) == ("control", ["cory"], 2)

    assert seeing.spans_matching_suggestions_exact == 0.75
    assert seeing.spans_matching_suggestions_overlap == 0.75
    assert control.spans_matching_suggestions_exact == 0.0
    assert control.spans_matching_suggestions_overlap == 0.5
    assert (seeing.stances_matching_suggestion, control.stances_matching_suggestion) == (1.0, 0.0)

    assert [(s.label, s.count, s.share) for s in seeing.labels] == [
        ("claim", 2, 0.5),
        ("premise", 1, 0.25),
        ("loaded-language", 1, 0.25),
    ]
    assert [(s.label, s.share) for s in control.stances] == [(S, 1.0)]
    # The machine proposed a claim and a loaded word, half each.
    assert seeing.label_distance_to_suggestions == 0.25
    assert control.label_distance_to_suggestions == 0.5
    assert (seeing.stance_distance_to_suggestions, control.stance_distance_to_suggestions) == (0.0, 1.0)


def test_agreement_within_each_group(biased_project):
    seeing, control = suggestion_report(biased_project).groups
    # sam and sue share the claim; sam's loaded word and sue's premise are theirs alone: F1 = 2/4.
    assert (seeing.agreement.pairs, seeing.agreement.span_f1_exact, seeing.agreement.span_f1_overlap) == (
        1,
        0.5,
        0.5,
    )
    assert seeing.agreement.stance_alpha is None  # both chose the same stance: no variation to measure
    assert (control.agreement.pairs, control.agreement.span_f1_exact) == (0, None)


def test_shares_of_the_machine_and_both_groups_side_by_side(biased_project):
    shares = suggestion_report(biased_project).shares
    table = {(s.kind, s.label): (s.suggestions, s.with_suggestions, s.control) for s in shares}
    assert table[("span", "claim")] == (0.5, 0.5, 0.5)
    assert table[("span", "premise")] == (None, 0.25, 0.5)
    assert table[("stance", E)] == (1.0, 1.0, None)
    assert [s.kind for s in shares] == ["span"] * 3 + ["stance"] * 2


# --- The command ------------------------------------------------------------------------------------


def run(*args):
    out = StringIO()
    call_command("suggestion_report", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_quality_acceptance_and_the_group_comparison(scored_project):
    out = run(scored_project.slug)
    assert f"Suggestions in project '{scored_project.slug}': 2 documents with gold." in out
    claim_line = next(line for line in out.splitlines() if "rules-x" in line and " claim " in line)
    assert "0.500" in claim_line and "0.667" in claim_line
    assert "all span labels pooled" in out and "(all)" in out
    assert "Does the machine bias people?" in out
    assert "with suggestions" in out and "control" in out


def test_the_command_prints_json_with_stable_keys(scored_project):
    data = json.loads(run(scored_project.slug, "--json"))
    assert set(data) == {"project", "gold_documents", "rows", "totals", "machine", "groups", "shares"}
    claim = next(r for r in data["rows"] if (r["suggester"], r["label"]) == ("rules-x", "claim"))
    assert set(claim) == {
        "suggester",
        "kind",
        "layer",
        "label",
        "suggestions",
        "gold_documents",
        "exact",
        "overlap",
        "decided",
        "accepted",
        "edited",
        "rejected",
        "acceptance_rate",
    }
    assert claim["exact"] == {
        "precision": 0.5,
        "recall": 1.0,
        "f1": pytest.approx(2 / 3),
        "tp": 1,
        "fp": 1,
        "fn": 0,
    }
    assert [g["group"] for g in data["groups"]] == ["suggestions", "control"]
    assert set(data["groups"][0]["agreement"]) == {
        "pairs",
        "span_f1_exact",
        "span_f1_overlap",
        "stance_alpha",
        "stance_documents",
    }


def test_the_command_refuses_an_unknown_project(db):
    with pytest.raises(CommandError, match="No project 'nope'"):
        run("nope")


def test_a_project_without_suggestions_reports_nothing_undefined_as_zero(db):
    project = ProjectFactory()
    report = suggestion_report(project)
    assert (report.rows, report.totals, report.shares) == ([], [], [])
    assert report.groups[0].spans_matching_suggestions_exact is None
    assert "no suggestions yet" in run(project.slug)


# --- The page ---------------------------------------------------------------------------------------


def page(client, user, project):
    client.force_login(user)
    return client.get(f"/projects/{project.slug}/suggestions/report/")


def test_a_manager_sees_the_report_with_bar_charts(client, scored_project):
    manager = MembershipFactory(
        project=scored_project, user=UserFactory(username="maria"), role=Membership.Role.MANAGER
    ).user
    response = page(client, manager, scored_project)
    assert response.status_code == 200
    html = response.content.decode()
    assert "rules-x" in html and "claim" in html and "<svg" in html
    assert "with suggestions" in html


def test_staff_see_the_report_of_any_project(client, scored_project):
    staff = UserFactory(username="stella", is_staff=True)
    assert page(client, staff, scored_project).status_code == 200


def test_annotators_and_outsiders_get_404(client, scored_project):
    annotator = Membership.objects.get(project=scored_project, user__username="gina").user
    assert page(client, annotator, scored_project).status_code == 404
    assert page(client, UserFactory(username="olaf"), scored_project).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, scored_project):
    response = client.get(f"/projects/{scored_project.slug}/suggestions/report/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
