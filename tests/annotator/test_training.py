"""Training learned suggesters from a project's gold: split, scores, versions, activation, command, task."""

from io import StringIO
from pathlib import Path

import pytest
import spacy
from django.core.management import CommandError, call_command
from django.test import override_settings
from factories import AnnotationSetFactory, UserFactory, gold_document, synthetic_gold_project

from annotator.models import SuggestedDocumentLabel, TrainedModel
from annotator.services.suggestions import suggestions_make
from annotator.services.training import (
    GoldDocument,
    classification_scores,
    gold_split,
    model_train,
    span_scores,
    usable_gold,
)
from annotator.suggesters import default_suggesters
from corpus.models import Document

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
EPOCHS = 8


def document(number: int, content_hash: str) -> GoldDocument:
    return GoldDocument(number, f"text {number}", content_hash, "pro-engagement", ())


# -- pure parts ---------------------------------------------------------------------------------


def test_the_held_out_fifth_is_chosen_by_content_hash_whatever_the_order():
    documents = [document(n, f"{(n * 7919) % 100:02d}" + "a" * 62) for n in range(20)]
    train, held_out = gold_split(documents)
    assert len(held_out) == 4 and len(train) == 16
    assert gold_split(list(reversed(documents))) == (train, held_out)
    assert max(d.content_hash for d in held_out) < min(d.content_hash for d in train)


def test_even_tiny_gold_keeps_a_document_on_each_side():
    train, held_out = gold_split([document(1, "a"), document(2, "b")])
    assert [d.id for d in held_out] == [1] and [d.id for d in train] == [2]


def test_stance_scores_macro_average_over_the_gold_labels():
    gold = ["pro-engagement", "pro-engagement", "pro-sanctions", "pro-sanctions"]
    scores = classification_scores(gold, ["pro-engagement", "pro-sanctions", "pro-sanctions", None])
    assert scores["accuracy"] == 0.5
    assert scores["per_label"]["pro-engagement"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": 0.6667,
        "support": 2,
    }
    assert scores["per_label"]["pro-sanctions"]["f1"] == 0.5
    assert scores["macro_f1"] == pytest.approx((0.6667 + 0.5) / 2, abs=1e-4)


def test_span_scores_count_only_exact_matches():
    gold = {(1, 0, 5, "argument:claim"), (1, 10, 20, "argument:premise")}
    predicted = {(1, 0, 5, "argument:claim"), (1, 10, 19, "argument:premise"), (2, 0, 5, "argument:claim")}
    scores = span_scores(gold, predicted)
    assert (scores["precision"], scores["recall"], scores["f1"]) == (0.3333, 0.5, 0.4)
    assert scores["per_label"]["argument:premise"]["f1"] == 0.0


# -- training on gold ---------------------------------------------------------------------------


@pytest.mark.slow
def test_a_stance_model_trained_on_gold_beats_the_rules_and_becomes_active(gold_project, model_dir):
    seen = []
    trained = model_train(project=gold_project, kind="textcat", epochs=EPOCHS, on_progress=seen.append)

    trained.refresh_from_db()
    assert trained.status == "ready" and trained.error == ""
    assert (trained.version, trained.progress) == (1, 1.0)
    assert seen == sorted(seen) and seen[0] == 0.0 and seen[-1] == 1.0 and len(seen) > EPOCHS
    assert trained.metrics["train_documents"] == 24 and trained.metrics["held_out_documents"] == 6
    assert trained.metrics["accuracy"] >= 0.8 and trained.metrics["macro_f1"] >= 0.8
    assert len(trained.metrics["losses"]) == EPOCHS
    # The stance words are not in the rule lexicon: the rules find no policy framing at all.
    assert trained.baseline_metrics["accuracy"] == 0.0
    assert trained.baseline_metrics["suggester"].startswith("rules-stance")
    assert trained.is_active and trained.metrics["beats_rules"] is True
    assert trained.finished_at is not None
    assert Path(trained.path) == model_dir / f"project-{gold_project.pk}" / "textcat-v1"

    nlp = spacy.load(trained.path)
    cats = nlp("Washington should send envoys to Pyongyang and exchange family visits.").cats
    assert max(cats, key=cats.get) == "pro-engagement"


@pytest.mark.slow
def test_a_model_that_only_ties_the_rules_is_kept_but_not_used(project, annotator, model_dir):
    for number in range(24):
        if number % 2:
            text, stance = (
                f"Report {number}. Sanctions and pressure on Pyongyang are the answer.",
                "pro-sanctions",
            )
        else:
            text, stance = (
                f"Report {number}. Talks and diplomacy with Pyongyang are the answer.",
                "pro-engagement",
            )
        gold_document(project, annotator, text, stance)

    trained = model_train(project=project, kind="textcat", epochs=4)

    assert trained.status == "ready" and trained.baseline_metrics["accuracy"] == 1.0
    assert not trained.is_active and trained.metrics["beats_rules"] is False
    assert [s.name for s in default_suggesters(project)] == [
        "rules-argument",
        "rules-attribution",
        "rules-rhetoric",
        "rules-stance",
    ]
    suggestions_make(project=project)
    assert set(
        SuggestedDocumentLabel.objects.filter(project=project).values_list("suggester", flat=True)
    ) == {"rules-stance"}


@pytest.mark.slow
def test_a_new_version_that_beats_the_rules_replaces_the_active_one(gold_project):
    older = TrainedModel.objects.create(
        project=gold_project, kind="textcat", version=1, status="ready", is_active=True, path="/gone"
    )
    other_kind = TrainedModel.objects.create(
        project=gold_project, kind="spancat", version=1, status="ready", is_active=True, path="/gone"
    )

    trained = model_train(project=gold_project, kind="textcat", epochs=EPOCHS)

    assert trained.version == 2 and trained.is_active
    older.refresh_from_db()
    other_kind.refresh_from_db()
    assert not older.is_active and other_kind.is_active


def test_too_little_gold_fails_and_says_how_much_is_needed(project, annotator, model_dir):
    synthetic_gold_project(project, annotator, 7)
    gold_document(project, annotator, "A submitted document without a stance.")

    trained = model_train(project=project, kind="textcat")

    trained.refresh_from_db()
    assert trained.status == "failed" and not trained.is_active and trained.finished_at is not None
    assert f"project '{project.slug}' has 7 gold document(s) with a stance" in trained.error
    assert "at least 20 are needed" in trained.error
    assert not model_dir.exists()


def test_documents_with_two_submissions_are_not_gold(gold_project, annotator):
    first = usable_gold(gold_project, "textcat")[0]
    AnnotationSetFactory(
        project=gold_project,
        document=Document.objects.get(pk=first.id),
        annotator=UserFactory(username="second"),
        status="submitted",
    )
    assert first.id not in {d.id for d in usable_gold(gold_project, "textcat")}
    assert len(usable_gold(gold_project, "spancat")) == 29


def test_a_single_stance_in_the_training_gold_is_a_clear_failure(project, annotator, model_dir):
    for number in range(20):
        gold_document(project, annotator, f"Opinion {number}: send envoys.", "pro-engagement")
    trained = model_train(project=project, kind="textcat")
    assert trained.status == "failed"
    assert "only one stance label (pro-engagement)" in trained.error


@pytest.mark.slow
def test_a_span_model_learns_loaded_words_the_rule_lexicon_lacks(gold_project):
    trained = model_train(project=gold_project, kind="spancat", epochs=20)

    assert trained.status == "ready" and trained.progress == 1.0
    metrics, rules = trained.metrics, trained.baseline_metrics
    assert metrics["labels"] == ["argument:claim", "argument:premise", "rhetoric:loaded-language"]
    assert metrics["match"] == "exact" and metrics["candidate_recall"] == 1.0
    assert {"precision", "recall", "f1", "per_label"} <= set(metrics) and {
        "precision",
        "recall",
        "f1",
    } <= set(rules)
    assert rules["per_label"]["rhetoric:loaded-language"]["recall"] == 0.0
    assert metrics["per_label"]["rhetoric:loaded-language"]["recall"] > 0.5
    assert metrics["f1"] > rules["f1"] and trained.is_active


# -- command and task ---------------------------------------------------------------------------


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("train", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.slow
def test_train_command_prints_the_model_against_the_rules(gold_project):
    out, _ = run(gold_project.slug, "--kind", "textcat", "--epochs", str(EPOCHS))
    assert f"Model vs rules on the held-out gold of '{gold_project.slug}'" in out
    lines = out.splitlines()
    header = next(line for line in lines if "metric" in line)
    assert header.split() == ["trained", "metric", "model", "rules"]
    accuracy = next(line for line in lines if "accuracy" in line).split()
    assert accuracy[:3] == ["textcat", "v1", "accuracy"] and accuracy[-1] == "0.000"
    assert any("macro-F1" in line for line in lines)
    assert "textcat v1: active: it beats the rules" in out


def test_train_command_too_little_gold_exits_with_the_reason(project, model_dir):
    with pytest.raises(CommandError, match="textcat v1 failed: Too little gold to train textcat"):
        run(project.slug, "--kind", "textcat")


def test_train_command_rejects_unknown_projects_and_bad_epochs(project):
    with pytest.raises(CommandError, match="No project 'nope'"):
        run("nope")
    with pytest.raises(CommandError, match="--epochs must be at least 1"):
        run(project.slug, "--epochs", "0")


@pytest.mark.slow
def test_the_training_task_trains_both_kinds(gold_project):
    with override_settings(TASKS=IMMEDIATE):
        out, _ = run(gold_project.slug, "--kind", "all", "--epochs", "6", "--enqueue")
    assert "Enqueued training for" in out
    models = {m.kind: m for m in TrainedModel.objects.filter(project=gold_project)}
    assert set(models) == {"textcat", "spancat"}
    assert all(m.status == "ready" and m.progress == 1.0 and m.metrics for m in models.values())
