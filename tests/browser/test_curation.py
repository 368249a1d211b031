"""A curator resolves two annotators' versions into gold; a manager watches progress."""

from pathlib import Path

import pytest
from django.conf import settings
from pages import drag_select, log_in

from annotator.models import AnnotationSet, DocumentLabel, GoldChange, Label, Membership, Relation, Span

pytestmark = pytest.mark.browser
OUTPUT = Path(settings.BASE_DIR) / "test-output"

TEXT = "Sanctions have failed for decades. Talks are the only way out. Kim fears the worst."


def _bob_and_cora(project, django_user_model):
    """Annotator Bob and curator Cora join the project; return Bob."""
    bob = django_user_model.objects.create_user("bob", password="bob-secret-pw")
    Membership.objects.create(project=project, user=bob)
    cora = django_user_model.objects.create_user("cora", password="cora-secret-pw")
    Membership.objects.create(project=project, user=cora, role=Membership.Role.CURATOR)
    return bob


def _submitted(project, document, user, label: Label, piece: str) -> AnnotationSet:
    """The user's submitted set on the document, with one span over `piece`."""
    annotation_set = AnnotationSet.objects.create(
        project=project, document=document, annotator=user, status=AnnotationSet.Status.SUBMITTED
    )
    start = document.text.index(piece)
    Span.objects.create(annotation_set=annotation_set, label=label, start=start, end=start + len(piece))
    return annotation_set


@pytest.fixture
def two_submissions(annotator_with_document, django_user_model):
    project, ana, document = annotator_with_document(TEXT, "Two versions")
    bob = _bob_and_cora(project, django_user_model)
    claim = Label.objects.get(layer__scheme=project.scheme, layer__key="argument", value="claim")
    stance = Label.objects.get(layer__scheme=project.scheme, layer__key="stance", value="pro-engagement")
    for user, piece in ((ana, "Talks are the only way out"), (bob, "Kim fears the worst")):
        annotation_set = _submitted(project, document, user, claim, piece)
        DocumentLabel.objects.create(annotation_set=annotation_set, layer=stance.layer, label=stance)
    return project, document


def test_curator_accepts_one_annotators_span_with_one_click_and_submits_gold(
    page, live_server, two_submissions
):
    project, document = two_submissions
    log_in(page, live_server.url, "cora", "cora-secret-pw")
    page.goto(f"{live_server.url}/projects/{project.slug}/documents/{document.pk}/curate/")

    versions = page.locator(".version")
    assert versions.count() == 2
    assert (
        page.locator(".version[data-annotator='ana'] mark.cur-conflict").inner_text()
        == "Talks are the only way out"
    )
    assert (
        page.locator(".version[data-annotator='bob'] mark.cur-conflict").inner_text() == "Kim fears the worst"
    )
    assert page.locator("#conflicts .conflict").count() == 2
    assert "stance pro-engagement" in page.locator("#gold-items").inner_text()  # both agreed: merged
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "curation.png"), full_page=True)

    page.get_by_role("button", name="Accept ana's argument:claim “Talks are the only way out”").click()
    page.wait_for_function("document.querySelectorAll('#conflicts .conflict').length === 1")
    gold_text = page.locator("#gold-items").inner_text()
    assert "Talks are the only way out" in gold_text and "accepted, from ana" in gold_text
    assert page.locator(".version[data-annotator='ana'] mark.cur-gold").count() == 1

    page.get_by_role("button", name="Submit gold").click()
    page.wait_for_function(
        "document.querySelector('#curation-status').textContent.includes('Gold submitted')"
    )
    gold = AnnotationSet.objects.get(document=document, kind=AnnotationSet.Kind.GOLD)
    assert gold.status == AnnotationSet.Status.SUBMITTED
    assert list(GoldChange.objects.filter(annotation_set=gold).values_list("action", flat=True)) == [
        "start",
        "accept",
        "submit",
    ]


def test_manager_page_shows_progress(page, live_server, two_submissions, django_user_model):
    project, document = two_submissions
    boss = django_user_model.objects.create_user("boss", password="boss-secret-pw")
    Membership.objects.create(project=project, user=boss, role=Membership.Role.MANAGER)
    log_in(page, live_server.url, "boss", "boss-secret-pw")
    page.goto(f"{live_server.url}/projects/{project.slug}/manage/")
    assert page.locator("#annotator-progress tr[data-annotator='ana'] .done").inner_text() == "1"
    row = page.locator(f"#document-progress tr[data-document='{document.pk}']")
    assert "ana: submitted" in row.inner_text() and "bob: submitted" in row.inner_text()

    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "manage.png"), full_page=True)
    page.get_by_label("Search").fill("have failed for decades")
    page.get_by_role("button", name="Filter").click()
    assert page.locator("#document-progress tbody tr").count() == 1
    page.goto(f"{live_server.url}/projects/{project.slug}/agreement/")
    assert page.locator("#confusion-heatmap .heat-cell").count() > 0


# Astral characters (two UTF-16 code units, one code point) before and inside the span to add.
EMOJI_TEXT = "Pyongyang 🙂 reacts.\nSanctions have failed for decades; talks 🤝 are the only way out."


@pytest.fixture
def agreed_premise(annotator_with_document, django_user_model):
    """Ana and Bob both marked the premise (so it is in gold at once), nobody the claim."""
    project, ana, document = annotator_with_document(EMOJI_TEXT, "Emoji versions")
    bob = _bob_and_cora(project, django_user_model)
    premise = Label.objects.get(layer__scheme=project.scheme, layer__key="argument", value="premise")
    for user in (ana, bob):
        _submitted(project, document, user, premise, "Sanctions have failed for decades")
    return project, document


def test_curator_selects_text_with_an_emoji_adds_it_to_gold_and_links_it(page, live_server, agreed_premise):
    project, document = agreed_premise
    log_in(page, live_server.url, "cora", "cora-secret-pw")
    page.goto(f"{live_server.url}/projects/{project.slug}/documents/{document.pk}/curate/")
    assert page.locator("#gold-text-view .seg.marked").inner_text() == "Sanctions have failed for decades"

    phrase = "talks 🤝 are the only way out"
    drag_select(page, phrase, root="#gold-text-view", shown="#gold-selection q")
    page.get_by_label("Span label").select_option("argument:claim")
    page.get_by_role("button", name="Add span").click()
    page.wait_for_function("document.querySelectorAll('#gold-items .gold-item').length === 2")
    assert "added by cora" in page.locator("#gold-items").inner_text()
    assert page.locator("#gold-text-view .seg.marked", has_text=phrase).count() == 1

    gold = AnnotationSet.objects.get(document=document, kind=AnnotationSet.Kind.GOLD)
    claim = gold.spans.get(label__value="claim")
    # Code points: the emoji before the span counts once and the one inside it once (UTF-16: twice each).
    assert (claim.start, claim.end) == (EMOJI_TEXT.index(phrase), EMOJI_TEXT.index(phrase) + len(phrase))
    assert EMOJI_TEXT[claim.start : claim.end] == phrase
    assert claim.provenance["how"] == "added" and claim.provenance["curated_by"] == "cora"

    page.get_by_label("From span").select_option(label="argument:premise “Sanctions have failed for decades”")
    page.get_by_label("Relation").select_option("relation:supports")
    page.get_by_label("To span").select_option(label=f"argument:claim “{phrase}”")
    page.get_by_role("button", name="Add relation").click()
    page.wait_for_function("document.querySelectorAll('#gold-items .gold-item').length === 3")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "curation-add.png"), full_page=True)
    relation = Relation.objects.get(annotation_set=gold)
    assert (relation.head.label.value, relation.label.value, relation.tail_id) == (
        "premise",
        "supports",
        claim.pk,
    )
    assert list(GoldChange.objects.filter(annotation_set=gold).values_list("action", flat=True)) == [
        "start",
        "add",
        "add",
    ]
