"""Comments and flags in the workspace, and controls a screen reader and a keyboard can reach."""

import pytest
from pages import drag_select, expect_count, log_in

from annotator.models import Comment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Sanctions have failed for decades. Therefore talks are the only way forward."


@pytest.fixture
def workspace(live_server, page, annotator_with_document):
    project, user, document = annotator_with_document(TEXT, "Comment test")
    log_in(page, live_server.url, "ana", "ana-secret-pw")
    page.goto(f"{live_server.url}/projects/{project.slug}/documents/{document.pk}/")
    page.wait_for_selector("body[data-ready=true]")
    return page


def test_an_annotator_flags_a_span_as_unsure_and_the_document_as_bad(workspace):
    page = workspace
    drag_select(page, "Sanctions have failed")
    page.keyboard.press("p")
    page.locator(".span-item .span-pick").first.click()
    page.select_option("#comment-target", "span")
    page.select_option("#comment-flag", "unsure")
    page.fill("#comment-text", "Is this really a premise?")
    page.get_by_role("button", name="Add comment").click()
    expect_count(page, ".comment-item", 1)
    page.wait_for_function(
        "() => document.querySelector('.span-item .note-marker')?.textContent.includes('1')"
    )

    page.select_option("#comment-target", "document")
    page.select_option("#comment-flag", "bad-document")
    page.get_by_role("button", name="Add comment").click()
    expect_count(page, ".comment-item", 2)

    stored = sorted((c.flag, c.text, c.span is not None) for c in Comment.objects.all())
    assert stored == [("bad-document", "", False), ("unsure", "Is this really a premise?", True)]
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect_count(page, ".comment-item", 2)
    assert "Unsure" in page.locator("#comment-list").text_content()


def test_an_empty_comment_is_explained_not_sent(workspace):
    page = workspace
    page.get_by_role("button", name="Add comment").click()
    page.wait_for_selector("#workspace-alert >> text=Write a comment or choose a flag")
    assert not Comment.objects.exists()


def test_every_control_has_a_name_a_screen_reader_can_read(workspace):
    page = workspace
    drag_select(page, "Sanctions have failed")
    page.keyboard.press("p")
    expect_count(page, ".span-item", 1)
    unnamed = page.evaluate(
        """() => {
            const name = (node) => {
                if (node.getAttribute('aria-label')) return node.getAttribute('aria-label');
                const by = node.getAttribute('aria-labelledby');
                if (by) return by.split(' ').map((id) => document.getElementById(id)?.textContent).join(' ');
                if (node.id && document.querySelector(`label[for="${node.id}"]`)) return 'label';
                if (node.closest('label')) return node.closest('label').textContent;
                return node.textContent || node.title || '';
            };
            const controls = 'button, input:not([type=hidden]), select, textarea, [tabindex]';
            return [...document.querySelectorAll(controls)]
                .filter((node) => !node.hidden && !name(node).trim())
                .map((node) => node.outerHTML.slice(0, 120));
        }"""
    )
    assert unnamed == []


def test_landmarks_and_live_regions_announce_what_happens(workspace):
    page = workspace
    assert page.locator("aside[aria-label='Annotation tools']").count() == 1
    assert page.locator("#save-status").get_attribute("aria-live") == "polite"
    assert page.locator("#workspace-alert").get_attribute("role") == "alert"
    drag_select(page, "Sanctions have failed")
    page.keyboard.press("p")
    page.wait_for_selector("#save-status >> text=Saved")


def test_tab_moves_from_the_article_to_the_label_palette(workspace):
    page = workspace
    page.focus("#document-text-view")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.closest('aside, article')?.tagName")
    assert focused in {"ASIDE", "ARTICLE"}
    # The label buttons are reachable by Tab once text is selected.
    page.focus("#document-text-view")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    reached = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("() => document.activeElement.className"))
        if "label-button" in reached:
            break
    assert "label-button" in reached


def test_an_annotator_skips_a_document_with_a_reason(workspace):
    from annotator.models import AnnotationSet

    page = workspace
    page.get_by_role("button", name="Skip", exact=True).click()
    page.wait_for_selector("#workspace-alert >> text=Say why you skip this document")
    page.get_by_label("Skip this document because").fill("not about the policy")
    page.get_by_role("button", name="Skip", exact=True).click()
    page.wait_for_function("() => document.querySelector('#set-status').textContent.startsWith('Skipped')")
    stored = AnnotationSet.objects.get()
    assert (stored.status, stored.skip_reason) == ("skipped", "not about the policy")
    assert page.locator(".label-button").first.is_disabled()


def test_time_spent_is_reported_when_the_page_is_hidden(workspace):
    from annotator.models import AnnotationSet

    page = workspace
    for _ in range(3):
        page.mouse.move(200, 300)
        page.wait_for_timeout(1000)
    page.evaluate(
        """() => {
            Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
            document.dispatchEvent(new Event('visibilitychange'));
        }"""
    )
    page.wait_for_timeout(500)
    assert AnnotationSet.objects.get().time_spent_seconds >= 2
