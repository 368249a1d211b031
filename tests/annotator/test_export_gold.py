"""export_gold writes one valid JSON line per document; gold spans quote the text exactly."""

import json

import pytest
from django.core.management import CommandError, call_command
from factories import (
    EMOJI_TEXT,
    AnnotationSetFactory,
    DocumentFactory,
    MembershipFactory,
    ProjectFactory,
)

from annotator.models import AnnotationSet
from annotator.services import annotations as services

pytestmark = pytest.mark.django_db


def annotate(annotation_set, spans, relation=None, stance=None, submit=True):
    """Write spans [(layer, label, start, end)], a relation (head index, tail index) and a stance."""
    version = annotation_set.version
    made = []
    for layer, label, start, end in spans:
        made.append(
            services.span_create(
                annotation_set=annotation_set, version=version, layer=layer, label=label, start=start, end=end
            )
        )
        version += 1
    if relation:
        services.relation_create(
            annotation_set=annotation_set,
            version=version,
            label="supports",
            head=made[relation[0]].pk,
            tail=made[relation[1]].pk,
        )
        version += 1
    if stance:
        services.document_label_set(
            annotation_set=annotation_set, version=version, label=stance, confidence=4, rationale=[made[0].pk]
        )
        version += 1
    if submit:
        services.annotation_set_submit(annotation_set=annotation_set, version=version)
    return made


def export(project, tmp_path, *extra) -> list[dict]:
    out = tmp_path / "gold.jsonl"
    call_command("export_gold", project.slug, "--format", "jsonl", "--out", str(out), *extra)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def gold_set(annotation_set):
    """The fixture annotator's submitted work on the emoji document."""
    talks = EMOJI_TEXT.index("Talks")
    annotate(
        annotation_set,
        [
            ("argument", "claim", 2, 25),
            ("argument", "premise", talks, talks + 22),
            ("rhetoric", "loaded-language", 0, 1),
            ("rhetoric", "exaggeration", talks, talks + 22),
        ],
        relation=(1, 0),
        stance="pro-engagement",
    )
    return annotation_set


def test_every_document_is_one_json_line(gold_set, tmp_path):
    DocumentFactory(corpus=gold_set.project.corpus)
    out = tmp_path / "gold.jsonl"
    call_command("export_gold", gold_set.project.slug, "--format", "jsonl", "--out", str(out))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert all(isinstance(json.loads(line), dict) for line in lines)


def test_every_exported_span_quotes_the_text_at_its_offsets(gold_set, tmp_path):
    (record,) = export(gold_set.project, tmp_path)
    assert record["text"] == EMOJI_TEXT
    assert len(record["spans"]) == 4
    for span in record["spans"]:
        assert span["text"] == record["text"][span["start"] : span["end"]]


def test_a_span_after_an_emoji_exports_with_the_right_text(gold_set, tmp_path):
    (record,) = export(gold_set.project, tmp_path)
    assert {(s["layer"], s["label"], s["text"]) for s in record["spans"]} >= {
        ("argument", "premise", "Talks are the only way"),
        ("rhetoric", "loaded-language", "🙂"),
    }


def test_the_emoji_is_written_as_itself_not_escaped(gold_set, tmp_path):
    export(gold_set.project, tmp_path)
    assert "🙂" in (tmp_path / "gold.jsonl").read_text(encoding="utf-8")


def test_relations_and_rationale_point_at_exported_spans(gold_set, tmp_path):
    (record,) = export(gold_set.project, tmp_path)
    ids = {span["id"] for span in record["spans"]}
    (relation,) = record["relations"]
    assert {relation["head"], relation["tail"]} <= ids
    assert record["stance"]["label"] == "pro-engagement"
    assert record["stance"]["confidence"] == 4
    assert set(record["stance"]["rationale"]) <= ids
    assert record["document_labels"] == {"stance": record["stance"]}


def test_the_record_carries_provenance_metadata(gold_set, tmp_path):
    (record,) = export(gold_set.project, tmp_path)
    project = gold_set.project
    assert record["status"] == "gold"
    assert record["annotators"] == [gold_set.annotator.username]
    assert record["meta"]["content_hash"] == gold_set.document.content_hash
    assert record["meta"]["project"] == project.slug
    assert record["meta"]["corpus"] == project.corpus.slug
    assert record["meta"]["scheme"] == f"{project.scheme.slug}@{project.scheme.version}"


def test_work_in_progress_is_not_exported(annotation_set, tmp_path):
    annotate(annotation_set, [("argument", "claim", 2, 10)], submit=False)
    (record,) = export(annotation_set.project, tmp_path)
    assert record["status"] == "unannotated"
    assert (record["spans"], record["relations"], record["stance"]) == ([], [], None)
    assert record["annotators"] == []


def test_a_document_two_annotators_submitted_needs_curation(gold_set, tmp_path):
    second = AnnotationSetFactory(project=gold_set.project, document=gold_set.document)
    annotate(second, [("argument", "claim", 2, 10)])
    (record,) = export(gold_set.project, tmp_path)
    assert record["status"] == "needs-curation"
    assert record["spans"] == []
    assert sorted(record["annotators"]) == sorted([gold_set.annotator.username, second.annotator.username])


def test_all_annotators_adds_each_submitted_annotation(gold_set, tmp_path):
    second = AnnotationSetFactory(project=gold_set.project, document=gold_set.document)
    annotate(second, [("argument", "claim", 2, 10)])
    (record,) = export(gold_set.project, tmp_path, "--all-annotators")
    by_annotator = {a["annotator"]: a for a in record["annotations"]}
    assert set(by_annotator) == {gold_set.annotator.username, second.annotator.username}
    assert len(by_annotator[gold_set.annotator.username]["spans"]) == 4
    assert [s["text"] for s in by_annotator[second.annotator.username]["spans"]] == [EMOJI_TEXT[2:10]]
    assert all(a["submitted_at"] for a in record["annotations"])


def test_another_projects_work_on_the_same_corpus_is_not_exported(gold_set, tmp_path):
    other_project = ProjectFactory(corpus=gold_set.project.corpus, scheme=gold_set.project.scheme)
    (record,) = export(other_project, tmp_path)
    assert record["status"] == "unannotated"


def test_exporting_to_stdout_writes_the_same_lines(gold_set, tmp_path, capsys):
    call_command("export_gold", gold_set.project.slug, "--format", "jsonl", "--out", "-")
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert printed == export(gold_set.project, tmp_path)


def test_the_export_leaves_no_partial_file(gold_set, tmp_path):
    export(gold_set.project, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["gold.jsonl"]


def test_an_unknown_project_is_an_error(db, tmp_path):
    with pytest.raises(CommandError, match="No project"):
        call_command("export_gold", "nope", "--format", "jsonl", "--out", str(tmp_path / "x"))


def test_an_output_folder_that_does_not_exist_is_an_error(project, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command(
            "export_gold",
            project.slug,
            "--format",
            "jsonl",
            "--out",
            str(tmp_path / "missing" / "gold.jsonl"),
        )


def test_the_seed_project_exports_its_articles_unannotated(seeded_project, tmp_path):
    records = export(seeded_project, tmp_path)
    assert len(records) == 3
    assert {r["status"] for r in records} == {"unannotated"}
    assert {r["meta"]["kind"] for r in records} == {"analysis", "news-report", "opinion"}


def test_the_seed_project_exports_real_scheme_annotations(seeded_project, tmp_path):
    document = seeded_project.corpus.documents.order_by("id").first()
    user = MembershipFactory(project=seeded_project).user
    annotation_set = AnnotationSet.objects.create(project=seeded_project, document=document, annotator=user)
    nightmare = document.text.index("nightmare")
    annotate(
        annotation_set,
        [("rhetoric", "loaded-language", nightmare, nightmare + 9), ("source", "source", 0, 5)],
        stance="pro-sanctions",
    )
    record = next(r for r in export(seeded_project, tmp_path) if r["id"] == document.pk)
    assert record["status"] == "gold"
    assert [s["text"] for s in record["spans"]] == [document.text[0:5], "nightmare"]
    assert record["stance"]["label"] == "pro-sanctions"


def test_the_export_reads_a_chunk_of_documents_in_a_fixed_number_of_queries(gold_set, tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        export(gold_set.project, tmp_path)
    for _ in range(5):
        more = AnnotationSetFactory(project=gold_set.project)
        annotate(more, [("argument", "claim", 0, 5)], stance="pro-sanctions")
    with CaptureQueriesContext(connection) as six:
        records = export(gold_set.project, tmp_path)
    assert len(records) == 6
    assert len(six) == len(one)
