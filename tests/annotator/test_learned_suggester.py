"""The learned suggesters: an active trained model proposes stance and spans next to the rules."""

import logging
import shutil

import pytest
import spacy
from factories import DocumentFactory

from annotator.models import SuggestedDocumentLabel, Suggestion, SuggestionRun, TrainedModel
from annotator.services.suggestions import suggestions_make
from annotator.services.training import model_train
from annotator.suggesters import default_suggesters
from annotator.suggesters.base import check_result
from annotator.suggesters.candidates import candidate_spans, sentence_ranges
from annotator.suggesters.learned import LearnedSpanSuggester, LearnedStanceSuggester, load_model

NEW_ENGAGEMENT = (
    "A letter to the editor.\nWe must reopen the liaison office and send envoys to Pyongyang. "
    "Exchange family visits soon."
)
NEW_SANCTIONS = "Freeze the assets of the elite. We should blacklist their banks and expel their agents."


@pytest.fixture
def stance_model(gold_project):
    trained = model_train(project=gold_project, kind="textcat", epochs=8)
    assert trained.is_active
    return trained


def learned_stances(project):
    return {
        row.document_id: row
        for row in SuggestedDocumentLabel.objects.filter(project=project, suggester="learned-textcat")
    }


# -- candidates (no database) -------------------------------------------------------------------


def test_candidates_cover_clauses_sentences_and_short_ngrams():
    doc = spacy.blank("en")(
        "Opinion 1. The crooked rulers watch.\nBecause the border is quiet, Seoul should act."
    )
    texts = {doc[a:b].text for a, b in candidate_spans(doc, [1, 2], max_clauses=3)}
    assert {"crooked", "crooked rulers", "the border is quiet", "Seoul should act"} <= texts
    assert "Because the border is quiet, Seoul should act" in texts
    assert "The crooked rulers watch." not in texts and "The crooked rulers watch" in texts
    assert all(not doc[a].is_space and not doc[b - 1].is_space for a, b in candidate_spans(doc, [1, 2], 3))
    assert [doc[a:b].text for a, b in sentence_ranges(doc)] == [
        "Opinion 1.",
        "The crooked rulers watch.",
        "Because the border is quiet, Seoul should act.",
    ]


# -- stance -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_an_active_stance_model_suggests_stance_on_new_documents(stance_model, gold_project):
    engagement = DocumentFactory(corpus=gold_project.corpus, text=NEW_ENGAGEMENT)
    sanctions = DocumentFactory(corpus=gold_project.corpus, text=NEW_SANCTIONS)

    report = suggestions_make(project=gold_project, documents=[engagement, sanctions])

    assert not report.failures
    stances = learned_stances(gold_project)
    assert stances[engagement.pk].label.value == "pro-engagement"
    assert stances[sanctions.pk].label.value == "pro-sanctions"
    suggestion = stances[engagement.pk]
    assert suggestion.reason.startswith("trained model v1") and 0.5 < suggestion.score <= 1
    assert suggestion.suggester_version.startswith("v1/")
    assert suggestion.sentences and all(
        0 <= start < end <= len(NEW_ENGAGEMENT) for start, end in suggestion.sentences
    )
    assert "We must reopen the liaison office and send envoys to Pyongyang." in [
        NEW_ENGAGEMENT[start:end] for start, end in suggestion.sentences
    ]
    # The rules still run next to the model.
    assert set(SuggestionRun.objects.filter(document=engagement).values_list("suggester", flat=True)) == {
        "rules-argument",
        "rules-attribution",
        "rules-rhetoric",
        "rules-stance",
        "learned-textcat",
    }


@pytest.mark.slow
def test_rerunning_skips_documents_done_by_the_same_model_version(stance_model, gold_project):
    document = DocumentFactory(corpus=gold_project.corpus, text=NEW_ENGAGEMENT)
    suggestions_make(project=gold_project, documents=[document])

    report = suggestions_make(project=gold_project, documents=[document])

    assert (report.documents_processed, report.documents_already_done) == (0, 1)
    newer = TrainedModel.objects.create(
        project=gold_project,
        kind="textcat",
        version=2,
        status="ready",
        is_active=True,
        path=stance_model.path,
    )
    TrainedModel.objects.filter(pk=stance_model.pk).update(is_active=False)
    report = suggestions_make(project=gold_project, documents=[document])
    assert report.documents_processed == 1
    (row,) = SuggestedDocumentLabel.objects.filter(document=document, suggester="learned-textcat")
    assert row.suggester_version.startswith("v2/") and row.reason.startswith(
        f"trained model v{newer.version}"
    )
    runs = SuggestionRun.objects.filter(document=document, suggester="learned-textcat")
    assert [run.suggester_version.split("/")[0] for run in runs] == ["v2"]


def test_models_that_are_inactive_failed_or_still_training_are_not_used(project, model_dir):
    for version, status, active in [(1, "ready", False), (2, "failed", True), (3, "training", True)]:
        TrainedModel.objects.create(
            project=project, kind="textcat", version=version, status=status, is_active=active, path="/x"
        )
    assert [s.name for s in default_suggesters(project)][-1] == "rules-stance"
    assert len(default_suggesters(project)) == 4


@pytest.mark.slow
def test_an_active_model_whose_folder_is_gone_is_skipped_with_a_warning(stance_model, gold_project, caplog):
    moved = stance_model.path + "-moved"
    shutil.move(stance_model.path, moved)
    with caplog.at_level(logging.WARNING, logger="annotator.suggesters.learned"):
        names = [s.name for s in default_suggesters(gold_project)]
    assert "learned-textcat" not in names
    assert "has no folder" in caplog.text
    shutil.move(moved, stance_model.path)
    assert "learned-textcat" in [s.name for s in default_suggesters(gold_project)]


@pytest.mark.slow
def test_a_model_is_loaded_once_per_path(stance_model):
    first = LearnedStanceSuggester(stance_model)
    second = LearnedStanceSuggester(stance_model)
    assert first.nlp is second.nlp is load_model(stance_model.path)
    assert (first.name, first.version) == ("learned-textcat", "v1")


# -- spans --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_an_active_span_model_suggests_argument_and_rhetoric_spans(gold_project):
    trained = model_train(project=gold_project, kind="spancat", epochs=20)
    assert trained.is_active
    text = (
        "Opinion 99. The crooked rulers in Pyongyang are watching.\n"
        "Because the border is quiet, Tokyo should act."
    )
    document = DocumentFactory(corpus=gold_project.corpus, text=text)

    suggester = LearnedSpanSuggester(trained)
    result = suggester.suggest(spacy.blank("en")(text))
    check_result(result, text)
    assert suggester.name == "learned-spancat"

    suggestions_make(project=gold_project, documents=[document])
    found = {
        (s.label.layer.key, s.label.value, text[s.start : s.end])
        for s in Suggestion.objects.filter(document=document, suggester="learned-spancat")
    }
    assert ("rhetoric", "loaded-language", "crooked") in found
    assert ("argument", "premise", "the border is quiet") in found
    assert all(
        s.reason.startswith("trained model v1") and 0.0 <= s.score <= 1.0
        for s in Suggestion.objects.filter(document=document, suggester="learned-spancat")
    )
