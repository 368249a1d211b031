"""Two tabs never silently overwrite each other, and article text is never run as HTML."""

import pytest
from pages import drag_select, expect_count, log_in

from annotator.models import AnnotationSet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE_TEXT = (
    'Markup stays text: <script>window.__pwned = 1</script> and <img src=x onerror="window.__pwned = 2">.\n'
    "Engagement works better than pressure."
)


@pytest.fixture
def annotator_on_document(annotator_with_document):
    return annotator_with_document(HOSTILE_TEXT, "<b>Hostile</b> title")


def open_document(page, base_url, project, document):
    page.goto(f"{base_url}/projects/{project.slug}/documents/{document.pk}/")
    page.wait_for_selector("body[data-ready=true]")


def test_markup_in_an_article_is_shown_as_text_and_never_runs(live_server, page, annotator_on_document):
    project, _, document = annotator_on_document
    log_in(page, live_server.url, "ana", "ana-secret-pw")
    open_document(page, live_server.url, project, document)
    assert page.locator("#document-text-view").inner_text().startswith("Markup stays text: <script>")
    assert page.locator("#document-text-view script, #document-text-view img").count() == 0
    assert page.locator("#doc-title").inner_text() == "<b>Hostile</b> title"
    assert page.evaluate("() => window.__pwned") is None


def test_a_second_tab_with_an_old_version_gets_a_conflict_not_an_overwrite(
    live_server, browser, page, annotator_on_document
):
    project, user, document = annotator_on_document
    log_in(page, live_server.url, "ana", "ana-secret-pw")
    open_document(page, live_server.url, project, document)
    second = page.context.new_page()
    open_document(second, live_server.url, project, document)

    drag_select(page, "Engagement works better")
    page.keyboard.press("c")
    expect_count(page, ".span-item", 1)

    drag_select(second, "than pressure")
    second.keyboard.press("p")
    second.wait_for_selector("#workspace-alert >> text=changed in another tab")
    assert second.get_by_role("button", name="Reload").is_visible()

    annotation_set = AnnotationSet.objects.get(project=project, document=document, annotator=user)
    assert [s.label.value for s in annotation_set.spans.all()] == ["claim"]
    second.get_by_role("button", name="Reload").click()
    second.wait_for_selector("body[data-ready=true]")
    expect_count(second, ".span-item", 1)
