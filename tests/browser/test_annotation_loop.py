"""An annotator does the whole loop in a real browser and the server stores exactly that."""

import pytest
from pages import drag_select, expect_count, link, log_in

from annotator.models import AnnotationSet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMOJI_TEXT = (
    "Pyongyang reacts 🙂 quickly.\nSanctions have failed for decades, so talks are the only way forward."
)


@pytest.fixture
def annotator_on_emoji_document(annotator_with_document):
    return annotator_with_document(EMOJI_TEXT, "Emoji test article")


def test_annotator_annotates_an_article_and_reload_shows_what_was_saved(
    live_server, page, annotator_on_emoji_document
):
    project, user, document = annotator_on_emoji_document
    log_in(page, live_server.url, "ana", "ana-secret-pw")

    page.get_by_role("link", name=project.name).click()
    page.get_by_role("link", name="Emoji test article").click()
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator(".doc-text .para").count() == 2  # paragraphs intact

    # A span after the emoji, by mouse selection and a label button.
    drag_select(page, "talks are the only way forward")
    page.locator(".label-button[data-layer=argument][data-label=claim]").click()
    page.wait_for_selector(".span-item >> text=talks are the only way forward")

    # An overlapping span in another layer, by mouse selection and the label's shortcut key.
    drag_select(page, "Sanctions have failed for decades")
    page.keyboard.press("p")
    page.wait_for_selector(".span-item >> text=Sanctions have failed for decades")
    drag_select(page, "failed for decades, so talks")
    page.keyboard.press("x")
    expect_count(page, ".span-item", 3)

    # Link premise → claim: select the premise, press [, select the claim, press ].
    link(page, "Premise", "Claim", "supports")
    claim_value = page.locator(".span-item", has_text="Claim").get_attribute("data-span-id")
    expect_count(page, ".relation-item", 1)

    # Stance, confidence and a rationale span.
    page.get_by_label("Pro-engagement").first.check()
    page.wait_for_selector("#save-status >> text=Saved: document stance")
    page.locator("input[name=confidence][value='4']").check()
    page.get_by_label(f"Rationale for the stance: span {claim_value}").check()
    page.wait_for_function("() => document.querySelector('#rationale-count').textContent === '1'")

    page.get_by_role("button", name="Submit").click()
    page.wait_for_selector("#set-status >> text=Submitted")

    # What the server stored: code-point offsets, so the emoji does not shift the span.
    annotation_set = AnnotationSet.objects.get(project=project, document=document, annotator=user)
    assert annotation_set.status == AnnotationSet.Status.SUBMITTED
    stored = {(s.label.value, document.text[s.start : s.end]) for s in annotation_set.spans.all()}
    assert stored == {
        ("claim", "talks are the only way forward"),
        ("premise", "Sanctions have failed for decades"),
        ("exaggeration", "failed for decades, so talks"),
    }
    claim = annotation_set.spans.get(label__value="claim")
    assert claim.start == EMOJI_TEXT.index("talks are")  # a code-point index; UTF-16 would be +1
    relation = annotation_set.relations.get()
    assert (relation.label.value, relation.head.label.value, relation.tail_id) == (
        "supports",
        "premise",
        claim.pk,
    )
    stance = annotation_set.document_labels.get(layer__key="stance")
    assert (stance.label.value, stance.confidence) == ("pro-engagement", 4)
    assert list(stance.rationale.values_list("pk", flat=True)) == [claim.pk]

    # Reloading shows exactly what was saved.
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect_count(page, ".span-item", 3)
    expect_count(page, ".relation-item", 1)
    assert page.locator("input[name=stance][value=pro-engagement]").is_checked()
    assert page.locator("input[name=confidence][value='4']").is_checked()
    assert page.get_by_label(f"Rationale for the stance: span {claim_value}").is_checked()
    assert page.locator("#set-status").inner_text() == "Submitted"
    marked = page.locator(".seg.marked").all_inner_texts()
    assert "".join(marked).startswith("Sanctions have failed for decades, so talks are the only way forward")
