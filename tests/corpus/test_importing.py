"""Importing text and gold JSONL: all or nothing, every problem located, no duplicated texts."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from factories import EMOJI_TEXT, AnnotationSetFactory, CorpusFactory, ProjectFactory, UserFactory

from annotator.models import AnnotationSet, DocumentLabel, Membership, Relation, Span, Suggestion
from annotator.services import annotations as services
from corpus.importers.records import Problem
from corpus.models import Corpus, Document
from corpus.services import ImportFailed, corpus_import

pytestmark = pytest.mark.django_db

OP_ED = "Sanctions have failed for decades.\nTalks are the only way out.\n"
REPORT = "Kim fears decapitation after Caracas, a defector says.\n"


def write_jsonl(path: Path, *records) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def annotated(text=OP_ED, **overrides) -> dict:
    """A gold record with two spans, a relation and a stance, as export_gold writes them."""
    talks = text.index("Talks") if "Talks" in text else 0
    record = {
        "id": "op-ed-1",
        "title": "Talks now",
        "kind": "opinion",
        "text": text,
        "spans": [
            {"id": 10, "start": 0, "end": 33, "layer": "argument", "label": "claim"},
            {"id": 11, "start": talks, "end": talks + 5, "label": "premise", "step": 2},
        ],
        "relations": [{"head": 11, "tail": 10, "label": "supports"}],
        "stance": {"label": "pro-engagement", "confidence": 4, "rationale": [11]},
    }
    record.update(overrides)
    return record


def do_import(project_or_corpus, path, format="jsonl", **options):
    """Import into a corpus, or into a project's corpus; a named annotator is made a member first."""
    if isinstance(project_or_corpus, Corpus):
        return corpus_import(corpus=project_or_corpus, path=path, format=format, **options)
    if options.get("annotator") is not None:
        Membership.objects.get_or_create(project=project_or_corpus, user=options["annotator"])
    return corpus_import(
        corpus=project_or_corpus.corpus, path=path, format=format, project=project_or_corpus, **options
    )


def problems_of(call, *args, **kwargs) -> list[Problem]:
    with pytest.raises(ImportFailed) as error:
        call(*args, **kwargs)
    return error.value.problems


def run_command(*args) -> str:
    out = StringIO()
    call_command("import_corpus", *[str(a) for a in args], stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def corpus(db):
    return CorpusFactory()


# --- plain text ---------------------------------------------------------------------------


def test_a_text_file_becomes_one_document(corpus, tmp_path):
    path = tmp_path / "kim-fears.txt"
    path.write_text(REPORT, encoding="utf-8")
    report = do_import(corpus, path, format="txt")
    document = corpus.documents.get()
    assert document.text == REPORT
    assert (document.title, document.external_id, document.source) == (
        REPORT.strip(),
        "kim-fears",
        "kim-fears.txt",
    )
    assert (report.documents_created, report.documents_existing) == (1, 0)


def test_a_folder_of_text_files_becomes_one_document_each(corpus, tmp_path):
    (tmp_path / "b.txt").write_text(OP_ED, encoding="utf-8")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "a.txt").write_text(REPORT, encoding="utf-8")
    (tmp_path / "notes.md").write_text("not an article", encoding="utf-8")
    report = do_import(corpus, tmp_path, format="txt")
    assert report.documents_created == 2
    assert set(corpus.documents.values_list("text", flat=True)) == {OP_ED, REPORT}


def test_a_text_seen_before_is_not_duplicated(corpus, tmp_path):
    (tmp_path / "one.txt").write_text(OP_ED, encoding="utf-8")
    (tmp_path / "copy.txt").write_text(OP_ED, encoding="utf-8")
    report = do_import(corpus, tmp_path, format="txt")
    assert (report.documents_created, report.documents_existing) == (1, 1)
    again = do_import(corpus, tmp_path, format="txt")
    assert (again.documents_created, again.documents_existing) == (0, 2)
    assert corpus.documents.count() == 1


def test_crlf_and_cr_line_ends_are_stored_as_lf(corpus, tmp_path):
    path = tmp_path / "windows.txt"
    path.write_bytes(b"First line.\r\nSecond line.\rThird line.\r\n")
    do_import(corpus, path, format="txt")
    assert corpus.documents.get().text == "First line.\nSecond line.\nThird line.\n"


def test_a_byte_order_mark_is_dropped(corpus, tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + REPORT.encode("utf-8"))
    do_import(corpus, path, format="txt")
    assert corpus.documents.get().text == REPORT


def test_emoji_in_a_text_file_survive_exactly(corpus, tmp_path):
    path = tmp_path / "emoji.txt"
    path.write_text(EMOJI_TEXT, encoding="utf-8")
    do_import(corpus, path, format="txt")
    assert corpus.documents.get().text == EMOJI_TEXT


def test_invalid_utf8_is_reported_with_its_file_and_byte(corpus, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caf\u00e9 talks.".encode("latin-1"))
    (problem,) = problems_of(do_import, corpus, path, format="txt")
    assert problem.file == str(path)
    assert "invalid UTF-8 at byte 3" in problem.message
    assert not corpus.documents.exists()


def test_a_nul_character_is_reported(corpus, tmp_path):
    path = tmp_path / "nul.txt"
    path.write_bytes(b"Talks\x00failed.")
    (problem,) = problems_of(do_import, corpus, path, format="txt")
    assert "NUL character at character 5" in problem.message


def test_an_empty_text_file_is_reported(corpus, tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text(" \n\n", encoding="utf-8")
    (problem,) = problems_of(do_import, corpus, path, format="txt")
    assert (problem.file, problem.field) == (str(path), "text")


def test_one_bad_file_in_a_folder_imports_nothing(corpus, tmp_path):
    (tmp_path / "a.txt").write_text(OP_ED, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\xff\xfe broken")
    (tmp_path / "c.txt").write_text(REPORT, encoding="utf-8")
    (problem,) = problems_of(do_import, corpus, tmp_path, format="txt")
    assert problem.file == str(tmp_path / "b.txt")
    assert not corpus.documents.exists()


def test_skip_bad_imports_the_good_files_and_reports_the_bad(corpus, tmp_path):
    (tmp_path / "a.txt").write_text(OP_ED, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\xff\xfe broken")
    (tmp_path / "c.txt").write_text("", encoding="utf-8")
    report = do_import(corpus, tmp_path, format="txt", skip_bad=True)
    assert report.documents_created == 1
    assert [p.file for p in report.skipped] == [str(tmp_path / "b.txt"), str(tmp_path / "c.txt")]


# --- JSONL documents ----------------------------------------------------------------------


def test_jsonl_documents_keep_their_metadata(corpus, tmp_path):
    path = write_jsonl(
        tmp_path / "docs.jsonl",
        {
            "id": "a-1",
            "title": "Talks now",
            "kind": "opinion",
            "source": "https://example.org/1",
            "text": OP_ED,
            "meta": {"outlet": "Example Times"},
        },
    )
    do_import(corpus, path)
    document = corpus.documents.get()
    assert (document.text, document.title, document.kind, document.source, document.external_id) == (
        OP_ED,
        "Talks now",
        "opinion",
        "https://example.org/1",
        "a-1",
    )
    assert document.meta == {"outlet": "Example Times"}


def test_a_jsonl_folder_imports_every_jsonl_file(corpus, tmp_path):
    write_jsonl(tmp_path / "a.jsonl", {"text": OP_ED})
    (tmp_path / "more").mkdir()
    write_jsonl(tmp_path / "more" / "b.jsonl", {"text": REPORT})
    assert do_import(corpus, tmp_path).documents_created == 2


def test_blank_lines_in_jsonl_are_ignored(corpus, tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text(
        f"\n{json.dumps({'text': OP_ED})}\n\n   \n{json.dumps({'text': REPORT})}\n", encoding="utf-8"
    )
    assert do_import(corpus, path).documents_created == 2


def test_a_jsonl_file_with_a_bom_and_crlf_lines_imports(corpus, tmp_path):
    path = tmp_path / "windows.jsonl"
    lines = [json.dumps({"text": OP_ED}), json.dumps({"text": REPORT})]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n")
    do_import(corpus, path)
    assert set(corpus.documents.values_list("text", flat=True)) == {OP_ED, REPORT}


def test_crlf_inside_a_jsonl_text_is_kept_as_given(corpus, tmp_path):
    # Offsets in a JSONL file refer to its text exactly as written, so it is not normalised.
    path = write_jsonl(tmp_path / "docs.jsonl", {"text": "One.\r\nTwo."})
    do_import(corpus, path)
    assert corpus.documents.get().text == "One.\r\nTwo."


def test_invalid_utf8_in_jsonl_names_the_line(corpus, tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_bytes(json.dumps({"text": OP_ED}).encode() + b'\n{"text": "caf\xe9"}\n')
    (problem,) = problems_of(do_import, corpus, path)
    assert (problem.file, problem.line) == (str(path), 2)
    assert "invalid UTF-8" in problem.message


@pytest.mark.parametrize("raw", [b'{"text": "a\x00b"}', b'{"text": "a\\u0000b"}'])
def test_a_nul_in_jsonl_names_the_line(corpus, tmp_path, raw):
    path = tmp_path / "docs.jsonl"
    path.write_bytes(json.dumps({"text": OP_ED}).encode() + b"\n" + raw + b"\n")
    (problem,) = problems_of(do_import, corpus, path)
    assert problem.line == 2
    assert "NUL" in problem.message


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("{not json", None),
        ("[1, 2]", None),
        ('{"title": "no text"}', "text"),
        ('{"text": "   "}', "text"),
        ('{"text": 5}', "text"),
        ('{"text": "x", "meta": []}', "meta"),
        ('{"text": "x", "kind": "poem"}', "kind"),
        ('{"text": "x", "spans": {}}', "spans"),
        ('{"text": "x", "relations": 3}', "relations"),
    ],
)
def test_a_malformed_record_is_reported_with_file_line_and_field(corpus, tmp_path, line, field):
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"text": OP_ED}) + "\n" + line + "\n", encoding="utf-8")
    (problem,) = problems_of(do_import, corpus, path)
    assert (problem.file, problem.line, problem.field) == (str(path), 2, field)
    assert not corpus.documents.exists()


def test_a_record_with_annotations_needs_a_project(corpus, tmp_path):
    path = write_jsonl(tmp_path / "gold.jsonl", annotated())
    (problem,) = problems_of(do_import, corpus, path)
    assert "--project" in problem.message


def test_a_record_with_annotations_needs_to_know_whose_they_are(project, tmp_path):
    path = write_jsonl(tmp_path / "gold.jsonl", annotated())
    (problem,) = problems_of(do_import, project, path)
    assert "--as-annotator" in problem.message


def test_a_project_of_another_corpus_is_refused(project, corpus, tmp_path):
    path = write_jsonl(tmp_path / "gold.jsonl", annotated())
    (problem,) = problems_of(
        corpus_import, corpus=corpus, path=path, format="jsonl", project=project, annotator=UserFactory()
    )
    assert problem.field == "project"


def test_an_unknown_format_is_refused(corpus, tmp_path):
    (problem,) = problems_of(do_import, corpus, tmp_path, format="xml")
    assert problem.field == "format"


# --- JSONL annotations --------------------------------------------------------------------


def test_annotations_import_as_the_annotators_submitted_work(project, tmp_path):
    annotator = UserFactory()
    path = write_jsonl(tmp_path / "gold.jsonl", annotated())
    report = do_import(project, path, annotator=annotator)
    annotation_set = AnnotationSet.objects.get(project=project, annotator=annotator)
    assert annotation_set.status == AnnotationSet.Status.SUBMITTED
    assert annotation_set.submitted_at is not None
    spans = {
        (s.label.layer.key, s.label.value, s.start, s.end, s.step, s.origin)
        for s in annotation_set.spans.select_related("label__layer")
    }
    talks = OP_ED.index("Talks")
    assert spans == {
        ("argument", "claim", 0, 33, None, "import"),
        ("argument", "premise", talks, talks + 5, 2, "import"),
    }
    relation = Relation.objects.get(annotation_set=annotation_set)
    assert (relation.head.label.value, relation.tail.label.value, relation.label.value) == (
        "premise",
        "claim",
        "supports",
    )
    stance = DocumentLabel.objects.get(annotation_set=annotation_set)
    assert (stance.label.value, stance.confidence) == ("pro-engagement", 4)
    assert [s.label.value for s in stance.rationale.all()] == ["premise"]
    assert (report.annotation_sets, report.spans, report.relations, report.document_labels) == (1, 2, 1, 1)


def test_importing_the_same_annotations_twice_duplicates_nothing(project, tmp_path):
    annotator = UserFactory()
    path = write_jsonl(tmp_path / "gold.jsonl", annotated())
    do_import(project, path, annotator=annotator)
    report = do_import(project, path, annotator=annotator)
    assert (report.documents_created, report.documents_existing) == (0, 1)
    assert (report.annotation_sets, report.spans, report.relations) == (0, 0, 0)
    assert Span.objects.count() == 2
    assert Relation.objects.count() == 1
    assert DocumentLabel.objects.count() == 1


def test_two_annotators_files_for_the_same_texts_share_one_document_each(project, tmp_path):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    write_jsonl(
        tmp_path / "alice.jsonl",
        annotated(),
        annotated(
            text=REPORT, spans=[{"id": 1, "start": 0, "end": 3, "label": "claim"}], relations=[], stance=None
        ),
    )
    write_jsonl(
        tmp_path / "bob.jsonl",
        annotated(stance={"label": "pro-sanctions"}),
        annotated(text=REPORT, spans=[], relations=[], stance={"label": "pro-sanctions"}),
    )
    do_import(project, tmp_path / "alice.jsonl", annotator=alice)
    report = do_import(project, tmp_path / "bob.jsonl", annotator=bob)
    assert (report.documents_created, report.documents_existing) == (0, 2)
    assert project.corpus.documents.count() == 2
    for document in project.corpus.documents.all():
        assert set(document.annotation_sets.values_list("annotator__username", flat=True)) == {"alice", "bob"}


def test_annotations_attach_to_a_document_already_in_the_corpus(project, tmp_path):
    (tmp_path / "op-ed.txt").write_text(OP_ED, encoding="utf-8")
    do_import(project.corpus, tmp_path / "op-ed.txt", format="txt")
    document = project.corpus.documents.get()
    do_import(project, write_jsonl(tmp_path / "gold.jsonl", annotated()), annotator=UserFactory())
    assert project.corpus.documents.get() == document
    assert document.annotation_sets.get().spans.count() == 2


def test_an_import_does_not_overwrite_an_annotators_work_in_progress(project, tmp_path):
    annotation_set = AnnotationSetFactory(project=project, document__text=OP_ED)
    services.span_create(
        annotation_set=annotation_set, version=1, layer="rhetoric", label="loaded-language", start=0, end=9
    )
    path = write_jsonl(tmp_path / "gold.jsonl", annotated())
    (problem,) = problems_of(do_import, project, path, annotator=annotation_set.annotator)
    assert (problem.file, problem.line) == (str(path), 1)
    assert f"document {annotation_set.document_id} (in progress) already has work" in problem.message
    assert "--replace" in problem.message
    annotation_set.refresh_from_db()
    assert annotation_set.status == AnnotationSet.Status.IN_PROGRESS
    assert [s.label.value for s in annotation_set.spans.all()] == ["loaded-language"]


def test_an_import_does_not_silently_change_a_submitted_stance(project, tmp_path):
    annotator = UserFactory()
    do_import(project, write_jsonl(tmp_path / "first.jsonl", annotated()), annotator=annotator)
    second = write_jsonl(tmp_path / "second.jsonl", annotated(stance={"label": "pro-sanctions"}))
    (problem,) = problems_of(do_import, project, second, annotator=annotator)
    assert "(submitted) already has work" in problem.message
    assert DocumentLabel.objects.get().label.value == "pro-engagement"


def test_replace_swaps_the_annotators_set_for_the_files_annotations(project, tmp_path):
    annotation_set = AnnotationSetFactory(project=project, document__text=OP_ED)
    services.span_create(
        annotation_set=annotation_set, version=1, layer="rhetoric", label="loaded-language", start=0, end=9
    )
    path = write_jsonl(tmp_path / "gold.jsonl", annotated())
    do_import(project, path, annotator=annotation_set.annotator, replace=True)
    annotation_set.refresh_from_db()
    assert sorted(s.label.value for s in annotation_set.spans.all()) == ["claim", "premise"]
    assert annotation_set.version == 3
    assert annotation_set.status == AnnotationSet.Status.SUBMITTED


def test_an_empty_set_opened_in_the_workspace_is_filled_without_replace(project, tmp_path):
    annotation_set = AnnotationSetFactory(project=project, document__text=OP_ED)
    do_import(project, write_jsonl(tmp_path / "gold.jsonl", annotated()), annotator=annotation_set.annotator)
    assert annotation_set.spans.count() == 2


def test_the_annotator_must_be_a_member_of_the_project(project, tmp_path):
    path = write_jsonl(tmp_path / "gold.jsonl", annotated())
    outsider = UserFactory(username="outsider")
    (problem,) = problems_of(
        corpus_import, corpus=project.corpus, path=path, format="jsonl", project=project, annotator=outsider
    )
    assert problem.field == "as_annotator"
    assert f"'outsider' is not a member of project '{project.slug}'" in problem.message
    assert not Document.objects.exists()


def test_span_ids_may_be_strings(project, tmp_path):
    record = annotated(
        spans=[
            {"id": "c", "start": 0, "end": 9, "label": "claim"},
            {"id": "p", "start": 10, "end": 14, "label": "premise"},
        ],
        relations=[{"head": "p", "tail": "c", "label": "attacks"}],
        stance={"label": "pro-sanctions", "rationale": ["c"]},
    )
    report = do_import(project, write_jsonl(tmp_path / "gold.jsonl", record), annotator=UserFactory())
    assert (report.spans, report.relations, report.document_labels) == (2, 1, 1)


def test_spans_may_overlap_also_across_layers_in_an_import(project, tmp_path):
    record = annotated(
        spans=[
            {"id": 1, "start": 0, "end": 20, "label": "claim"},
            {"id": 2, "start": 5, "end": 25, "label": "premise"},
            {"id": 3, "start": 0, "end": 20, "layer": "rhetoric", "label": "loaded-language"},
        ],
        relations=[],
        stance=None,
    )
    assert do_import(project, write_jsonl(tmp_path / "g.jsonl", record), annotator=UserFactory()).spans == 3


def test_an_emoji_before_a_span_counts_as_one_character(project, tmp_path):
    talks = EMOJI_TEXT.index("Talks")
    record = {
        "text": EMOJI_TEXT,
        "spans": [{"start": talks, "end": talks + 5, "text": "Talks", "label": "claim"}],
    }
    do_import(project, write_jsonl(tmp_path / "gold.jsonl", record), annotator=UserFactory())
    span = Span.objects.get()
    assert EMOJI_TEXT[span.start : span.end] == "Talks"


def test_spans_import_as_suggestions(project, tmp_path):
    path = write_jsonl(
        tmp_path / "model.jsonl",
        annotated(
            spans=[
                {"start": 0, "end": 9, "label": "claim", "score": 0.75},
                {"start": 10, "end": 14, "layer": "rhetoric", "label": "loaded-language"},
            ],
            relations=[],
            stance=None,
        ),
    )
    report = do_import(project, path, as_suggestions=True)
    assert report.suggestions == 2
    assert not AnnotationSet.objects.exists()
    suggestions = {
        (s.label.value, s.start, s.end, s.score, s.suggester)
        for s in Suggestion.objects.select_related("label")
    }
    assert suggestions == {("claim", 0, 9, 0.75, "import"), ("loaded-language", 10, 14, None, "import")}


def test_importing_the_same_suggestions_twice_duplicates_nothing(project, tmp_path):
    path = write_jsonl(tmp_path / "model.jsonl", annotated(relations=[], stance=None))
    do_import(project, path, as_suggestions=True)
    assert do_import(project, path, as_suggestions=True).suggestions == 0
    assert Suggestion.objects.count() == 2


# --- located problems ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("span", "field"),
    [
        ({"start": 0, "end": 10_000}, "spans[1].end"),
        ({"start": -1, "end": 3}, "spans[1].start"),
        ({"start": 5, "end": 5}, "spans[1].end"),
        ({"start": 9, "end": 3}, "spans[1].end"),
        ({"start": "0", "end": 3}, "spans[1].start"),
        ({"start": 0, "end": None}, "spans[1].end"),
        ({"start": 0.0, "end": 3}, "spans[1].start"),
        ({"start": 0, "end": 3, "text": "Talks"}, "spans[1].text"),
        ({"start": 0, "end": 3, "label": ""}, "spans[1].label"),
        ({"start": 0, "end": 3, "id": 10}, "spans[1].id"),
        ({"start": 0, "end": 3, "attributes": [1]}, "spans[1].attributes"),
        ({"start": 0, "end": 3, "score": "high"}, "spans[1].score"),
        ({"start": 0, "end": 3, "step": "two"}, "spans[1].step"),
    ],
)
def test_a_bad_span_is_reported_with_file_line_and_field(project, tmp_path, span, field):
    record = annotated()
    record["spans"][1] = {"id": 11, "label": "premise", **span}
    path = write_jsonl(tmp_path / "gold.jsonl", {"text": REPORT}, record)
    (problem,) = problems_of(do_import, project, path, annotator=UserFactory())
    assert (problem.file, problem.line, problem.field) == (str(path), 2, field)
    assert f"{path}, line 2, field '{field}'" in str(problem)
    assert not Document.objects.exists()


def test_offsets_out_of_range_say_how_long_the_text_is(project, tmp_path):
    record = annotated(spans=[{"id": 1, "start": 0, "end": 999, "label": "claim"}], relations=[], stance=None)
    (problem,) = problems_of(
        do_import, project, write_jsonl(tmp_path / "g.jsonl", record), annotator=UserFactory()
    )
    assert f"[0, 999) does not fit a text of {len(OP_ED)} characters" in problem.message


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (
            {"spans": [{"id": 1, "start": 0, "end": 3, "label": "sarcasm"}], "relations": [], "stance": None},
            "spans[0].label",
        ),
        (
            {
                "spans": [{"id": 1, "start": 0, "end": 3, "label": "claim", "layer": "rhetoric"}],
                "relations": [],
                "stance": None,
            },
            "spans[0].label",
        ),
        (
            {
                "spans": [{"id": 1, "start": 0, "end": 3, "label": "supports"}],
                "relations": [],
                "stance": None,
            },
            "spans[0].label",
        ),
        ({"relations": [{"head": 11, "tail": 10, "label": "refutes"}]}, "relations[0].label"),
        ({"relations": [{"head": 11, "tail": 10, "label": "claim"}]}, "relations[0].label"),
        ({"stance": {"label": "hawkish"}}, "stance.label"),
        ({"stance": {"label": "claim", "layer": "argument"}}, "stance.label"),
    ],
)
def test_an_unknown_label_is_reported_with_its_field(project, tmp_path, overrides, field):
    path = write_jsonl(tmp_path / "gold.jsonl", annotated(**overrides))
    (problem,) = problems_of(do_import, project, path, annotator=UserFactory())
    assert (problem.line, problem.field) == (1, field)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"relations": [{"head": 99, "tail": 10, "label": "supports"}]}, "relations[0].head"),
        ({"relations": [{"head": 11, "label": "supports"}]}, "relations[0].tail"),
        ({"relations": [{"head": 11, "tail": 11, "label": "supports"}]}, "relations[0].tail"),
        ({"relations": ["11->10"]}, "relations[0]"),
        ({"stance": {"label": "pro-engagement", "rationale": [99]}}, "stance.rationale"),
        ({"stance": {"label": "pro-engagement", "rationale": 11}}, "stance.rationale"),
        ({"stance": {"label": "pro-engagement", "confidence": 6}}, "stance.confidence"),
        ({"stance": {"label": "pro-engagement", "confidence": "4"}}, "stance.confidence"),
        ({"stance": "pro-engagement"}, "stance"),
    ],
)
def test_bad_relations_and_stances_are_reported_with_their_field(project, tmp_path, overrides, field):
    path = write_jsonl(tmp_path / "gold.jsonl", annotated(**overrides))
    (problem,) = problems_of(do_import, project, path, annotator=UserFactory())
    assert (problem.line, problem.field) == (1, field)


def test_every_problem_is_reported_and_nothing_is_written(project, tmp_path):
    path = write_jsonl(
        tmp_path / "gold.jsonl",
        annotated(),
        annotated(
            text=REPORT,
            spans=[{"id": 1, "start": 0, "end": 999, "label": "claim"}],
            relations=[],
            stance=None,
        ),
        {"text": "A third article."},
        annotated(text="A fourth article, with talks.", stance={"label": "hawkish"}, relations=[], spans=[]),
    )
    problems = problems_of(do_import, project, path, annotator=UserFactory())
    assert [(p.line, p.field) for p in problems] == [(2, "spans[0].end"), (4, "stance.label")]
    assert not Document.objects.exists()
    assert not AnnotationSet.objects.exists()


def test_problems_in_a_later_batch_still_roll_back_earlier_batches(project, tmp_path):
    records = [{"text": f"Article number {n}."} for n in range(5)] + [{"text": ""}]
    path = write_jsonl(tmp_path / "docs.jsonl", *records)
    (problem,) = problems_of(do_import, project.corpus, path, batch_size=2)
    assert problem.line == 6
    assert not Document.objects.exists()


def test_skip_bad_reports_each_skipped_record_and_imports_the_rest(project, tmp_path):
    path = write_jsonl(
        tmp_path / "gold.jsonl",
        annotated(),
        annotated(
            text=REPORT,
            spans=[{"id": 1, "start": 0, "end": 999, "label": "claim"}],
            relations=[],
            stance=None,
        ),
        {"text": "A third article."},
        annotated(
            text="A fourth article, with talks.", relations=[], spans=[{"start": 0, "end": 5, "label": ""}]
        ),
    )
    report = do_import(project, path, annotator=UserFactory(), skip_bad=True)
    assert [(p.line, p.field) for p in report.skipped] == [(2, "spans[0].end"), (4, "spans[0].label")]
    assert set(project.corpus.documents.values_list("text", flat=True)) == {OP_ED, "A third article."}
    assert report.spans == 2


# --- the command --------------------------------------------------------------------------


def test_the_command_imports_a_folder_into_a_new_corpus(db, tmp_path):
    (tmp_path / "a.txt").write_text(OP_ED, encoding="utf-8")
    (tmp_path / "b.txt").write_text(REPORT, encoding="utf-8")
    output = run_command("fresh", tmp_path, "--format", "txt")
    assert "2 documents created, 0 already present" in output
    assert Corpus.objects.get(slug="fresh").documents.count() == 2


def test_the_command_imports_annotations_as_a_user(project, tmp_path):
    Membership.objects.create(project=project, user=UserFactory(username="alice"))
    path = write_jsonl(tmp_path / "gold.jsonl", annotated())
    output = run_command(
        project.corpus.slug, path, "--format", "jsonl", "--project", project.slug, "--as-annotator", "alice"
    )
    assert "1 annotation sets, 2 spans, 1 relations, 1 document labels" in output
    assert AnnotationSet.objects.get().annotator.username == "alice"


def test_the_command_lists_every_skipped_record(project, tmp_path):
    path = write_jsonl(
        tmp_path / "gold.jsonl",
        {"text": OP_ED},
        {"text": ""},
        {"text": REPORT},
        {"text": "x", "kind": "poem"},
    )
    output = run_command(project.corpus.slug, path, "--format", "jsonl", "--skip-bad")
    assert "2 documents created" in output
    assert "Skipped 2 record(s):" in output
    assert f"{path}, line 2, field 'text'" in output
    assert f"{path}, line 4, field 'kind'" in output


def test_a_failed_command_imports_nothing_and_leaves_no_new_corpus(db, tmp_path):
    path = write_jsonl(tmp_path / "docs.jsonl", {"text": OP_ED}, {"text": ""})
    with pytest.raises(CommandError) as error:
        run_command("fresh", path, "--format", "jsonl")
    assert "Nothing was imported; 1 problem(s)" in str(error.value)
    assert f"{path}, line 2, field 'text'" in str(error.value)
    assert not Corpus.objects.filter(slug="fresh").exists()
    assert not Document.objects.exists()


def test_a_failed_command_keeps_an_existing_corpus(corpus, tmp_path):
    path = write_jsonl(tmp_path / "docs.jsonl", {"text": ""})
    with pytest.raises(CommandError):
        run_command(corpus.slug, path, "--format", "jsonl")
    assert Corpus.objects.filter(pk=corpus.pk).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-annotator", "alice"], "need --project"),
        (["--project", "nope"], "no project 'nope'"),
        (["--project", "{project}", "--as-annotator", "ghost"], "no user 'ghost'"),
    ],
)
def test_the_command_refuses_inconsistent_options(project, tmp_path, args, message):
    UserFactory(username="alice")
    path = write_jsonl(tmp_path / "gold.jsonl", annotated())
    args = [a.format(project=project.slug) for a in args]
    with pytest.raises(CommandError, match=message):
        run_command(project.corpus.slug, path, "--format", "jsonl", *args)


def test_the_command_reports_a_missing_path(corpus, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run_command(corpus.slug, tmp_path / "absent.jsonl", "--format", "jsonl")


# --- round trip ---------------------------------------------------------------------------


def spans_by_offsets(record) -> dict:
    return {
        s["id"]: (s["start"], s["end"], s["layer"], s["label"], s["step"], s["text"]) for s in record["spans"]
    }


def comparable(record) -> dict:
    """A gold record without database ids: spans, relations and stance by offsets."""
    spans = spans_by_offsets(record)
    stance = record["stance"]
    return {
        "text": record["text"],
        "spans": sorted(spans.values()),
        "relations": sorted((spans[r["head"]], spans[r["tail"]], r["label"]) for r in record["relations"]),
        "stance": stance
        and (stance["label"], stance["confidence"], sorted(spans[i] for i in stance["rationale"])),
    }


def export(project, path) -> list[dict]:
    call_command(
        "export_gold",
        project.slug,
        "--format",
        "jsonl",
        "--out",
        str(path),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_exported_gold_imports_back_with_identical_annotations(project, tmp_path):
    annotation_set = AnnotationSetFactory(project=project, document__text=EMOJI_TEXT)
    AnnotationSetFactory(project=project, document__text=REPORT)  # never submitted
    talks = EMOJI_TEXT.index("Talks")
    version = 1
    made = []
    for layer, label, start, end, step in [
        ("argument", "claim", 2, 25, 1),
        ("argument", "premise", talks, talks + 22, 2),
        ("rhetoric", "loaded-language", 0, 1, None),
        ("rhetoric", "exaggeration", talks, talks + 22, None),
    ]:
        made.append(
            services.span_create(
                annotation_set=annotation_set,
                version=version,
                layer=layer,
                label=label,
                start=start,
                end=end,
                step=step,
            )
        )
        version += 1
    services.relation_create(
        annotation_set=annotation_set, version=version, label="supports", head=made[1].pk, tail=made[0].pk
    )
    services.document_label_set(
        annotation_set=annotation_set,
        version=version + 1,
        label="pro-engagement",
        confidence=5,
        rationale=[made[1].pk],
    )
    services.annotation_set_submit(annotation_set=annotation_set, version=version + 2)
    first = export(project, tmp_path / "first.jsonl")

    copy = ProjectFactory(scheme=project.scheme)
    do_import(copy, tmp_path / "first.jsonl", annotator=UserFactory())
    second = export(copy, tmp_path / "second.jsonl")

    assert [r["status"] for r in first] == ["gold", "unannotated"]
    assert [comparable(r) for r in second] == [comparable(r) for r in first]
    assert all(s["text"] == r["text"][s["start"] : s["end"]] for r in second for s in r["spans"])


def test_reimporting_an_export_into_its_own_corpus_adds_no_documents(project, tmp_path):
    AnnotationSetFactory(project=project)
    AnnotationSetFactory(project=project)
    export(project, tmp_path / "gold.jsonl")
    report = do_import(project.corpus, tmp_path / "gold.jsonl")
    assert (report.documents_created, report.documents_existing) == (0, 2)


# --- known bugs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"spans": [{"id": [1], "start": 0, "end": 3, "label": "claim"}], "relations": [], "stance": None},
        {"relations": [{"head": {"id": 11}, "tail": 10, "label": "supports"}]},
        {"stance": {"label": "pro-engagement", "rationale": [[11]]}},
    ],
)
def test_an_unhashable_span_reference_is_a_reported_problem(project, tmp_path, overrides):
    path = write_jsonl(tmp_path / "gold.jsonl", annotated(**overrides))
    (problem,) = problems_of(do_import, project, path, annotator=UserFactory())
    assert problem.line == 1


def test_a_relation_between_duplicate_spans_is_a_reported_problem(project, tmp_path):
    record = annotated(
        spans=[
            {"id": "a", "start": 0, "end": 9, "label": "claim"},
            {"id": "b", "start": 0, "end": 9, "label": "claim"},
        ],
        relations=[{"head": "a", "tail": "b", "label": "supports"}],
        stance=None,
    )
    (problem,) = problems_of(
        do_import, project, write_jsonl(tmp_path / "g.jsonl", record), annotator=UserFactory()
    )
    assert problem.field == "relations[0].tail"


def test_exported_gold_imports_back_with_its_document_kind_and_source(project, tmp_path):
    document = AnnotationSetFactory(
        project=project, document__kind="analysis", document__source="https://example.org/a"
    ).document
    export(project, tmp_path / "gold.jsonl")
    copy = ProjectFactory(scheme=project.scheme)
    do_import(copy.corpus, tmp_path / "gold.jsonl")
    imported = copy.corpus.documents.get()
    assert (imported.kind, imported.source) == (document.kind, document.source)
