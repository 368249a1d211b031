"""The import command: CSV columns, unknown labels listed then mapped or added, existing work kept."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from annotator.models import AnnotationSet, Label, Membership, Span
from annotator.services.seeds import seeds_load
from corpus.importers.records import DocumentRecord
from corpus.models import Document
from corpus.services import documents_get_or_create

pytestmark = pytest.mark.django_db

TEXT = "Sanctions have failed. Talks are the only way."


@pytest.fixture
def seeds(db):
    from annotator.models import Project

    seeds_load()
    return Project.objects.get(slug="seeds")


@pytest.fixture
def ann(seeds, django_user_model):
    user = django_user_model.objects.create_user(username="importer", password="x")
    Membership.objects.create(project=seeds, user=user)
    return user


def run(path: Path, fmt: str, *extra: str) -> str:
    out = StringIO()
    call_command("import_corpus", "seeds", str(path), "--format", fmt, *extra, stdout=out, stderr=StringIO())
    return out.getvalue()


def failure(path: Path, fmt: str, *extra: str) -> str:
    with pytest.raises(CommandError) as error:
        run(path, fmt, *extra)
    return str(error.value)


def as_importer(*extra: str) -> tuple[str, ...]:
    return ("--project", "seeds", "--as-annotator", "importer", *extra)


def doccano(path: Path, *labels: str) -> Path:
    spans = [[0, 9, label] for label in labels]
    path.write_text(json.dumps({"text": TEXT, "label": spans}) + "\n", encoding="utf-8")
    return path


# --- CSV columns ------------------------------------------------------------------------------


def test_csv_text_title_and_id_columns_are_chosen_on_the_command_line(seeds, tmp_path):
    path = tmp_path / "articles.csv"
    path.write_text(
        "ref,headline,body,outlet\nA-1,Talks now,Talks are the only way.,Daily\n", encoding="utf-8"
    )
    output = run(path, "csv", "--text-column", "body", "--title-column", "headline", "--id-column", "ref")
    assert "1 documents created" in output
    document = Document.objects.get(text="Talks are the only way.")
    assert (document.title, document.external_id, document.meta) == ("Talks now", "A-1", {"outlet": "Daily"})


def test_a_missing_csv_column_names_the_file_line_and_the_columns_there_are(seeds, tmp_path):
    path = tmp_path / "articles.csv"
    path.write_text("ref,body\nA-1,Talks.\n", encoding="utf-8")
    message = failure(path, "csv", "--text-column", "content")
    assert f"{path}, line 1, field 'content': no column 'content'; the columns are ref, body." in message
    assert not Document.objects.filter(text="Talks.").exists()


# --- unknown labels ---------------------------------------------------------------------------


def test_unknown_labels_are_printed_with_counts_and_nothing_is_written(seeds, ann, tmp_path):
    path = doccano(tmp_path / "d.jsonl", "Claim", "Claim", "Thesis")
    message = failure(path, "doccano", *as_importer())
    assert "Nothing was imported; 2 label(s) are not in the project's scheme:" in message
    assert "Claim" in message and "2×" in message and "Thesis" in message
    assert "--label-map FILE" in message and "--add-labels" in message
    assert not Document.objects.filter(text=TEXT).exists()


def test_a_label_map_file_maps_them(seeds, ann, tmp_path):
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"Claim": "argument:claim", "Thesis": "argument:major-claim"}))
    output = run(
        doccano(tmp_path / "d.jsonl", "Claim", "Thesis"), "doccano", *as_importer("--label-map", mapping)
    )
    assert "2 spans" in output
    assert set(Span.objects.values_list("label__value", flat=True)) == {"claim", "major-claim"}


def test_a_label_map_with_an_unknown_target_names_the_file_and_the_key(seeds, ann, tmp_path):
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"Claim": "argument:thesis"}))
    message = failure(doccano(tmp_path / "d.jsonl", "Claim"), "doccano", *as_importer("--label-map", mapping))
    assert f"--label-map: {mapping}, field 'Claim': 'argument:thesis' is not a label" in message


def test_add_labels_adds_them_under_the_given_layer(seeds, ann, tmp_path):
    output = run(
        doccano(tmp_path / "d.jsonl", "Thesis"),
        "doccano",
        *as_importer("--add-labels", "--layer", "argument"),
    )
    assert "Added 1 label(s): argument:thesis" in output
    label = Label.objects.get(layer__scheme=seeds.scheme, layer__key="argument", value="thesis")
    assert label.shortcut == ""
    assert Span.objects.get().label == label


def test_an_unknown_brat_label_names_the_ann_file_line_and_id(seeds, ann, tmp_path):
    (tmp_path / "doc.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "doc.ann").write_text("T1\tclaim 0 9\tSanctions\nT2\tThesis 10 14\thave\n", encoding="utf-8")
    message = failure(tmp_path, "brat", *as_importer())
    assert f"first: {tmp_path / 'doc.ann'}, line 2, field 'T2.label'" in message


# --- whose work -------------------------------------------------------------------------------


def test_as_annotator_must_be_a_member_of_the_project(seeds, django_user_model, tmp_path):
    django_user_model.objects.create_user(username="outsider")
    message = failure(
        doccano(tmp_path / "d.jsonl", "claim"), "doccano", "--project", "seeds", "--as-annotator", "outsider"
    )
    assert "'outsider' is not a member of project 'seeds'" in message


def test_work_in_progress_is_kept_unless_replace_is_given(seeds, ann, tmp_path):
    [(document, _)] = documents_get_or_create(seeds.corpus, [DocumentRecord(file="x", line=None, text=TEXT)])
    annotation_set = AnnotationSet.objects.create(project=seeds, document=document, annotator=ann)
    Span.objects.create(
        annotation_set=annotation_set,
        label=Label.objects.get(layer__key="argument", value="premise", layer__scheme=seeds.scheme),
        start=10,
        end=14,
    )
    path = doccano(tmp_path / "d.jsonl", "claim")
    message = failure(path, "doccano", *as_importer())
    where = f"{path}, line 1, field 'annotations': "
    assert f"{where}importer's annotation set on document {document.pk} (in progress)" in message
    annotation_set.refresh_from_db()
    assert annotation_set.status == "in_progress"
    output = run(path, "doccano", *as_importer("--replace"))
    assert "1 spans" in output
    annotation_set.refresh_from_db()
    assert annotation_set.status == "submitted"
    assert list(annotation_set.spans.values_list("label__value", flat=True)) == ["claim"]


# --- a text already present -------------------------------------------------------------------


def _jsonl(folder: Path) -> Path:
    path = folder / "g.jsonl"
    path.write_text(json.dumps({"text": TEXT, "spans": [{"start": 0, "end": 9, "label": "claim"}]}) + "\n")
    return path


def _doccano(folder: Path) -> Path:
    return doccano(folder / "d.jsonl", "claim")


def _labelstudio(folder: Path) -> Path:
    path = folder / "ls.json"
    result = [
        {"type": "labels", "value": {"start": 0, "end": 9, "labels": ["claim"]}, "from_name": "argument"}
    ]
    path.write_text(json.dumps([{"id": 1, "data": {"text": TEXT}, "annotations": [{"result": result}]}]))
    return path


def _brat(folder: Path) -> Path:
    (folder / "doc.txt").write_text(TEXT, encoding="utf-8")
    (folder / "doc.ann").write_text("T1\targument:claim 0 9\tSanctions\n", encoding="utf-8")
    return folder


def _ptc(folder: Path) -> Path:
    (folder / "article7.txt").write_text(TEXT, encoding="utf-8")
    (folder / "article7.task2-TC.labels").write_text("7\tLoaded_Language\t0\t9\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("fmt", "write"),
    [("jsonl", _jsonl), ("doccano", _doccano), ("labelstudio", _labelstudio), ("brat", _brat), ("ptc", _ptc)],
)
def test_annotations_attach_to_a_text_already_in_the_corpus(seeds, ann, tmp_path, fmt, write):
    [(document, _)] = documents_get_or_create(seeds.corpus, [DocumentRecord(file="x", line=None, text=TEXT)])
    folder = tmp_path / fmt
    folder.mkdir()
    output = run(write(folder), fmt, *as_importer())
    assert "0 documents created, 1 already present; 1 annotation sets, 1 spans" in output
    assert Document.objects.filter(text=TEXT).count() == 1
    span = Span.objects.get(annotation_set__document=document, annotation_set__annotator=ann)
    assert TEXT[span.start : span.end] == "Sanctions"


def test_a_zip_of_text_files_imports_and_problems_name_the_member(seeds, tmp_path):
    import zipfile

    archive = tmp_path / "articles.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("articles/a.txt", "First article.")
        out.writestr("articles/empty.txt", "  ")
    message = failure(archive, "txt")
    assert f"{archive}/articles/empty.txt" in message
    assert "2 documents created" not in message
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("articles/a.txt", "First article.")
        out.writestr("articles/b.txt", "Second article.")
    assert "2 documents created" in run(archive, "txt")
