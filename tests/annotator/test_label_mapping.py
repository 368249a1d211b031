"""Labels a file brings that the scheme lacks: listed with counts, mapped, or added to the scheme."""

import json
from pathlib import Path

import pytest
from factories import MembershipFactory, UserFactory

from annotator.models import Label, Span, SuggestedDocumentLabel, SuggestedRelation, Suggestion
from annotator.services.label_mapping import LabelAdder, SourceLabel, label_map_load
from corpus.importers.records import RecordError
from corpus.models import Document
from corpus.services import LabelsUnknown, corpus_import

pytestmark = pytest.mark.django_db

TEXT = "Sanctions have failed for decades. Talks are the only way out."


def gold(path: Path, *records: dict) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def record_with(*labels: str, stance: str | None = None, text: str = TEXT) -> dict:
    """A record with a span per label (`layer:label` names the layer) and optionally a stance."""
    spans = [
        {"id": i, "start": 0, "end": 9, "label": label.rpartition(":")[2]}
        | ({"layer": label.partition(":")[0]} if ":" in label else {})
        for i, label in enumerate(labels)
    ]
    return {"text": text, "spans": spans, "stance": {"label": stance} if stance else None}


@pytest.fixture
def importer(project):
    user = MembershipFactory(project=project, user=UserFactory(username="importer")).user

    def run(path: Path, **options):
        return corpus_import(
            corpus=project.corpus, path=path, format="jsonl", project=project, annotator=user, **options
        )

    return run


def test_unknown_labels_are_listed_with_counts_and_nothing_is_written(project, importer, tmp_path):
    path = gold(
        tmp_path / "g.jsonl",
        record_with("Claim", "argument:thesis"),
        record_with("Claim", stance="hawkish", text="Another text."),
    )
    with pytest.raises(LabelsUnknown) as error:
        importer(path)
    counts = {item["label"]: (item["kind"], item["count"]) for item in error.value.unknown}
    assert counts == {"Claim": ("span", 2), "argument:thesis": ("span", 1), "stance:hawkish": ("document", 1)}
    first = {item["label"]: item["first"] for item in error.value.unknown}
    assert first["Claim"] == f"{path}, line 1, field 'spans[0].label': " + (
        f"'Claim' is not a span label of scheme '{project.scheme.slug}'; map it or add it to the scheme."
    )
    assert not Document.objects.exists()


def test_unknown_labels_block_the_import_even_when_skipping_bad_records(project, importer, tmp_path):
    path = gold(tmp_path / "g.jsonl", {"text": "Fine."}, record_with("Claim"))
    with pytest.raises(LabelsUnknown):
        importer(path, skip_bad=True)
    assert not Document.objects.exists()


def test_a_label_map_renames_source_labels_to_the_schemes(project, importer, tmp_path):
    mapping = tmp_path / "map.json"
    mapping.write_text(
        json.dumps(
            {
                "Claim": "argument:claim",
                "argument:thesis": "argument:premise",
                "hawkish": "stance:pro-sanctions",
            }
        )
    )
    path = gold(tmp_path / "g.jsonl", record_with("Claim", "argument:thesis", stance="hawkish"))
    report = importer(path, label_map=label_map_load(mapping, project.scheme))
    assert (report.spans, report.document_labels) == (2, 1)
    assert sorted(Span.objects.values_list("label__value", flat=True)) == ["claim", "premise"]


def test_a_label_map_with_an_unknown_target_names_the_file_and_key(project, tmp_path):
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"Claim": "argument:thesis"}))
    with pytest.raises(RecordError) as error:
        label_map_load(mapping, project.scheme)
    problem = error.value.problem
    assert (problem.file, problem.field) == (str(mapping), "Claim")
    assert "'argument:thesis' is not a label of scheme" in problem.message


@pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"Claim": "claim"}', '{"Claim": 3}'])
def test_a_malformed_label_map_is_refused(project, tmp_path, content):
    mapping = tmp_path / "map.json"
    mapping.write_text(content)
    with pytest.raises(RecordError, match=str(mapping)):
        label_map_load(mapping, project.scheme)


def test_a_label_mapped_onto_the_wrong_kind_is_a_problem(project, importer, tmp_path):
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"Claim": "stance:pro-sanctions"}))
    path = gold(tmp_path / "g.jsonl", record_with("Claim"))
    with pytest.raises(Exception, match="is mapped to 'stance:pro-sanctions', not a span label"):
        importer(path, label_map=label_map_load(mapping, project.scheme))


def test_add_labels_puts_them_under_the_files_layer_with_a_colour_and_no_shortcut(
    project, importer, tmp_path
):
    path = gold(tmp_path / "g.jsonl", record_with("argument:Thesis Statement", "Straw Man"))
    report = importer(path, add_labels=True, layer="rhetoric")
    assert report.labels_added == ["argument:thesis-statement", "rhetoric:straw-man"]
    thesis = Label.objects.get(layer__scheme=project.scheme, layer__key="argument", value="thesis-statement")
    assert (thesis.name, thesis.shortcut) == ("Thesis Statement", "")
    assert thesis.color.startswith("#") and thesis.color != "#888888"
    assert report.spans == 2


def test_add_labels_without_a_layer_names_the_label_that_needs_one(project, importer, tmp_path):
    path = gold(tmp_path / "g.jsonl", record_with("Straw Man"))
    with pytest.raises(Exception, match="'Straw Man' names no layer"):
        importer(path, add_labels=True)
    assert not Label.objects.filter(value="straw-man").exists()


def test_add_labels_creates_a_layer_the_file_names(project):
    adder = LabelAdder(project.scheme)
    label = adder.label_add(SourceLabel("span", "framing", "Economic"))
    assert (label.layer.key, label.layer.kind, label.value) == ("framing", "span", "economic")


def test_add_labels_refuses_a_layer_of_another_kind(project):
    with pytest.raises(ValueError, match="layer 'stance' holds document labels"):
        LabelAdder(project.scheme).label_add(SourceLabel("span", "stance", "odd"))


def test_suggestions_keep_relations_and_the_stance(project, tmp_path):
    record = {
        "text": TEXT,
        "spans": [
            {"id": 1, "start": 0, "end": 9, "label": "claim"},
            {"id": 2, "start": 35, "end": 40, "label": "premise"},
        ],
        "relations": [{"head": 2, "tail": 1, "label": "supports"}],
        "stance": {"label": "pro-engagement", "confidence": 4, "rationale": [2]},
    }
    path = gold(tmp_path / "g.jsonl", record)
    report = corpus_import(
        corpus=project.corpus, path=path, format="jsonl", project=project, as_suggestions=True
    )
    assert (report.suggestions, report.suggested_relations, report.suggested_document_labels) == (2, 1, 1)
    relation = SuggestedRelation.objects.get()
    assert (relation.head.label.value, relation.tail.label.value, relation.label.value) == (
        "premise",
        "claim",
        "supports",
    )
    stance = SuggestedDocumentLabel.objects.get()
    assert (stance.label.value, stance.score, stance.sentences) == ("pro-engagement", 0.8, [[35, 40]])
    again = corpus_import(
        corpus=project.corpus, path=path, format="jsonl", project=project, as_suggestions=True
    )
    assert (again.suggestions, again.suggested_relations, again.suggested_document_labels) == (0, 0, 0)
    assert Suggestion.objects.count() == 2
