"""Suggestions in the workspace: dashed, accepted with A, rejected with R, edited, a layer at once."""

import pytest
from django.contrib.auth import get_user_model
from pages import expect_count, log_in

from annotator.models import Label, Membership, Project, Suggestion, SuggestionDecision

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = (
    "Sanctions have failed for decades. Therefore talks are the only way forward.\n"
    "The regime is a gang of thugs, experts at the institute said."
)


def suggest(project, document, layer, label, phrase, version="rules-1"):
    start = TEXT.index(phrase)
    return Suggestion.objects.create(
        project=project,
        document=document,
        label=Label.objects.get(layer__scheme=project.scheme, layer__key=layer, value=label),
        start=start,
        end=start + len(phrase),
        score=0.7,
        suggester=layer,
        suggester_version=version,
        reason="a test rule",
    )


@pytest.fixture
def suggested(live_server, page, annotator_with_document):
    project, user, document = annotator_with_document(TEXT, "Suggested article")
    made = {
        "premise": suggest(project, document, "argument", "premise", "Sanctions have failed for decades"),
        "claim": suggest(project, document, "argument", "claim", "talks are the only way forward"),
        "loaded": suggest(project, document, "rhetoric", "loaded-language", "gang of thugs"),
        "source": suggest(project, document, "source", "source", "experts at the institute"),
    }
    log_in(page, live_server.url, "ana", "ana-secret-pw")
    page.goto(f"{live_server.url}/projects/{project.slug}/documents/{document.pk}/")
    page.wait_for_selector("body[data-ready=true]")
    page.made = made
    page.user = user
    return page


def click_text(page, phrase: str) -> None:
    page.locator(".seg.suggested", has_text=phrase).first.click()


def decisions():
    return sorted((d.label.value, d.decision) for d in SuggestionDecision.objects.select_related("label"))


def test_suggestions_are_dashed_and_distinct_from_the_annotators_spans(suggested):
    page = suggested
    expect_count(page, ".suggestion-item", 4)
    assert page.locator(".seg.suggested").count() >= 4
    style = page.locator(".seg.suggested", has_text="gang of thugs").first.get_attribute("style")
    assert "repeating-linear-gradient" in style and "box-shadow" not in style
    assert page.locator(".span-item").count() == 0


def test_a_accepts_and_r_rejects_the_selected_suggestion(suggested):
    page = suggested
    click_text(page, "talks are the only way forward")
    page.keyboard.press("a")
    page.wait_for_selector(".span-item >> text=talks are the only way forward")
    click_text(page, "gang of thugs")
    page.keyboard.press("r")
    expect_count(page, ".suggestion-item", 2)
    page.wait_for_function("() => document.querySelector('#save-status').textContent.startsWith('Saved')")
    assert decisions() == [("claim", "accepted"), ("loaded-language", "rejected")]
    span = page.locator(".span-item", has_text="talks are the only way forward")
    assert "⚙" in span.text_content()  # marked as from a suggestion


def test_a_label_key_accepts_the_suggestion_with_another_label(suggested):
    page = suggested
    click_text(page, "Sanctions have failed for decades")
    page.keyboard.press("c")  # claim, not the suggested premise
    page.wait_for_selector(".span-item >> text=Sanctions have failed for decades")
    assert "Claim" in page.locator(".span-item").first.text_content()
    page.wait_for_function("() => document.querySelector('#save-status').textContent.startsWith('Saved')")
    assert decisions() == [("premise", "edited")]


def test_accept_all_of_a_layer_takes_every_open_suggestion_in_it(suggested):
    page = suggested
    page.get_by_role("button", name="Accept all Argument (2)").click()
    expect_count(page, ".span-item", 2)
    expect_count(page, ".suggestion-item", 2)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect_count(page, ".span-item", 2)  # stored, and the accepted ones are no longer offered
    expect_count(page, ".suggestion-item", 2)


def test_accepting_is_undone_with_ctrl_z(suggested):
    page = suggested
    click_text(page, "experts at the institute")
    page.keyboard.press("a")
    expect_count(page, ".span-item", 1)
    page.keyboard.press("Control+z")
    expect_count(page, ".span-item", 0)


def test_a_control_annotator_never_sees_suggestions(live_server, page, annotator_with_document):
    project, user, document = annotator_with_document(TEXT, "Suggested article")
    suggest(project, document, "argument", "claim", "talks are the only way forward")
    Membership.objects.filter(user=user).update(is_control=True)
    log_in(page, live_server.url, "ana", "ana-secret-pw")
    page.goto(f"{live_server.url}/projects/{project.slug}/documents/{document.pk}/")
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator(".seg.suggested").count() == 0
    assert page.locator("#suggestion-count").inner_text() == "0"


def test_a_seed_article_opens_with_suggestions_in_every_layer(live_server, page, annotator_with_document):
    from annotator.services.suggestions import suggestions_make

    annotator_with_document("A throwaway text.", "unused")
    project = Project.objects.get(slug="seeds")
    document = project.corpus.documents.order_by("id").first()
    suggestions_make(project=project, documents=[document])
    log_in(page, live_server.url, "ana", "ana-secret-pw")
    page.goto(f"{live_server.url}/projects/{project.slug}/documents/{document.pk}/")
    page.wait_for_selector("body[data-ready=true]")
    layers = set(
        page.eval_on_selector_all(
            ".suggestion-item .chip", "nodes => nodes.map(n => n.textContent.split(':')[0])"
        )
    )
    assert {"argument", "source", "rhetoric"} <= layers
    assert page.locator("#suggested-stance").inner_text().startswith("Suggested:")
    assert get_user_model().objects.filter(username="ana").exists()
