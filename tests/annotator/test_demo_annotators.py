"""Three demo annotators work on the seed corpus, so agreement and curation have something to show."""

import random

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from factories import UserFactory

from annotator.models import AnnotationSet, AuditEvent, DocumentLabel, Relation, Span
from annotator.selectors_team import curation_conflicts
from annotator.services.agreement_report import project_agreement
from annotator.services.curation import curation_start
from annotator.services.demo import PASSWORD, annotator_spans, text_candidates


def demo_sets(project):
    return AnnotationSet.objects.filter(project=project, annotator__username__startswith="demo-annotator-")


@pytest.fixture
def demo_project(seeded_project, capsys):
    call_command("demo_annotators", "--project", "seeds", "--count", "3", "--seed", "1")
    return seeded_project


def test_the_command_creates_three_annotators_who_submit_every_seed_document(demo_project, capsys):
    out = capsys.readouterr().out
    assert "demo-annotator-3" in out and PASSWORD in out
    users = get_user_model().objects.filter(username__startswith="demo-annotator-").order_by("username")
    assert [u.username for u in users] == [f"demo-annotator-{n}" for n in (1, 2, 3)]
    assert all(u.check_password(PASSWORD) for u in users)
    assert all(demo_project.memberships.filter(user=u).exists() for u in users)
    documents = demo_project.corpus.documents.count()
    sets = demo_sets(demo_project)
    assert sets.count() == 3 * documents
    assert set(sets.values_list("status", flat=True)) == {AnnotationSet.Status.SUBMITTED}
    layers = set(Span.objects.filter(annotation_set__in=sets).values_list("label__layer__key", flat=True))
    assert layers == {"argument", "source", "rhetoric"}
    for annotation_set in sets:
        assert annotation_set.spans.filter(label__layer__key="argument", step__isnull=False).exists()
        assert annotation_set.relations.exists()
        stance = DocumentLabel.objects.get(annotation_set=annotation_set, layer__key="stance")
        assert 3 <= stance.confidence <= 5


def test_the_work_went_through_the_write_services(demo_project):
    annotation_set = demo_sets(demo_project).first()
    writes = annotation_set.spans.count() + annotation_set.relations.count() + 2  # stance and submit
    assert annotation_set.version == 1 + writes
    actions = set(AuditEvent.objects.filter(annotation_set=annotation_set).values_list("action", flat=True))
    assert {"span.create", "relation.create", "document_label.set", "annotation_set.submit"} <= actions


def test_running_again_creates_nothing_twice(demo_project, capsys):
    counts = (
        Span.objects.count(),
        Relation.objects.count(),
        AuditEvent.objects.count(),
        demo_sets(demo_project).count(),
    )
    call_command("demo_annotators", "--seed", "1")
    assert "skipped 3" in capsys.readouterr().out
    assert (
        Span.objects.count(),
        Relation.objects.count(),
        AuditEvent.objects.count(),
        demo_sets(demo_project).count(),
    ) == counts
    assert get_user_model().objects.filter(username__startswith="demo-annotator-").count() == 3


def test_agreement_reports_three_annotators_with_defined_coefficients(demo_project):
    report = project_agreement(demo_project)
    stance = report["stance"]
    assert stance["n_annotators"] == 3 and stance["n_documents"] == demo_project.corpus.documents.count()
    assert stance["alpha_nominal"] is not None and stance["alpha_nominal"] < 1
    assert stance["fleiss_kappa"]["value"] is not None
    assert len(stance["pairs"]) == 3 and all(pair["cohen_kappa"] is not None for pair in stance["pairs"])
    for layer in ("argument", "source", "rhetoric"):
        assert report["spans"][layer]["exact"]["pairs"] == 3
        assert report["spans"][layer]["alpha_u"]["value"] is not None
    assert 0 < report["spans"]["argument"]["exact"]["f1"] < 1
    assert report["relations"]["exact"]["pairs"] == 3


def test_curation_merges_what_all_three_agree_on_and_lists_the_rest(demo_project):
    curator = UserFactory(username="cora", is_superuser=True)
    conflicts = 0
    for document in demo_project.corpus.documents.all():
        gold = curation_start(project=demo_project, document=document, curator=curator)
        merged = list(gold.spans.all())
        assert merged and all(len(span.provenance["annotators"]) == 3 for span in merged)
        conflicts += len(curation_conflicts(gold))
    assert conflicts > 0
    stances = DocumentLabel.objects.filter(annotation_set__kind=AnnotationSet.Kind.GOLD, layer__key="stance")
    assert stances.count() < demo_project.corpus.documents.count()  # the annotators differ on some


def test_the_disagreement_is_reproducible_and_the_careful_annotator_changes_less():
    text = "Sanctions have failed for thirty years, said John Smith. Talks are the only way out now."
    candidates = text_candidates(text)
    assert (text.index("John"), text.index(". Talks"), "source", "source") in candidates
    labels = {"argument": ["major-claim", "claim", "premise"], "source": ["source"], "rhetoric": ["doubt"]}
    words = "word " * 1000
    many = [(i * 10, i * 10 + 9, "argument", "claim") for i in range(100)]
    first = annotator_spans(words, many, labels, random.Random("x"), careful=False)
    again = annotator_spans(words, many, labels, random.Random("x"), careful=False)
    careful = annotator_spans(words, many, labels, random.Random("x"), careful=True)
    assert first == again
    assert len(set(first) & set(many)) < len(set(careful) & set(many)) < len(many)


def test_an_unknown_project_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No project 'nope'"):
        call_command("demo_annotators", "--project", "nope")
