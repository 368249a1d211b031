"""The workspace as an annotator uses it all day: keyboard, undo, relations, the argument map."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from pages import drag_select, expect_count, link, log_in

from annotator.models import AnnotationSet, Membership, Project
from annotator.services.seeds import seeds_load
from corpus.models import Document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = (
    "Sanctions have failed for decades. Therefore talks are the only way forward, "
    "because pressure only hardens the regime.\n"
    "Critics say engagement rewards bad behaviour."
)
OUTPUT = Path(settings.BASE_DIR) / "test-output"


@pytest.fixture
def workspace(live_server, page, annotator_with_document):
    project, user, document = annotator_with_document(TEXT, "Workspace test")
    log_in(page, live_server.url, "ana", "ana-secret-pw")
    page.goto(f"{live_server.url}/projects/{project.slug}/documents/{document.pk}/")
    page.wait_for_selector("body[data-ready=true]")

    def stored() -> list[tuple[str, str]]:
        annotation_set = AnnotationSet.objects.get(project=project, document=document, annotator=user)
        return sorted((s.label.value, TEXT[s.start : s.end]) for s in annotation_set.spans.all())

    page.stored = stored
    return page


def wait_saved(page) -> None:
    page.wait_for_function("() => document.querySelector('#save-status').textContent.startsWith('Saved')")


def test_a_span_is_made_with_the_keyboard_alone(workspace):
    page = workspace
    page.focus("#document-text-view")
    page.keyboard.press("ArrowRight")  # the first word
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('#pending-selection q')?.textContent === 'Sanctions have failed'"
    )
    page.keyboard.press("p")
    expect_count(page, ".span-item", 1)
    assert workspace.stored() == [("premise", "Sanctions have failed")]


def test_the_selected_span_is_extended_relabelled_and_deleted_by_keyboard(workspace):
    page = workspace
    drag_select(page, "Sanctions have failed")
    page.keyboard.press("p")
    expect_count(page, ".span-item", 1)
    page.keyboard.press("Shift+ArrowRight")  # the span was just made, so it is selected
    page.wait_for_selector(".span-item >> text=Sanctions have failed for")
    page.keyboard.press("c")
    page.wait_for_selector(".span-item >> text=argument: Claim")
    wait_saved(page)
    assert workspace.stored() == [("claim", "Sanctions have failed for")]
    page.keyboard.press("Delete")
    expect_count(page, ".span-item", 0)
    wait_saved(page)
    assert workspace.stored() == []


def test_undo_and_redo_take_back_and_repeat_every_action(workspace):
    page = workspace
    drag_select(page, "talks are the only way forward")
    page.keyboard.press("c")
    drag_select(page, "Sanctions have failed for decades")
    page.keyboard.press("p")
    expect_count(page, ".span-item", 2)
    link(page, "Premise", "Claim")
    expect_count(page, ".relation-item", 1)

    # Delete the premise (its relation goes with it), then undo: both come back.
    page.get_by_role("button", name="Delete span", exact=False).nth(0).click()
    expect_count(page, ".span-item", 1)
    expect_count(page, ".relation-item", 0)
    page.keyboard.press("Control+z")
    expect_count(page, ".span-item", 2)
    expect_count(page, ".relation-item", 1)
    page.keyboard.press("Control+Shift+z")
    expect_count(page, ".relation-item", 0)
    page.keyboard.press("Control+z")
    expect_count(page, ".relation-item", 1)
    wait_saved(page)
    assert workspace.stored() == [
        ("claim", "talks are the only way forward"),
        ("premise", "Sanctions have failed for decades"),
    ]


def test_relations_are_drawn_over_the_text_and_a_click_highlights_both_ends(workspace):
    page = workspace
    drag_select(page, "talks are the only way forward")
    page.keyboard.press("c")
    drag_select(page, "pressure only hardens the regime")
    page.keyboard.press("p")
    expect_count(page, ".span-item", 2)
    link(page, "Premise", "Claim")
    expect_count(page, "#relation-arcs path.arc-supports", 1)
    page.get_by_role("button", name="Highlight relation", exact=False).click()
    expect_count(page, ".seg.selected", 2)
    assert sorted(page.locator(".seg.selected").all_inner_texts()) == [
        "pressure only hardens the regime",
        "talks are the only way forward",
    ]


def test_the_argument_map_draws_components_warns_and_downloads(workspace):
    page = workspace
    drag_select(page, "Sanctions have failed for decades")
    page.keyboard.press("p")
    drag_select(page, "talks are the only way forward")
    page.keyboard.press("c")
    # The map is drawn when it is on screen (a long article's map is not redrawn while hidden).
    page.locator("#argument-map").scroll_into_view_if_needed()
    expect_count(page, "#argument-map g[data-span]", 2)
    warnings = page.locator("#argument-warnings").inner_text()
    assert "A premise supports nothing." in warnings
    assert "There are claims but no major claim." in warnings
    page.locator("#argument-warnings button").first.click()
    expect_count(page, ".span-item.selected", 1)

    link(page, "Premise", "Claim")
    page.wait_for_function(
        "() => !document.querySelector('#argument-warnings').textContent.includes('premise supports')"
    )
    with page.expect_download() as download:
        page.get_by_role("button", name="Download SVG").click()
    OUTPUT.mkdir(exist_ok=True)
    target = OUTPUT / "argument-map.svg"
    download.value.save_as(target)
    assert "<svg" in target.read_text(encoding="utf-8") and "supports" in target.read_text(encoding="utf-8")
    page.locator("#argument-map").screenshot(path=str(OUTPUT / "argument-map.png"))


def test_a_failed_save_is_shown_and_retried_until_it_lands(workspace):
    page = workspace
    failures = {"left": 1}

    def flaky(route):
        if route.request.method == "POST" and failures["left"]:
            failures["left"] -= 1
            route.fulfill(status=503, content_type="application/json", body='{"detail": "down for a moment"}')
        else:
            route.continue_()

    page.route("**/api/annotation-sets/*/spans/", flaky)
    drag_select(page, "Sanctions have failed")
    page.keyboard.press("p")
    page.wait_for_selector("#workspace-alert >> text=Retrying")
    expect_count(page, ".span-item", 1)
    wait_saved(page)
    assert workspace.stored() == [("premise", "Sanctions have failed")]


def test_leaving_with_unsaved_changes_warns(workspace):
    page = workspace
    page.route("**/api/annotation-sets/*/spans/", lambda route: None)  # the save hangs
    drag_select(page, "Sanctions have failed")
    page.keyboard.press("p")
    page.wait_for_selector("#save-status >> text=Saving")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.evaluate("() => { window.location.href = '/'; }")
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]


def test_screenshot_of_the_workspace_on_a_seed_article(live_server, page):
    seeds_load()
    user = get_user_model().objects.create_user("ana", password="ana-secret-pw")
    project = Project.objects.get(slug="seeds")
    Membership.objects.create(project=project, user=user)
    document = Document.objects.filter(corpus=project.corpus).order_by("id").last()
    from annotator.services.suggestions import suggestions_make

    suggestions_make(project=project, documents=[document])  # dashed suggestions in the picture too
    log_in(page, live_server.url, "ana", "ana-secret-pw")
    page.goto(f"{live_server.url}/projects/{project.slug}/documents/{document.pk}/")
    page.wait_for_selector("body[data-ready=true]")
    for phrase, key in [
        ("North Korea is just about the worst country in the world", "x"),
        ("everyone else agrees", "j"),
        ("Pyongyang Could Have Been Our Friend", "m"),
    ]:
        drag_select(page, phrase)
        page.keyboard.press(key)
    expect_count(page, ".span-item", 3)
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "workspace.png"))
    assert (OUTPUT / "workspace.png").stat().st_size > 10_000
