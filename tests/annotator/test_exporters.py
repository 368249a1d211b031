"""export_gold writes every format; what a format cannot hold is reported, never silently dropped."""

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from factories import AnnotationSetFactory, DocumentFactory, MembershipFactory, ProjectFactory, UserFactory

from annotator.exporters import EXPORTERS
from annotator.exporters.base import GOLD_ONLY, ExportOptions, gold_records
from annotator.exporters.dataset import split_of
from annotator.models import AnnotationSet, Project
from annotator.services import annotations as services

pytestmark = pytest.mark.django_db

# An emoji and a two-code-point flag before spans, CRLF line ends, and a span across a line end.
TEXT = "🙂 Sanctions have failed.\r\nTalks are the only way out. 🇰🇵 Kim fears the worst.\r\n"


def at(piece: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(piece)
    return start, start + len(piece)


def annotate(annotation_set, spans, relations=(), stance=None, submit=True):
    """Write spans [(layer, label, piece, step)], relations [(label, head i, tail i)] and a stance."""
    version = annotation_set.version
    text = annotation_set.document.text
    made = []
    for layer, label, piece, step in spans:
        start, end = at(piece, text)
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
    for label, head, tail in relations:
        services.relation_create(
            annotation_set=annotation_set,
            version=version,
            label=label,
            head=made[head].pk,
            tail=made[tail].pk,
        )
        version += 1
    if stance:
        label, confidence, rationale = stance
        services.document_label_set(
            annotation_set=annotation_set,
            version=version,
            label=label,
            confidence=confidence,
            rationale=[made[i].pk for i in rationale],
        )
        version += 1
    if submit:
        services.annotation_set_submit(annotation_set=annotation_set, version=version)
    return made


GOLD_SPANS = [
    ("argument", "premise", "Sanctions have failed", None),
    ("argument", "claim", "Talks are the only way out", 1),
    ("argument", "evidence", "Kim fears the worst", 2),
    ("rhetoric", "loaded-language", "🙂", None),
    ("rhetoric", "exaggeration", "the only way out", None),
    ("rhetoric", "loaded-language", "only way", None),  # inside the exaggeration: overlaps it
    ("rhetoric", "exaggeration", "failed.\r\nTalks", None),  # across the CRLF
]


@pytest.fixture
def gold(project, annotator):
    """A project with one gold document, one two annotators submitted, and one nobody touched."""
    annotation_set = AnnotationSetFactory(project=project, annotator=annotator, document__text=TEXT)
    annotate(
        annotation_set,
        GOLD_SPANS,
        relations=[("supports", 0, 1), ("attacks", 2, 1)],
        stance=("pro-engagement", 4, [1]),
    )
    disputed = DocumentFactory(corpus=project.corpus, text="Both sides argue. Nobody agrees.\n")
    for name, label in (("ann-a", "claim"), ("ann-b", "premise")):
        user = MembershipFactory(project=project, user=UserFactory(username=name)).user
        annotate(
            AnnotationSet.objects.create(project=project, document=disputed, annotator=user),
            [("argument", label, "Both sides argue", None)],
        )
    DocumentFactory(corpus=project.corpus, text="Nothing marked here.\n")
    return project


def export(project, fmt: str, out: Path, *extra: str) -> str:
    printed = io.StringIO()
    call_command("export_gold", project.slug, "--format", fmt, "--out", str(out), *extra, stdout=printed)
    return printed.getvalue()


# --- the command ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_every_format_writes_its_output_and_nothing_else(gold, tmp_path, fmt):
    out = tmp_path / f"export{EXPORTERS[fmt].suffix}"
    printed = export(gold, fmt, out)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]
    assert out.is_dir() if fmt == "dataset" else out.stat().st_size > 0
    assert printed.startswith("Wrote ")


def test_a_failed_export_leaves_neither_the_file_nor_a_partial_one(gold, tmp_path, monkeypatch):
    def broken(project, stream, options):
        stream.write(b"half")
        raise RuntimeError("disk full")

    monkeypatch.setitem(EXPORTERS, "brat", replace(EXPORTERS["brat"], write=broken))
    with pytest.raises(RuntimeError):
        export(gold, "brat", tmp_path / "out.zip")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_dataset_export_leaves_no_folder(gold, tmp_path, monkeypatch):
    import annotator.exporters.dataset as dataset

    monkeypatch.setattr(dataset, "dataset_card", lambda *args: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        export(gold, "dataset", tmp_path / "ds")
    assert list(tmp_path.iterdir()) == []


def test_a_dataset_folder_that_already_has_files_is_refused(gold, tmp_path):
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "keep.txt").write_text("mine")
    with pytest.raises(CommandError, match="not an empty folder"):
        export(gold, "dataset", tmp_path / "ds")
    assert (tmp_path / "ds" / "keep.txt").read_text() == "mine"


def test_a_dataset_cannot_go_to_stdout(gold):
    with pytest.raises(CommandError, match="folder"):
        call_command("export_gold", gold.slug, "--format", "dataset", "--out", "-")


def test_all_annotators_is_refused_by_a_format_that_carries_only_gold(gold, tmp_path):
    with pytest.raises(CommandError, match="only the gold"):
        export(gold, "brat", tmp_path / "out.zip", "--all-annotators")


def test_an_unknown_layer_or_label_filter_is_an_error(gold, tmp_path):
    with pytest.raises(CommandError, match="--layer: 'nope'"):
        export(gold, "jsonl", tmp_path / "x.jsonl", "--layer", "nope")
    with pytest.raises(CommandError, match="--label: 'argument:nope'"):
        export(gold, "jsonl", tmp_path / "x.jsonl", "--label", "argument:nope")


def test_a_binary_format_goes_to_stdout_with_the_report_on_stderr(gold, capsysbinary):
    call_command("export_gold", gold.slug, "--format", "brat", "--out", "-")
    captured = capsysbinary.readouterr()
    assert zipfile.ZipFile(io.BytesIO(captured.out)).namelist()
    assert b"Wrote 3 documents to stdout" in captured.err


# --- filters ----------------------------------------------------------------------------------


def jsonl(project, tmp_path, *extra) -> list[dict]:
    export(project, "jsonl", tmp_path / "gold.jsonl", *extra)
    return [json.loads(line) for line in (tmp_path / "gold.jsonl").read_text(encoding="utf-8").splitlines()]


def test_status_filter_keeps_only_those_documents(gold, tmp_path):
    assert [r["status"] for r in jsonl(gold, tmp_path, "--status", "gold")] == ["gold"]
    statuses = [
        r["status"] for r in jsonl(gold, tmp_path, "--status", "needs-curation", "--status", "unannotated")
    ]
    assert statuses == ["needs-curation", "unannotated"]


def test_layer_filter_keeps_that_layer_and_drops_relations_and_stance_of_others(gold, tmp_path):
    (record, *_) = jsonl(gold, tmp_path, "--layer", "rhetoric")
    assert {s["layer"] for s in record["spans"]} == {"rhetoric"}
    assert record["relations"] == [] and record["stance"] is None


def test_label_filter_narrows_its_layer_and_keeps_what_still_connects(gold, tmp_path):
    (record, *_) = jsonl(gold, tmp_path, "--label", "argument:claim", "--label", "argument:premise")
    assert {(s["layer"], s["label"]) for s in record["spans"] if s["layer"] == "argument"} == {
        ("argument", "claim"),
        ("argument", "premise"),
    }
    assert any(s["layer"] == "rhetoric" for s in record["spans"])
    assert [r["label"] for r in record["relations"]] == ["supports"]  # the attack came from evidence
    assert record["stance"]["label"] == "pro-engagement"


# --- CSV --------------------------------------------------------------------------------------


def test_csv_has_one_row_per_document_with_stance_confidence_and_counts(gold, tmp_path):
    export(gold, "csv", tmp_path / "gold.csv")
    with (tmp_path / "gold.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 3
    first = rows[0]
    assert first["status"] == "gold"
    assert (first["stance"], first["confidence"]) == ("pro-engagement", "4")
    assert (first["n_argument"], first["n_rhetoric"], first["n_relation"]) == ("3", "4", "2")
    assert first["content_hash"] == hashlib.sha256(TEXT.encode()).hexdigest()
    assert (rows[1]["status"], rows[1]["stance"], rows[1]["n_argument"]) == ("needs-curation", "", "0")


# --- spaCy ------------------------------------------------------------------------------------


def test_the_docbin_loads_back_with_spans_per_layer_and_one_hot_stance(gold, tmp_path):
    import spacy
    from spacy.tokens import DocBin

    printed = export(gold, "spacy", tmp_path / "gold.spacy")
    docs = list(DocBin().from_disk(tmp_path / "gold.spacy").get_docs(spacy.blank("en").vocab))
    assert len(docs) == 1  # gold only by default
    (doc,) = docs
    assert doc.text == TEXT
    assert {(s.text, s.label_) for s in doc.spans["argument"]} == {
        ("Sanctions have failed", "premise"),
        ("Talks are the only way out", "claim"),
        ("Kim fears the worst", "evidence"),
    }
    assert ("🙂", "loaded-language") in {(s.text, s.label_) for s in doc.spans["rhetoric"]}
    assert doc.cats == {"pro-engagement": 1.0, "pro-sanctions": 0.0, "neutral-or-mixed": 0.0}
    assert doc.user_data["stancemark"]["content_hash"] == hashlib.sha256(TEXT.encode()).hexdigest()
    assert "problem" not in printed


def test_a_span_that_splits_a_token_is_widened_and_reported(project, annotator, tmp_path):
    annotation_set = AnnotationSetFactory(project=project, annotator=annotator, document__text=TEXT)
    annotate(annotation_set, [("argument", "claim", "anctions", None)])
    printed = export(project, "spacy", tmp_path / "gold.spacy")
    assert "widened to whole tokens [2, 11)" in printed
    import spacy
    from spacy.tokens import DocBin

    (doc,) = DocBin().from_disk(tmp_path / "gold.spacy").get_docs(spacy.blank("en").vocab)
    assert [s.text for s in doc.spans["argument"]] == ["Sanctions"]


def test_a_span_of_only_a_space_cannot_be_aligned_and_is_reported(project, annotator, tmp_path):
    text = "Talks  work."
    annotation_set = AnnotationSetFactory(project=project, annotator=annotator, document__text=text)
    span = services.span_create(
        annotation_set=annotation_set, version=1, layer="argument", label="claim", start=5, end=6
    )
    services.annotation_set_submit(annotation_set=annotation_set, version=2)
    report = EXPORTERS["spacy"].write(project, io.BytesIO(), ExportOptions())
    document = annotation_set.document_id
    assert report.problems == [
        f"document {document}: span {span.pk} argument:claim [5, 6) covers no token; left out.",
        f"document {document}: no stance; its cats are all 0.0.",
    ]


# --- CoNLL ------------------------------------------------------------------------------------


def conll_rows(path: Path) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


def test_conll_writes_bio_columns_per_span_layer(gold, tmp_path):
    export(gold, "conll", tmp_path / "gold.conll")
    content = (tmp_path / "gold.conll").read_text(encoding="utf-8")
    assert content.startswith("# columns = token start end argument rhetoric\n")
    assert "# stance = pro-engagement" in content
    rows = {row[0]: row for row in conll_rows(tmp_path / "gold.conll")}
    assert rows["Talks"][1:] == [
        str(TEXT.index("Talks")),
        str(TEXT.index("Talks") + 5),
        "B-claim",
        "I-exaggeration",
    ]
    assert rows["Kim"][3] == "B-evidence"
    # The exaggeration across the line end keeps its two sentences together.
    assert "failed\t17\t23\tI-premise\tB-exaggeration\n.\t23\t24\tO\tI-exaggeration\nTalks\t" in content
    assert rows["🙂"][3:] == ["O", "B-loaded-language"]
    assert all(
        "\r" not in cell and "\n" not in cell for row in conll_rows(tmp_path / "gold.conll") for cell in row
    )


def test_conll_reports_overlapping_spans_instead_of_dropping_them_silently(gold, tmp_path):
    printed = export(gold, "conll", tmp_path / "gold.conll")
    assert "1 problem(s):" in printed
    assert "rhetoric:loaded-language" in printed and "overlaps" in printed
    assert "left out of the BIO column" in printed
    rows = {row[0]: row for row in conll_rows(tmp_path / "gold.conll")}
    assert rows["only"][4] == "I-exaggeration"


# --- AIF --------------------------------------------------------------------------------------


def test_aif_graph_has_i_nodes_for_argument_spans_and_ra_ca_ya_nodes_for_relations(seeded_project, tmp_path):
    document = seeded_project.corpus.documents.order_by("id").first()
    user = MembershipFactory(project=seeded_project).user
    annotation_set = AnnotationSet.objects.create(project=seeded_project, document=document, annotator=user)
    words = document.text.split()
    pieces = [" ".join(words[i : i + 3]) for i in (0, 5, 10, 15)]
    annotate(
        annotation_set,
        [
            ("argument", "claim", pieces[0], 1),
            ("argument", "premise", pieces[1], None),
            ("argument", "evidence", pieces[2], None),
            ("source", "source", pieces[3], None),
            ("rhetoric", "loaded-language", pieces[3], None),
        ],
        relations=[
            ("supports", 1, 0),
            ("attacks", 2, 0),
            ("leads-to", 1, 2),
            ("attributed-to", 0, 3),
            ("supports", 4, 0),
        ],
    )

    printed = export(seeded_project, "aif", tmp_path / "aif.zip")
    with zipfile.ZipFile(tmp_path / "aif.zip") as archive:
        graph = json.loads(archive.read(f"{document.external_id}.json"))
    nodes = {n["nodeID"]: n for n in graph["nodes"]}
    by_type = {}
    for n in graph["nodes"]:
        by_type.setdefault(n["type"], []).append(n)
    assert sorted(n["text"] for n in by_type["I"]) == sorted(pieces[:3])
    assert [n["label"] for n in by_type["RA"]] == ["supports", "leads-to"]
    assert by_type["RA"][1]["scheme"] == "leads-to"
    assert [n["text"] for n in by_type["CA"]] == ["Default Conflict"]
    assert [n["text"] for n in by_type["YA"]] == ["Asserting"]
    assert by_type["L"][0]["text"] == f"{pieces[3]}: {pieces[0]}"
    # Every S-node sits between two I-nodes: premise → RA → claim.
    ra = by_type["RA"][0]["nodeID"]
    into = [nodes[e["fromID"]]["text"] for e in graph["edges"] if e["toID"] == ra]
    out_of = [nodes[e["toID"]]["text"] for e in graph["edges"] if e["fromID"] == ra]
    assert (into, out_of) == ([pieces[1]], [pieces[0]])
    # A support from a rhetoric span has no AIF counterpart: reported.
    assert "has no AIF counterpart; left out" in printed and "rhetoric:loaded-language" in printed


# --- dataset ----------------------------------------------------------------------------------


def test_split_by_hash_is_deterministic_and_about_80_10_10():
    hashes = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(2000)]
    splits = [split_of(h) for h in hashes]
    assert splits == [split_of(h) for h in hashes]
    assert 0.75 < splits.count("train") / 2000 < 0.85
    assert 0.07 < splits.count("dev") / 2000 < 0.13
    assert 0.07 < splits.count("test") / 2000 < 0.13


def test_the_dataset_folder_has_three_splits_a_card_and_matching_checksums(gold, tmp_path):
    extra = []
    for n in range(12):
        document = DocumentFactory(corpus=gold.corpus, text=f"Document {n}: talks matter.\n")
        user = UserFactory(username="ann")
        extra.append(document)
        annotate(
            AnnotationSet.objects.create(project=gold, document=document, annotator=user),
            [("argument", "claim", "talks matter", None)],
            stance=("pro-sanctions", None, []),
        )
    out = tmp_path / "ds"
    export(gold, "dataset", out)
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "dev.jsonl", "test.jsonl", "train.jsonl"]
    rows = {
        split: [
            json.loads(line) for line in (out / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        for split in ("train", "dev", "test")
    }
    all_rows = [row for split_rows in rows.values() for row in split_rows]
    assert len(all_rows) == 13  # the gold documents only
    for split, split_rows in rows.items():
        assert all(split_of(row["content_hash"]) == split for row in split_rows)
    # One fixed shape: the same keys everywhere, no nulls.
    assert len({tuple(row) for row in all_rows}) == 1
    assert "null" not in "".join((out / f"{s}.jsonl").read_text(encoding="utf-8") for s in rows)
    first = next(row for row in all_rows if row["text"] == TEXT)
    assert (first["stance"], first["stance_confidence"]) == ("pro-engagement", 4)
    assert first["spans"][first["rationale"][0]]["text"] == "Talks are the only way out"
    for span in first["spans"]:
        assert TEXT[span["start"] : span["end"]] == span["text"]
    supports = next(r for r in first["relations"] if r["label"] == "supports")
    assert first["spans"][supports["head"]]["label"] == "premise"
    assert first["spans"][supports["tail"]]["label"] == "claim"

    card = (out / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\n")
    for split in ("train", "dev", "test"):
        digest = hashlib.sha256((out / f"{split}.jsonl").read_bytes()).hexdigest()
        assert f"{digest}  {split}.jsonl" in card
    scheme = gold.scheme
    assert f"`{scheme.slug}` version {scheme.version}" in card
    assert "1 annotator: `ann`." in card  # the disputed document is not gold, so not in the dataset
    assert "| pro-sanctions |" in card and "| argument:claim |" in card
    assert "Krippendorff's alpha, nominal" in card


# --- round trips through the importers --------------------------------------------------------


def gold_content(project) -> dict[str, dict]:
    """Each gold document's annotations by content hash, with spans named by layer, label and offsets."""
    content = {}
    for record in gold_records(project, ExportOptions(statuses=GOLD_ONLY)):
        spans = {s["id"]: (s["layer"], s["label"], s["start"], s["end"]) for s in record["spans"]}
        stance = record["stance"]
        content[record["meta"]["content_hash"]] = {
            "spans": sorted(spans.values()),
            "relations": sorted(
                (r["layer"], r["label"], spans[r["head"]], spans[r["tail"]]) for r in record["relations"]
            ),
            "stance": stance and stance["label"],
            "confidence": stance and stance["confidence"],
            "rationale": stance and sorted(spans[ref] for ref in stance["rationale"]),
        }
    return content


def import_export(project, tmp_path, fmt: str) -> dict[str, dict]:
    """Export the project in `fmt`, import the file as another project's annotator, return its gold."""
    out = tmp_path / f"export{EXPORTERS[fmt].suffix}"
    export(project, fmt, out)
    if fmt == "brat":
        with zipfile.ZipFile(out) as archive:
            archive.extractall(tmp_path / "brat")
        out = tmp_path / "brat"
    second = ProjectFactory(corpus=project.corpus, scheme=project.scheme)
    MembershipFactory(project=second, user=UserFactory(username="importer"))
    call_command(
        "import_corpus",
        project.corpus.slug,
        str(out),
        "--format",
        fmt,
        "--project",
        second.slug,
        "--as-annotator",
        "importer",
        stdout=io.StringIO(),
    )
    return gold_content(second)


@pytest.mark.parametrize(
    "fmt, carries",
    [
        ("jsonl", {"confidence", "rationale"}),
        ("brat", {"confidence", "rationale"}),
        ("labelstudio", {"confidence"}),
        ("doccano", set()),
    ],
)
def test_export_then_import_gives_back_the_same_spans_relations_and_stance(gold, tmp_path, fmt, carries):
    before = gold_content(gold)
    after = import_export(gold, tmp_path, fmt)
    assert list(after) == list(before)  # the gold document and only it
    for digest, original in before.items():
        assert len(original["spans"]) == len(GOLD_SPANS) and len(original["relations"]) == 2
        expected = {
            key: value for key, value in original.items() if key not in {"confidence", "rationale"} - carries
        }
        got = {key: value for key, value in after[digest].items() if key in expected}
        assert got == expected


def test_the_jsonl_export_of_an_imported_export_is_the_same_but_for_ids_and_provenance(gold, tmp_path):
    import_export(gold, tmp_path, "jsonl")
    second = Project.objects.exclude(pk=gold.pk).get()
    first_line = (tmp_path / "export.jsonl").read_text(encoding="utf-8").splitlines()[0]
    export(second, "jsonl", tmp_path / "again.jsonl", "--status", "gold")
    (again_line,) = (tmp_path / "again.jsonl").read_text(encoding="utf-8").splitlines()

    def canonical(line: str) -> str:
        record = json.loads(line)
        ids = {span["id"]: n for n, span in enumerate(record["spans"])}
        for span in record["spans"]:
            span["id"] = ids[span["id"]]
            span["origin"] = "any"
        for n, relation in enumerate(record["relations"]):
            relation.update(id=n, head=ids[relation["head"]], tail=ids[relation["tail"]])
        record["relations"].sort(key=lambda r: (r["head"], r["tail"], r["label"]))
        record["stance"]["rationale"] = [ids[ref] for ref in record["stance"]["rationale"]]
        record["document_labels"] = {"stance": record["stance"]}
        record["meta"]["project"] = record["annotators"] = None
        return json.dumps(record, ensure_ascii=False, sort_keys=True)

    assert canonical(again_line) == canonical(first_line)
