"""Readers for CSV, doccano, Label Studio, brat and PTC: records straight from files, then full imports."""

import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from annotator.models import AnnotationSet, DocumentLabel, Relation, Span, Suggestion
from corpus.importers import READERS
from corpus.importers.brat import read_brat
from corpus.importers.csv import make_csv_reader, read_csv
from corpus.importers.doccano import read_doccano
from corpus.importers.labelstudio import read_labelstudio
from corpus.importers.ptc import read_ptc, technique_label
from corpus.importers.records import DocumentRecord, RecordError
from corpus.models import Document

EMOJI = "🙂"


def records(reader, path: Path) -> list[DocumentRecord | RecordError]:
    return list(reader(path))


def only_record(reader, path: Path) -> DocumentRecord:
    items = records(reader, path)
    errors = [i for i in items if isinstance(i, RecordError)]
    assert not errors, errors
    assert len(items) == 1
    return items[0]


def only_error(reader, path: Path) -> RecordError:
    errors = [i for i in records(reader, path) if isinstance(i, RecordError)]
    assert len(errors) == 1, errors
    return errors[0]


@pytest.fixture
def seeds(db):
    from annotator.services.seeds import seeds_load

    seeds_load()
    from annotator.models import Project

    return Project.objects.get(slug="seeds")


@pytest.fixture
def ann(seeds):
    from annotator.models import Membership

    user = get_user_model().objects.create_user(username="importer", password="x")
    Membership.objects.create(project=seeds, user=user)
    return user


def run_import(path: Path, fmt: str, *extra: str) -> None:
    call_command("import_corpus", "seeds", str(path), "--format", fmt, *extra)


def imported_spans(text: str, user) -> list[tuple[str, str, str, dict]]:
    document = Document.objects.get(text=text)
    rows = Span.objects.filter(annotation_set__document=document, annotation_set__annotator=user)
    return sorted(
        (f"{s.label.layer.key}:{s.label.value}", text[s.start : s.end], s.origin, s.attributes)
        for s in rows.select_related("label__layer")
    )


def test_the_new_formats_are_registered():
    assert {"csv", "doccano", "labelstudio", "brat", "ptc"} <= set(READERS)


# --- CSV --------------------------------------------------------------------------------------


def test_csv_reads_a_chosen_column_with_line_numbers_of_row_starts(tmp_path):
    path = tmp_path / "articles.csv"
    path.write_bytes(
        b"\xef\xbb\xbfid,headline,body,outlet\r\n"
        b'a1,Talks,"Talks are the only way.\r\nKim agrees.",Daily\r\n'
        b"\r\n"
        b"a2,Sanctions,Sanctions work.,Weekly\r\n"
    )
    items = records(make_csv_reader(text_column="body", title_column="headline", id_column="id"), path)
    assert [(r.line, r.external_id, r.title, r.text, r.meta) for r in items] == [
        (2, "a1", "Talks", "Talks are the only way.\nKim agrees.", {"outlet": "Daily"}),
        (5, "a2", "Sanctions", "Sanctions work.", {"outlet": "Weekly"}),
    ]


def test_csv_default_column_is_text_and_other_columns_go_to_meta(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('text,lang\n"Kim fears, as ever, the worst.",en\n', encoding="utf-8")
    record = only_record(read_csv, path)
    assert (record.text, record.title, record.external_id, record.meta) == (
        "Kim fears, as ever, the worst.",
        "Kim fears, as ever, the worst.",
        "2",
        {"lang": "en"},
    )


def test_csv_missing_column_is_reported_on_line_one(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("body\nSome text.\n", encoding="utf-8")
    problem = only_error(read_csv, path).problem
    assert (problem.file, problem.line, problem.field) == (str(path), 1, "text")
    assert "no column 'text'" in problem.message


def test_csv_invalid_utf8_is_reported_by_line_and_byte_and_other_rows_still_read(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"text\nGood row.\nBad \xff row.\nAnother good row.\n")
    items = records(read_csv, path)
    assert [i.text for i in items if isinstance(i, DocumentRecord)] == ["Good row.", "Another good row."]
    [error] = [i for i in items if isinstance(i, RecordError)]
    assert (error.problem.line, error.problem.message) == (3, "invalid UTF-8 at byte 4: b'\\xff ro'.")


@pytest.mark.django_db
def test_csv_imports_end_to_end_and_is_not_duplicated(seeds, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("text,lang\nFirst imported article.,en\nSecond one.,de\n", encoding="utf-8")
    before = Document.objects.filter(corpus=seeds.corpus).count()
    run_import(path, "csv")
    run_import(path, "csv")
    assert Document.objects.filter(corpus=seeds.corpus).count() == before + 2
    assert Document.objects.get(text="Second one.").meta == {"lang": "de"}


# --- doccano ----------------------------------------------------------------------------------

DOCCANO_TEXT = f"{EMOJI} Sanctions have failed. Talks are the only way."


def doccano_lines() -> list[dict]:
    return [
        {
            "id": 7,
            "text": DOCCANO_TEXT,
            "label": [[2, 24, "argument:claim"], [25, 48, "claim"]],
            "cats": ["pro-engagement", "topic:asia"],
            "Comments": [],
        },
        {
            "text": "Kim fears the worst, says Lee.",
            "entities": [
                {"id": 1, "label": "argument:claim", "start_offset": 0, "end_offset": 19},
                {"id": 2, "label": "source", "start_offset": 26, "end_offset": 29},
            ],
            "relations": [{"id": 9, "from_id": 1, "to_id": 2, "type": "attributed-to"}],
        },
    ]


def write_jsonl(path: Path, objects: list[dict]) -> Path:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects), encoding="utf-8")
    return path


def test_doccano_reads_both_span_formats_with_code_point_offsets(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", doccano_lines())
    first, second = records(read_doccano, path)
    assert [(s.layer, s.label, first.text[s.start : s.end]) for s in first.spans] == [
        ("argument", "claim", "Sanctions have failed."),
        (None, "claim", "Talks are the only way."),
    ]
    assert first.spans[0].start == 2  # the emoji is one code point (two UTF-16 units)
    assert [(d.layer, d.label) for d in first.document_labels] == [("stance", "pro-engagement")]
    assert first.meta == {"Comments": [], "doccano_ignored_labels": ["topic:asia"]}
    assert first.external_id == "7"
    assert [(second.text[s.start : s.end], s.ref) for s in second.spans] == [
        ("Kim fears the worst", 1),
        ("Lee", 2),
    ]
    assert [(r.head, r.tail, r.label, r.layer) for r in second.relations] == [(1, 2, "attributed-to", None)]


def test_doccano_relation_to_an_unknown_entity_is_reported(tmp_path):
    line = doccano_lines()[1]
    line["relations"][0]["to_id"] = 5
    problem = only_error(read_doccano, write_jsonl(tmp_path / "d.jsonl", [line])).problem
    assert (problem.line, problem.field) == (1, "relations[0].to_id")


@pytest.mark.django_db
def test_doccano_imports_as_an_annotators_submitted_work(seeds, ann, tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", doccano_lines())
    run_import(path, "doccano", "--project", "seeds", "--as-annotator", "importer")
    assert imported_spans(DOCCANO_TEXT, ann) == [
        ("argument:claim", "Sanctions have failed.", "import", {}),
        ("argument:claim", "Talks are the only way.", "import", {}),
    ]
    stance = DocumentLabel.objects.get(
        annotation_set__annotator=ann, annotation_set__document__text=DOCCANO_TEXT
    )
    assert stance.label.value == "pro-engagement"
    relation = Relation.objects.get(annotation_set__annotator=ann)
    assert (relation.label.value, relation.head.start, relation.tail.start) == ("attributed-to", 0, 26)
    assert set(AnnotationSet.objects.filter(annotator=ann).values_list("status", flat=True)) == {"submitted"}


@pytest.mark.django_db
def test_doccano_bad_offsets_write_nothing_and_name_file_line_and_field(seeds, ann, tmp_path):
    lines = doccano_lines()
    lines[1]["entities"][1]["end_offset"] = 99
    path = write_jsonl(tmp_path / "d.jsonl", lines)
    documents = Document.objects.count()
    with pytest.raises(CommandError) as error:
        run_import(path, "doccano", "--project", "seeds", "--as-annotator", "importer")
    assert f"{path}, line 2, field 'entities[1].end_offset'" in str(error.value)
    assert Document.objects.count() == documents
    assert not Span.objects.filter(annotation_set__annotator=ann).exists()


@pytest.mark.django_db
def test_doccano_invalid_utf8_is_reported_by_position(seeds, tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"text": "fine"}\n{"text": "caf\xe9"}\n')
    with pytest.raises(CommandError) as error:
        run_import(path, "doccano")
    assert f"{path}, line 2: invalid UTF-8 at byte 13" in str(error.value)
    assert not Document.objects.filter(text="fine").exists()


# --- Label Studio -----------------------------------------------------------------------------

LS_TEXT = f"{EMOJI} Sanctions have failed. Talks are the only way."


def ls_tasks() -> list[dict]:
    return [
        {
            "id": 41,
            "data": {"text": LS_TEXT, "outlet": "Daily"},
            "annotations": [
                {
                    "result": [
                        {
                            "id": "a",
                            "type": "labels",
                            "from_name": "argument",
                            "to_name": "text",
                            "value": {
                                "start": 2,
                                "end": 24,
                                "text": "Sanctions have failed.",
                                "labels": ["premise"],
                            },
                        },
                        {
                            "id": "b",
                            "type": "labels",
                            "from_name": "label",
                            "to_name": "text",
                            "value": {"start": 25, "end": 48, "labels": ["claim"]},
                        },
                        {
                            "type": "relation",
                            "from_id": "a",
                            "to_id": "b",
                            "direction": "right",
                            "labels": ["supports"],
                        },
                        {"type": "choices", "from_name": "stance", "value": {"choices": ["pro-engagement"]}},
                        {"type": "rating", "from_name": "confidence", "value": {"rating": 4}},
                        {"type": "choices", "from_name": "topic", "value": {"choices": ["asia"]}},
                    ]
                }
            ],
        },
        {"id": 42, "data": {"text": "Kim fears the worst."}, "annotations": []},
    ]


def test_labelstudio_reads_labels_relations_and_choices(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(ls_tasks()), encoding="utf-8")
    first, second = records(read_labelstudio, path)
    assert [(s.ref, s.layer, s.label, LS_TEXT[s.start : s.end]) for s in first.spans] == [
        ("a", "argument", "premise", "Sanctions have failed."),
        ("b", None, "claim", "Talks are the only way."),
    ]
    assert [(r.head, r.tail, r.label) for r in first.relations] == [("a", "b", "supports")]
    assert [(d.layer, d.label, d.confidence) for d in first.document_labels] == [
        ("stance", "pro-engagement", 4)
    ]
    assert first.meta == {
        "outlet": "Daily",
        "labelstudio_ignored": [{"from_name": "topic", "choices": ["asia"]}],
    }
    assert (first.line, first.external_id, second.external_id, second.has_annotations) == (
        0,
        "41",
        "42",
        False,
    )


def test_labelstudio_utf16_offsets_are_converted_when_the_text_shows_them(tmp_path):
    tasks = ls_tasks()
    value = tasks[0]["annotations"][0]["result"][0]["value"]
    value["start"], value["end"] = 3, 25  # what JavaScript counts after an emoji
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    span = records(read_labelstudio, path)[0].spans[0]
    assert (span.start, span.end) == (2, 24)


def test_labelstudio_errors_name_the_task_index_and_field(tmp_path):
    tasks = ls_tasks()
    tasks[0]["annotations"][0]["result"][1]["value"]["start"] = "x"
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    problem = only_error(read_labelstudio, path).problem
    assert (problem.line, problem.field) == (0, "tasks[0].annotations[0].result[1].value.start")
    assert "task index 0" in problem.message


@pytest.mark.django_db
def test_labelstudio_imports_end_to_end(seeds, ann, tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(ls_tasks()), encoding="utf-8")
    run_import(path, "labelstudio", "--project", "seeds", "--as-annotator", "importer")
    assert imported_spans(LS_TEXT, ann) == [
        ("argument:claim", "Talks are the only way.", "import", {}),
        ("argument:premise", "Sanctions have failed.", "import", {}),
    ]
    relation = Relation.objects.get(annotation_set__annotator=ann)
    assert (relation.label.value, relation.head.label.value, relation.tail.label.value) == (
        "supports",
        "premise",
        "claim",
    )
    stance = DocumentLabel.objects.get(annotation_set__annotator=ann)
    assert (stance.label.value, stance.confidence) == ("pro-engagement", 4)
    assert Document.objects.filter(text="Kim fears the worst.", corpus=seeds.corpus).exists()


@pytest.mark.django_db
def test_labelstudio_offsets_outside_the_text_write_nothing(seeds, ann, tmp_path):
    tasks = ls_tasks()
    tasks[0]["annotations"][0]["result"][1]["value"]["end"] = 500
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        run_import(path, "labelstudio", "--project", "seeds", "--as-annotator", "importer")
    assert f"{path}, line 0, field 'tasks[0].annotations[0].result[1].value.end'" in str(error.value)
    assert not Document.objects.filter(text="Kim fears the worst.").exists()


# --- brat -------------------------------------------------------------------------------------

BRAT_TEXT = "Talks failed,\r\nsays Lee; sanctions, he adds, never work.\n"


def write_brat(folder: Path, ann: str, name: str = "doc1", text: str = BRAT_TEXT) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.txt").write_bytes(text.encode("utf-8"))
    (folder / f"{name}.ann").write_text(ann, encoding="utf-8", newline="")
    return folder


BRAT_ANN = (
    "T1\tclaim 0 12\tTalks failed\n"
    "T2\tsource:source 20 23\tLee\n"
    "T3\trhetoric:exaggeration 25 34;45 56\tsanctions never work.\n"
    "R1\tattributed-to Arg1:T1 Arg2:T2\n"
    "A1\tConfidence T1 high\n"
    "A2\tNegated T3\n"
    "#1\tAnnotatorNotes T3\tdiscontinuous on purpose\n"
    "E1\tAttack:T1 Target:T2\n"
    "*\tAlias T1 T3\n"
)


def test_brat_reads_spans_fragments_relations_attributes_and_notes(tmp_path):
    folder = write_brat(tmp_path / "brat", BRAT_ANN)
    record = only_record(read_brat, folder)
    assert record.text == BRAT_TEXT  # CRLF kept: brat offsets count it as two characters
    assert [(s.ref, s.layer, s.label, BRAT_TEXT[s.start : s.end], s.attributes) for s in record.spans] == [
        ("T1", None, "claim", "Talks failed", {"brat_id": "T1", "Confidence": "high"}),
        ("T2", "source", "source", "Lee", {"brat_id": "T2"}),
        (
            "T3",
            "rhetoric",
            "exaggeration",
            "sanctions",
            {"brat_id": "T3", "fragment": 0, "Negated": True, "note": "discontinuous on purpose"},
        ),
        (
            "T3#1",
            "rhetoric",
            "exaggeration",
            "never work.",
            {"brat_id": "T3", "fragment": 1, "Negated": True, "note": "discontinuous on purpose"},
        ),
    ]
    assert [(r.head, r.tail, r.label) for r in record.relations] == [("T1", "T2", "attributed-to")]
    assert record.meta == {"brat_ignored": ["E1\tAttack:T1 Target:T2", "*\tAlias T1 T3"]}


def test_brat_text_that_does_not_match_the_offsets_is_reported(tmp_path):
    folder = write_brat(tmp_path / "brat", "T1\tclaim 0 12\tTalks failed\nT2\tsource 19 22\tLee\n")
    problem = only_error(read_brat, folder).problem
    assert (problem.file, problem.line, problem.field) == (str(folder / "doc1.ann"), 2, "T2.text")


def test_brat_invalid_utf8_in_the_text_is_reported_by_line_and_byte(tmp_path):
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / "doc1.txt").write_bytes(b"First line.\nSecond \xc3( line.\n")
    problem = only_error(read_brat, folder).problem
    assert (problem.file, problem.line) == (str(folder / "doc1.txt"), 2)
    assert "byte 7 of the line (byte 19 of the file)" in problem.message


@pytest.mark.django_db
def test_brat_imports_a_discontinuous_span_as_fragments(seeds, ann, tmp_path):
    folder = write_brat(tmp_path / "brat", BRAT_ANN)
    run_import(folder, "brat", "--project", "seeds", "--as-annotator", "importer")
    spans = imported_spans(BRAT_TEXT, ann)
    assert [(label, text) for label, text, _, _ in spans] == [
        ("argument:claim", "Talks failed"),
        ("rhetoric:exaggeration", "never work."),
        ("rhetoric:exaggeration", "sanctions"),
        ("source:source", "Lee"),
    ]
    relation = Relation.objects.get(annotation_set__annotator=ann)
    assert (
        relation.label.value,
        relation.head.attributes["brat_id"],
        relation.tail.attributes["brat_id"],
    ) == (
        "attributed-to",
        "T1",
        "T2",
    )
    assert Document.objects.get(text=BRAT_TEXT).meta["brat_ignored"][0].startswith("E1")


@pytest.mark.django_db
def test_brat_imports_as_suggestions(seeds, tmp_path):
    folder = write_brat(tmp_path / "brat", "T1\tclaim 0 12\tTalks failed\n")
    run_import(folder, "brat", "--project", "seeds", "--as-suggestions")
    suggestion = Suggestion.objects.get(document__text=BRAT_TEXT)
    assert (suggestion.label.value, suggestion.start, suggestion.end) == ("claim", 0, 12)


@pytest.mark.django_db
def test_brat_offsets_outside_the_text_write_nothing(seeds, ann, tmp_path):
    folder = write_brat(tmp_path / "brat", "T1\tclaim 0 12\tTalks failed\n")
    write_brat(folder, "T1\tclaim 40 400\tx\n", name="doc2", text="Another article entirely.\n")
    with pytest.raises(CommandError) as error:
        run_import(folder, "brat", "--project", "seeds", "--as-annotator", "importer")
    assert f"{folder / 'doc2.ann'}, line 1, field 'T1.offsets'" in str(error.value)
    assert not Document.objects.filter(text=BRAT_TEXT).exists()


# --- PTC (SemEval-2020 Task 11) ---------------------------------------------------------------

PTC_TEXT = "Traitors! The corrupt elite wants war.\nWhat about their crimes?\n"


def write_ptc(folder: Path, labels: str, suffix: str = ".task2-TC.labels", article: str = "111") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / f"article{article}.txt").write_text(PTC_TEXT, encoding="utf-8", newline="")
    (folder / f"article{article}{suffix}").write_text(labels, encoding="utf-8")
    return folder


def test_ptc_technique_names_with_commas_map_to_rhetoric_labels(tmp_path):
    folder = write_ptc(
        tmp_path / "ptc",
        "111\tName_Calling,Labeling\t0\t8\n"
        "111\tLoaded_Language\t14\t21\n"
        "111\tWhataboutism,Straw_Men,Red_Herring\t39\t63\n"
        "111\tObfuscation,Intentional_Vagueness,Confusion\t22\t28\n",
    )
    record = only_record(read_ptc, folder)
    assert [
        (s.layer, s.label, PTC_TEXT[s.start : s.end], s.attributes["technique"]) for s in record.spans
    ] == [
        ("rhetoric", "name-calling", "Traitors", "Name_Calling,Labeling"),
        ("rhetoric", "loaded-language", "corrupt", "Loaded_Language"),
        ("rhetoric", "whataboutism", "What about their crimes?", "Whataboutism,Straw_Men,Red_Herring"),
        (
            "rhetoric",
            "obfuscation-intentional-vagueness-confusion",
            "elite ",
            "Obfuscation,Intentional_Vagueness,Confusion",
        ),
    ]
    assert record.external_id == "111"
    assert technique_label("Appeal_to_fear-prejudice") == "appeal-to-fear"


def test_ptc_span_identification_format_labels_propaganda(tmp_path):
    folder = write_ptc(tmp_path / "ptc", "111\t0\t8\n", suffix=".labels")
    record = only_record(read_ptc, folder)
    assert [(s.label, s.start, s.end) for s in record.spans] == [("propaganda", 0, 8)]


def test_ptc_bad_lines_name_the_labels_file_line_and_field(tmp_path):
    folder = write_ptc(tmp_path / "ptc", "111\tDoubt\t0\t8\n111\tDoubt\t5\t900\n")
    problem = only_error(read_ptc, folder).problem
    assert (problem.file, problem.line, problem.field) == (
        str(folder / "article111.task2-TC.labels"),
        2,
        "end",
    )
    folder = write_ptc(tmp_path / "other", "222\tDoubt\t0\t8\n")
    assert only_error(read_ptc, folder).problem.field == "article_id"


@pytest.mark.django_db
def test_ptc_imports_end_to_end(seeds, ann, tmp_path):
    folder = write_ptc(tmp_path / "ptc", "111\tName_Calling,Labeling\t0\t8\n111\tFlag-Waving\t14\t27\n")
    run_import(folder, "ptc", "--project", "seeds", "--as-annotator", "importer")
    assert imported_spans(PTC_TEXT, ann) == [
        ("rhetoric:flag-waving", "corrupt elite", "import", {"technique": "Flag-Waving"}),
        ("rhetoric:name-calling", "Traitors", "import", {"technique": "Name_Calling,Labeling"}),
    ]


@pytest.mark.django_db
def test_ptc_unmapped_technique_is_an_unknown_label_and_nothing_is_written(seeds, ann, tmp_path):
    folder = write_ptc(tmp_path / "ptc", "111\tLoaded_Language\t14\t21\n111\tStraw_Men\t39\t63\n")
    with pytest.raises(CommandError) as error:
        run_import(folder, "ptc", "--project", "seeds", "--as-annotator", "importer")
    assert "'rhetoric:straw-men' is not a span label" in str(error.value)
    assert not Document.objects.filter(text=PTC_TEXT).exists()


@pytest.mark.django_db
def test_csv_skip_bad_imports_the_good_rows_and_lists_the_bad(seeds, tmp_path, capsys):
    path = tmp_path / "a.csv"
    path.write_bytes(b"text\nGood row.\nBad \xff row.\n,\n")
    call_command("import_corpus", "seeds", str(path), "--format", "csv", "--skip-bad")
    out = capsys.readouterr().out
    assert "1 documents created" in out
    assert f"{path}, line 3: invalid UTF-8 at byte 4" in out
    assert f"{path}, line 4: 2 fields; the header has 1." in out
    assert Document.objects.filter(text="Good row.").exists()


def test_brat_single_file_with_a_bom_moves_offsets_back(tmp_path):
    (tmp_path / "one.txt").write_bytes("\ufeffTalks failed.".encode())
    (tmp_path / "one.ann").write_text("T1\tclaim 1 13\tTalks failed\n", encoding="utf-8")
    record = only_record(read_brat, tmp_path / "one.txt")
    assert (record.text, record.spans[0].start, record.spans[0].end) == ("Talks failed.", 0, 12)


@pytest.mark.parametrize("fmt", ["csv", "doccano", "labelstudio", "brat", "ptc"])
def test_a_folder_without_input_files_is_a_problem_not_an_empty_success(tmp_path, fmt):
    (tmp_path / "notes.md").write_text("nothing to import", encoding="utf-8")
    problem = only_error(READERS[fmt], tmp_path).problem
    assert (problem.file, problem.line) == (str(tmp_path), None)
    assert "files in this folder" in problem.message


def test_unhashable_ids_are_reported_not_crashed_on(tmp_path):
    line = doccano_lines()[1]
    line["relations"][0]["from_id"] = [1]
    assert (
        only_error(read_doccano, write_jsonl(tmp_path / "d.jsonl", [line])).problem.field
        == "relations[0].from_id"
    )
    line["entities"][0]["id"] = {"x": 1}
    assert (
        only_error(read_doccano, write_jsonl(tmp_path / "d.jsonl", [line])).problem.field == "entities[0].id"
    )
    tasks = ls_tasks()
    tasks[0]["annotations"][0]["result"][2]["to_id"] = ["b"]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    assert only_error(read_labelstudio, path).problem.field == "tasks[0].annotations[0].result[2].to_id"
