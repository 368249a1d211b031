"""A curator turns two annotators' submitted work on a document into its gold."""

import pytest
from django.core.exceptions import ValidationError
from factories import DocumentFactory, MembershipFactory, UserFactory, label_of

from annotator.models import AnnotationSet, AuditEvent, DocumentLabel, GoldChange, Membership, Relation, Span
from annotator.selectors import project_documents_for_export
from annotator.selectors_team import curation_conflicts, curation_payload
from annotator.services import curation
from annotator.services.errors import StaleVersion

TEXT = "Sanctions have failed. Talks are the only way out. Kim fears the worst."


def submitted_set(project, document, user, spans, stance=None, origin=Span.Origin.MANUAL):
    annotation_set = AnnotationSet.objects.create(
        project=project, document=document, annotator=user, status=AnnotationSet.Status.SUBMITTED
    )
    made = {}
    for layer, value, piece in spans:
        start = TEXT.index(piece)
        made[piece] = Span.objects.create(
            annotation_set=annotation_set,
            label=label_of(project, layer, value),
            start=start,
            end=start + len(piece),
            origin=origin,
        )
    if stance:
        label = label_of(project, "stance", stance)
        DocumentLabel.objects.create(
            annotation_set=annotation_set, layer=label.layer, label=label, confidence=4
        )
    return annotation_set, made


@pytest.fixture
def two_versions(project):
    """Ann and Bob both submitted: they agree on a claim and the stance, not on the premise."""
    document = DocumentFactory(corpus=project.corpus, text=TEXT)
    ann = MembershipFactory(project=project, user=UserFactory(username="ann")).user
    bob = MembershipFactory(project=project, user=UserFactory(username="bob")).user
    curator = MembershipFactory(
        project=project, user=UserFactory(username="cora"), role=Membership.Role.CURATOR
    ).user
    ann_set, ann_spans = submitted_set(
        project,
        document,
        ann,
        [
            ("argument", "claim", "Talks are the only way out"),
            ("argument", "premise", "Sanctions have failed"),
        ],
        stance="pro-engagement",
    )
    Relation.objects.create(
        annotation_set=ann_set,
        label=label_of(project, "relation", "supports"),
        head=ann_spans["Sanctions have failed"],
        tail=ann_spans["Talks are the only way out"],
    )
    bob_set, _ = submitted_set(
        project,
        document,
        bob,
        [("argument", "claim", "Talks are the only way out"), ("argument", "premise", "Kim fears the worst")],
        stance="pro-engagement",
        origin=Span.Origin.SUGGESTION,
    )
    return project, document, curator, ann_set, bob_set


def test_opening_curation_merges_what_everyone_agrees_on(two_versions):
    project, document, curator, _, _ = two_versions
    gold = curation.curation_start(project=project, document=document, curator=curator)
    assert gold.kind == AnnotationSet.Kind.GOLD and gold.annotator == curator
    [claim] = gold.spans.all()
    assert TEXT[claim.start : claim.end] == "Talks are the only way out"
    assert claim.provenance["annotators"] == ["ann", "bob"]
    assert claim.provenance["curated_by"] == "cora" and claim.provenance["how"] == "merged"
    assert claim.provenance["from_suggestion"] is True  # bob accepted it from a suggestion
    stance = gold.document_labels.get()
    assert stance.label.value == "pro-engagement" and stance.confidence == 4
    assert GoldChange.objects.filter(annotation_set=gold, action="start").exists()


def test_conflicts_are_listed_until_resolved(two_versions):
    project, document, curator, ann_set, bob_set = two_versions
    gold = curation.curation_start(project=project, document=document, curator=curator)
    conflicts = {(item.kind, item.annotators[0]) for item in curation_conflicts(gold)}
    assert conflicts == {("span", "ann"), ("span", "bob"), ("relation", "ann")}

    premise = ann_set.spans.get(label__value="premise")
    curation.curation_accept(gold=gold, version=gold.version, curator=curator, kind="span", source=premise.pk)
    bob_premise = bob_set.spans.get(label__value="premise")
    curation.curation_reject(
        gold=gold, version=gold.version, curator=curator, kind="span", source=bob_premise.pk
    )
    relation = ann_set.relations.get()
    curation.curation_accept(
        gold=gold, version=gold.version, curator=curator, kind="relation", source=relation.pk
    )

    assert curation_conflicts(gold) == []
    accepted = gold.spans.get(label__value="premise")
    assert accepted.provenance["how"] == "accepted" and accepted.provenance["from"] == "ann"
    assert gold.relations.count() == 1
    actions = list(GoldChange.objects.filter(annotation_set=gold).values_list("action", flat=True))
    assert actions == ["start", "accept", "reject", "accept"]


def test_a_majority_threshold_merges_what_most_annotators_have(two_versions):
    project, document, curator, _, _ = two_versions
    project.merge_threshold = 0.5
    project.save()
    gold = curation.curation_start(project=project, document=document, curator=curator)
    assert gold.spans.count() == 3 and gold.relations.count() == 1
    assert curation_conflicts(gold) == []


def test_gold_is_submitted_reopened_and_edited_with_history(two_versions):
    project, document, curator, _, _ = two_versions
    gold = curation.curation_start(project=project, document=document, curator=curator)
    curation.curation_submit(gold=gold, version=gold.version, curator=curator)
    [item] = list(project_documents_for_export(project))
    assert item.gold == gold  # the curated gold wins over the annotators' sets

    curation.curation_reopen(gold=gold, version=gold.version, curator=curator)
    claim = gold.spans.get()
    curation.curation_remove(gold=gold, version=gold.version, curator=curator, kind="span", item=claim.pk)
    assert not gold.spans.exists()
    actions = list(GoldChange.objects.filter(annotation_set=gold).values_list("action", flat=True))
    assert actions == ["start", "submit", "reopen", "remove"]
    with pytest.raises(StaleVersion):
        curation.curation_submit(gold=gold, version=1, curator=curator)


def test_opening_again_keeps_the_gold(two_versions):
    project, document, curator, _, _ = two_versions
    first = curation.curation_start(project=project, document=document, curator=curator)
    other = MembershipFactory(project=project, role=Membership.Role.MANAGER).user
    assert curation.curation_start(project=project, document=document, curator=other) == first


def test_the_payload_shows_every_version_against_the_gold(two_versions):
    project, document, curator, _, _ = two_versions
    gold = curation.curation_start(project=project, document=document, curator=curator)
    payload = curation_payload(gold)
    assert [a["annotator"] for a in payload["annotators"]] == ["ann", "bob"]
    states = {(s["text"], s["state"]) for s in payload["annotators"][0]["spans"]}
    assert states == {("Talks are the only way out", "gold"), ("Sanctions have failed", "conflict")}
    assert payload["gold"]["spans"][0]["provenance"]["annotators"] == ["ann", "bob"]
    assert len(payload["conflicts"]) == 3


def test_gold_sets_are_not_reachable_through_the_annotation_endpoints(two_versions, client_for):
    project, document, curator, _, _ = two_versions
    gold = curation.curation_start(project=project, document=document, curator=curator)
    response = client_for(curator).get(f"/api/annotation-sets/{gold.pk}/")
    assert response.status_code == 404


def test_the_gold_export_carries_provenance_on_every_curated_item(two_versions):
    from annotator.exporters.base import ExportOptions, gold_records

    project, document, curator, _, _ = two_versions
    gold = curation.curation_start(project=project, document=document, curator=curator)
    curation.curation_submit(gold=gold, version=gold.version, curator=curator)
    [record] = [r for r in gold_records(project, ExportOptions()) if r["id"] == document.pk]
    [claim] = record["spans"]
    assert claim["provenance"]["annotators"] == ["ann", "bob"]
    assert claim["provenance"]["curated_by"] == "cora"
    assert record["stance"]["provenance"]["how"] == "merged"


# --- the curator adds what no annotator made ------------------------------------------------------


@pytest.fixture
def gold(two_versions):
    project, document, curator, _, _ = two_versions
    return curation.curation_start(project=project, document=document, curator=curator)


def _field_of(error: ValidationError) -> tuple[str, str]:
    [(field, [detail])] = error.value.error_dict.items()
    return field, detail.code


def test_a_curator_adds_a_span_with_provenance_history_and_an_audit_event(gold):
    curator, version = gold.annotator, gold.version
    start = TEXT.index("fears the worst")
    span = curation.curation_add_span(
        gold=gold,
        version=version,
        curator=curator,
        layer="rhetoric",
        label="exaggeration",
        start=start,
        end=start + len("fears the worst"),
    )
    assert TEXT[span.start : span.end] == "fears the worst" and span.origin == Span.Origin.MANUAL
    assert span.provenance["how"] == "added" and span.provenance["annotators"] == []
    assert span.provenance["curated_by"] == "cora" and span.provenance["at"]
    assert gold.version == version + 1
    change = GoldChange.objects.filter(annotation_set=gold).latest("id")
    key = [start, start + len("fears the worst"), "rhetoric", "exaggeration"]
    assert (change.action, change.user, change.data) == ("add", curator, {"kind": "span", "key": key})
    event = AuditEvent.objects.filter(annotation_set=gold).latest("id")
    assert (event.action, event.actor, event.after) == ("gold.add", curator, {"kind": "span", "key": key})
    assert len(curation_conflicts(gold)) == 3  # nobody had it, so it resolves nothing
    [added] = [s for s in curation_payload(gold)["gold"]["spans"] if s["id"] == span.pk]
    assert added["text"] == "fears the worst"


@pytest.mark.parametrize(
    "layer, label, start, end, field, code",
    [
        ("rhetoric", "exaggeration", -1, 4, "start", "offsets"),
        ("rhetoric", "exaggeration", 0, len(TEXT) + 1, "end", "offsets"),
        ("rhetoric", "exaggeration", 5, 5, "end", "offsets"),
        ("rhetoric", "exaggeration", "0", 4, "start", "offsets"),
        ("rhetoric", "nonsense", 0, 4, "label", "unknown_label"),
        ("nonsense", "claim", 0, 4, "layer", "unknown_layer"),
        ("relation", "supports", 0, 4, "layer", "unknown_layer"),  # a relation layer, not a span layer
        ("stance", "pro-engagement", 0, 4, "layer", "unknown_layer"),
        ("argument", "claim", TEXT.index("Talks"), TEXT.index("Talks") + 26, "label", "duplicate"),
    ],
)
def test_adding_a_span_names_the_wrong_field_and_changes_nothing(gold, layer, label, start, end, field, code):
    version, count = gold.version, gold.spans.count()
    with pytest.raises(ValidationError) as error:
        curation.curation_add_span(
            gold=gold, version=version, curator=gold.annotator, layer=layer, label=label, start=start, end=end
        )
    assert _field_of(error) == (field, code)
    gold.refresh_from_db()
    assert (gold.version, gold.spans.count()) == (version, count)


def test_adding_to_a_stale_or_submitted_gold_is_refused(gold):
    curator = gold.annotator
    fields = {"layer": "argument", "label": "premise", "start": 0, "end": 9}
    with pytest.raises(StaleVersion):
        curation.curation_add_span(gold=gold, version=gold.version - 1, curator=curator, **fields)
    curation.curation_submit(gold=gold, version=gold.version, curator=curator)
    with pytest.raises(ValidationError) as error:
        curation.curation_add_span(gold=gold, version=gold.version, curator=curator, **fields)
    assert _field_of(error) == ("status", "submitted")
    assert not gold.spans.filter(label__value="premise").exists()


def test_a_curator_links_two_gold_spans_with_a_new_relation(gold):
    curator = gold.annotator
    claim = gold.spans.get()
    start = TEXT.index("Kim fears the worst")
    premise = curation.curation_add_span(
        gold=gold,
        version=gold.version,
        curator=curator,
        layer="argument",
        label="premise",
        start=start,
        end=len(TEXT) - 1,
    )
    version = gold.version
    relation = curation.curation_add_relation(
        gold=gold, version=version, curator=curator, label="attacks", head=premise.pk, tail=claim.pk
    )
    assert (relation.head, relation.tail, relation.label.value) == (premise, claim, "attacks")
    assert relation.provenance["how"] == "added" and relation.provenance["curated_by"] == "cora"
    assert gold.version == version + 1
    key = [
        [premise.start, premise.end, "argument", "premise"],
        [claim.start, claim.end, "argument", "claim"],
        "relation",
        "attacks",
    ]
    change = GoldChange.objects.filter(annotation_set=gold).latest("id")
    assert (change.action, change.data) == ("add", {"kind": "relation", "key": key})
    event = AuditEvent.objects.filter(annotation_set=gold).latest("id")
    assert (event.action, event.after) == ("gold.add", {"kind": "relation", "key": key})
    [shown] = curation_payload(gold)["gold"]["relations"]
    assert (shown["head"], shown["label"], shown["tail"]) == (
        "Kim fears the worst",
        "attacks",
        "Talks are the only way out",
    )
    # Removing an added span takes its relation with it, as for any gold span.
    curation.curation_remove(gold=gold, version=gold.version, curator=curator, kind="span", item=premise.pk)
    assert not gold.relations.exists()


def test_adding_a_relation_names_the_wrong_field_and_changes_nothing(two_versions, gold):
    _, _, curator, ann_set, _ = two_versions
    claim = gold.spans.get()
    premise = curation.curation_add_span(
        gold=gold, version=gold.version, curator=curator, layer="argument", label="premise", start=0, end=9
    )
    curation.curation_add_relation(
        gold=gold, version=gold.version, curator=curator, label="supports", head=premise.pk, tail=claim.pk
    )
    annotators_span = ann_set.spans.first().pk
    cases = [
        ({"label": "supports", "head": claim.pk, "tail": claim.pk}, ("tail", "reflexive")),
        ({"label": "supports", "head": annotators_span, "tail": claim.pk}, ("head", "foreign_span")),
        ({"label": "supports", "head": premise.pk, "tail": 10**12}, ("tail", "foreign_span")),
        ({"label": "supports", "head": premise.pk, "tail": claim.pk}, ("label", "duplicate")),
        ({"label": "claim", "head": premise.pk, "tail": claim.pk}, ("label", "unknown_label")),
        (
            {"label": "supports", "layer": "argument", "head": premise.pk, "tail": claim.pk},
            ("layer", "unknown_layer"),
        ),
    ]
    version = gold.version
    for fields, expected in cases:
        with pytest.raises(ValidationError) as error:
            curation.curation_add_relation(gold=gold, version=version, curator=curator, **fields)
        assert _field_of(error) == expected, fields
    with pytest.raises(StaleVersion):
        curation.curation_add_relation(
            gold=gold, version=version - 1, curator=curator, label="attacks", head=premise.pk, tail=claim.pk
        )
    gold.refresh_from_db()
    assert gold.version == version and gold.relations.count() == 1
