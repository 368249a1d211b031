"""`manage.py suggest`: pre-annotating the seed project, re-runs, failures and the background task."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from annotator.models import (
    Project,
    SuggestedDocumentLabel,
    SuggestedRelation,
    Suggestion,
    SuggestionRun,
)
from annotator.services.seeds import seeds_load
from annotator.services.suggestions import suggestions_make
from annotator.suggesters import ArgumentSuggester, RhetoricSuggester
from corpus.models import Document

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def seeds(db, settings):
    settings.STANCEMARK_SPACY_MODEL = "en_core_web_sm"
    seeds_load()
    return Project.objects.select_related("corpus", "scheme").get(slug="seeds")


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("suggest", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts(project):
    return (
        Suggestion.objects.filter(project=project).count(),
        SuggestedRelation.objects.filter(project=project).count(),
        SuggestedDocumentLabel.objects.filter(project=project).count(),
        SuggestionRun.objects.filter(project=project).count(),
    )


def test_suggest_seeds_fills_every_layer_and_a_stance_per_document(seeds):
    out, _ = run("seeds")
    documents = list(Document.objects.filter(corpus=seeds.corpus))
    assert len(documents) == 3
    layers = set(Suggestion.objects.filter(project=seeds).values_list("label__layer__key", flat=True))
    assert {"argument", "source", "rhetoric"} <= layers
    for document in documents:
        stance = SuggestedDocumentLabel.objects.get(project=seeds, document=document)
        assert stance.layer.key == "stance" and stance.suggester == "rules-stance"
        assert stance.label.layer == stance.layer
        for start, end in stance.sentences:
            assert 0 <= start < end <= len(document.text)
    assert SuggestedRelation.objects.filter(project=seeds, label__value="attributed-to").exists()
    assert SuggestedRelation.objects.filter(project=seeds, label__value__in=["supports", "leads-to"]).exists()
    assert SuggestionRun.objects.filter(project=seeds, status="done").count() == 3 * 4
    assert "3 of 3 documents processed" in out
    for line in ("rules-argument", "rules-attribution", "rules-rhetoric", "rules-stance"):
        assert line in out
    assert "suggester" in out and "relations" in out and "skipped" in out


def test_stored_suggestions_have_clean_offsets_and_versions(seeds):
    run("seeds")
    texts = dict(Document.objects.filter(corpus=seeds.corpus).values_list("id", "text"))
    for suggestion in Suggestion.objects.filter(project=seeds):
        text = texts[suggestion.document_id]
        piece = text[suggestion.start : suggestion.end]
        assert 0 <= suggestion.start < suggestion.end <= len(text)
        assert piece == piece.strip() and piece
        assert suggestion.suggester_version and suggestion.reason and suggestion.score is not None
    for relation in SuggestedRelation.objects.filter(project=seeds).select_related("head", "tail"):
        assert relation.head.document_id == relation.tail.document_id == relation.document_id
        assert relation.head_id != relation.tail_id


def test_running_again_duplicates_nothing(seeds):
    run("seeds")
    before = counts(seeds)
    out, _ = run("seeds")
    assert counts(seeds) == before
    assert "0 of 3 documents processed, 3 already done" in out


def test_a_new_suggester_version_replaces_its_old_suggestions(seeds):
    run("seeds")
    before = counts(seeds)
    argument = Suggestion.objects.filter(project=seeds, suggester="rules-argument").count()
    suggester = ArgumentSuggester()
    suggester.version = "2.test"
    report = suggestions_make(project=seeds, suggesters=[suggester])
    assert report.documents_processed == 3
    assert counts(seeds) == before
    assert Suggestion.objects.filter(project=seeds, suggester="rules-argument").count() == argument
    assert set(
        SuggestionRun.objects.filter(suggester="rules-argument").values_list("suggester_version", flat=True)
    ) == {f"2.test/{report.pipeline}"}


def test_a_failure_on_one_document_is_recorded_and_the_rest_go_on(seeds, monkeypatch):
    bad = Document.objects.get(corpus=seeds.corpus, title__startswith="Alon Preiss")
    original = RhetoricSuggester.suggest

    def flaky(self, doc):
        if "Preiss" in doc.text:
            raise RuntimeError("boom on this one")
        return original(self, doc)

    monkeypatch.setattr(RhetoricSuggester, "suggest", flaky)
    _, err = run("seeds")
    failed = SuggestionRun.objects.get(project=seeds, status="failed")
    assert (failed.document_id, failed.suggester) == (bad.pk, "rules-rhetoric")
    assert "boom on this one" in failed.error and "RuntimeError" in failed.error
    assert SuggestionRun.objects.filter(project=seeds, status="done").count() == 3 * 4 - 1
    assert not Suggestion.objects.filter(document=bad, suggester="rules-rhetoric").exists()
    assert Suggestion.objects.filter(document=bad, suggester="rules-argument").exists()
    assert Suggestion.objects.exclude(document=bad).filter(suggester="rules-rhetoric").exists()
    assert f"rules-rhetoric on document {bad.pk}" in err and "boom on this one" in err

    monkeypatch.setattr(RhetoricSuggester, "suggest", original)
    out, _ = run("seeds")
    assert "1 of 3 documents processed, 2 already done" in out
    assert SuggestionRun.objects.filter(project=seeds).count() == 3 * 4
    assert not SuggestionRun.objects.filter(status="failed").exists()
    assert Suggestion.objects.filter(document=bad, suggester="rules-rhetoric").exists()


def test_invalid_offsets_from_a_suggester_count_as_a_failure(seeds, monkeypatch):
    from annotator.suggesters.base import Proposal, SuggesterResult

    monkeypatch.setattr(
        ArgumentSuggester,
        "suggest",
        lambda self, doc: SuggesterResult(
            spans=[Proposal("argument", "claim", 0, len(doc.text) + 5, 0.5, "x")]
        ),
    )
    report = suggestions_make(project=seeds)
    assert len(report.failures) == 3 and all(f.suggester == "rules-argument" for f in report.failures)
    assert not Suggestion.objects.filter(suggester="rules-argument").exists()


def test_labels_missing_from_the_scheme_are_skipped_and_counted(seeds):
    from annotator.models import Label

    Label.objects.filter(layer__scheme=seeds.scheme, layer__key="rhetoric", value="exaggeration").delete()
    report = suggestions_make(project=seeds)
    assert report.rows[("rules-rhetoric", "rhetoric")].skipped > 0
    assert not Suggestion.objects.filter(reason__startswith="superlative").exists()


def test_progress_is_reported_per_document(seeds):
    seen = []
    suggestions_make(project=seeds, batch_size=2, on_progress=seen.append)
    assert seen == [2, 1]
    seen.clear()
    suggestions_make(project=seeds, batch_size=2, on_progress=seen.append)
    assert seen == [2, 1]


def test_blank_pipeline_still_suggests(seeds, settings):
    settings.STANCEMARK_SPACY_MODEL = "no_such_pipeline_for_the_command"
    out, _ = run("seeds")
    assert "en_pipeline" in out
    assert Suggestion.objects.filter(project=seeds).exists()
    assert SuggestedDocumentLabel.objects.filter(project=seeds).count() == 3


def test_unknown_project_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No project 'nope'"):
        run("nope")


def test_enqueue_with_the_immediate_backend_runs_the_task(seeds):
    with override_settings(TASKS=IMMEDIATE):
        out, _ = run("seeds", "--enqueue")
    assert "Enqueued suggestions for 'seeds': task " in out
    assert SuggestionRun.objects.filter(project=seeds, status="done").count() == 3 * 4
    assert SuggestedDocumentLabel.objects.filter(project=seeds).count() == 3


def test_task_returns_the_report(seeds):
    from annotator.tasks import suggest_project

    with override_settings(TASKS=IMMEDIATE):
        result = suggest_project.enqueue(seeds.pk)
    assert result.status == "SUCCESSFUL"
    assert result.return_value["documents_processed"] == 3
    assert {row["layer"] for row in result.return_value["rows"]} >= {
        "argument",
        "source",
        "rhetoric",
        "stance",
    }


def test_enqueue_with_the_database_backend_stores_the_task(seeds):
    from django_tasks_db.models import DBTaskResult

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        out, _ = run("seeds", "--enqueue")
    task_id = out.strip().rsplit(" ", 1)[-1]
    assert DBTaskResult.objects.filter(pk=task_id).exists()
    assert not SuggestionRun.objects.exists()  # waits for the worker
