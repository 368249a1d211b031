"""The exported `.spacy` file trains a spaCy spancat and textcat with `python -m spacy train`."""

import subprocess
import sys

import pytest
from django.core.management import call_command
from factories import AnnotationSetFactory

from annotator.services import annotations as services

pytestmark = pytest.mark.django_db

STANCES = ["pro-engagement", "pro-sanctions"]


def test_a_tiny_spancat_and_textcat_train_one_epoch_on_the_exported_docbin(project, annotator, tmp_path):
    for n in range(8):
        claim = "Talks are the only way out" if n % 2 == 0 else "Sanctions must be tightened"
        text = f"Column {n}. {claim}. Kim fears the worst.\n"
        annotation_set = AnnotationSetFactory(project=project, annotator=annotator, document__text=text)
        start = text.index(claim)
        services.span_create(
            annotation_set=annotation_set,
            version=1,
            layer="argument",
            label="claim",
            start=start,
            end=start + len(claim),
        )
        services.document_label_set(
            annotation_set=annotation_set, version=2, label=STANCES[n % 2], confidence=3
        )
        services.annotation_set_submit(annotation_set=annotation_set, version=3)
    data = tmp_path / "gold.spacy"
    call_command("export_gold", project.slug, "--format", "spacy", "--out", str(data))

    from spacy.cli.init_config import init_config

    init_config(lang="en", pipeline=["spancat", "textcat"], optimize="efficiency").to_disk(
        tmp_path / "config.cfg"
    )
    overrides = {
        "--paths.train": data,
        "--paths.dev": data,
        "--training.max_epochs": 1,
        "--training.max_steps": 0,
        "--components.spancat.spans_key": "argument",
        "--system.seed": 1,
    }
    command = [
        sys.executable,
        "-m",
        "spacy",
        "train",
        tmp_path / "config.cfg",
        "--output",
        tmp_path / "model",
    ]
    command += [item for pair in overrides.items() for item in pair]
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    import spacy

    nlp = spacy.load(tmp_path / "model" / "model-last")
    assert set(nlp.get_pipe("textcat").labels) == {"pro-engagement", "pro-sanctions", "neutral-or-mixed"}
    assert nlp.get_pipe("spancat").labels == ("claim",)
