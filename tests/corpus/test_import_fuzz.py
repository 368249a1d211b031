"""Whatever bytes arrive, an import either succeeds whole or fails with located problems, writing nothing.

Each format starts from a small valid file (or folder) and hypothesis breaks it: random bytes,
truncation, latin-1 and UTF-16 re-encoding, NUL bytes, a huge line, offsets out of range and, for the
JSON formats, values of the wrong type. The upload API gets the same files and never answers 500.
"""

import json
import re
import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from factories import MembershipFactory, UserFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.models import (
    AnnotationSet,
    DocumentLabel,
    Membership,
    Relation,
    Span,
    SuggestedDocumentLabel,
    SuggestedRelation,
    Suggestion,
)
from corpus.importers.records import Problem
from corpus.models import Document
from corpus.services import ImportFailed, ImportReport, corpus_import

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

TEXT = "🙂 Sanctions have failed. Talks are the only way out.\nKim fears the worst."
HUGE = 200_000

JSONL = {
    "text": TEXT,
    "title": "Talks",
    "kind": "opinion",
    "spans": [
        {"id": 1, "start": 2, "end": 24, "label": "premise", "layer": "argument"},
        {"id": 2, "start": 25, "end": 53, "label": "claim", "step": 1},
    ],
    "relations": [{"head": 1, "tail": 2, "label": "supports"}],
    "stance": {"layer": "stance", "label": "pro-engagement", "confidence": 4, "rationale": [2]},
}
DOCCANO = {
    "id": 7,
    "text": TEXT,
    "entities": [
        {"id": 1, "label": "argument:premise", "start_offset": 2, "end_offset": 24},
        {"id": 2, "label": "claim", "start_offset": 25, "end_offset": 53},
    ],
    "relations": [{"id": 9, "from_id": 1, "to_id": 2, "type": "supports"}],
    "cats": ["stance:pro-engagement"],
}
LABELSTUDIO = [
    {
        "id": 1,
        "data": {"text": TEXT, "outlet": "Daily"},
        "annotations": [
            {
                "result": [
                    {
                        "id": "a",
                        "type": "labels",
                        "from_name": "argument",
                        "value": {"start": 2, "end": 24, "labels": ["premise"]},
                    },
                    {
                        "id": "b",
                        "type": "labels",
                        "from_name": "label",
                        "value": {"start": 25, "end": 53, "labels": ["claim"]},
                    },
                    {"type": "relation", "from_id": "a", "to_id": "b", "labels": ["supports"]},
                    {"type": "choices", "from_name": "stance", "value": {"choices": ["pro-engagement"]}},
                    {"type": "rating", "from_name": "confidence", "value": {"rating": 4}},
                ]
            }
        ],
    }
]
BRAT_TEXT = "Talks failed,\r\nsays Lee; sanctions, he adds, never work.\n"
BRAT_ANN = (
    "T1\tclaim 0 12\tTalks failed\n"
    "T2\trhetoric:exaggeration 25 34;45 56\tsanctions never work.\n"
    "R1\tsupports Arg1:T1 Arg2:T2\n"
    "A1\tConfidence T1 high\n"
    "#1\tAnnotatorNotes T2\ton purpose\n"
    "#2\tstance\tpro-engagement confidence=4 rationale=T1\n"
)
PTC_TEXT = "Traitors! The corrupt elite wants war.\nWhat about their crimes?\n"

# Each format's valid input: file name → bytes; a single entry is imported as a file, more as a folder.
VALID: dict[str, dict[str, bytes]] = {
    "txt": {"one.txt": TEXT.encode()},
    "jsonl": {
        "gold.jsonl": (
            json.dumps(JSONL, ensure_ascii=False) + "\n" + json.dumps({"text": "Second."})
        ).encode()
    },
    "csv": {"rows.csv": b'text,lang\n"Kim fears, as ever, the worst.",en\nTalks failed.,de\n'},
    "doccano": {"d.jsonl": (json.dumps(DOCCANO, ensure_ascii=False) + "\n").encode()},
    "labelstudio": {"ls.json": json.dumps(LABELSTUDIO, ensure_ascii=False).encode()},
    "brat": {"doc1.txt": BRAT_TEXT.encode(), "doc1.ann": BRAT_ANN.encode()},
    "ptc": {
        "article111.txt": PTC_TEXT.encode(),
        "article111.task2-TC.labels": b"111\tName_Calling,Labeling\t0\t8\n111\tLoaded_Language\t14\t27\n",
    },
}
JSON_FORMATS = {"jsonl", "doccano", "labelstudio"}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def broken(draw, data: bytes) -> bytes:
    """One way of breaking a valid file."""
    how = draw(
        st.sampled_from(["random", "truncate", "latin-1", "utf-16", "nul", "huge", "offsets", "splice"])
    )
    if how == "random":
        return draw(st.binary(max_size=300))
    if how == "truncate":
        return data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    if how == "latin-1":
        return data.decode("utf-8").encode("latin-1", errors="replace") + "café".encode("latin-1")
    if how == "utf-16":
        return data.decode("utf-8").encode("utf-16")
    if how == "nul":
        at = draw(st.integers(0, len(data)))
        return data[:at] + b"\x00" + data[at:]
    if how == "huge":
        at = draw(st.integers(0, len(data)))
        return data[:at] + b"x" * HUGE + data[at:]
    if how == "offsets":
        numbers = list(re.finditer(rb"\d+", data))
        if not numbers:
            return data
        match = draw(st.sampled_from(numbers))
        number = draw(st.sampled_from([-1, 0, 10**6, 2**63, 2**80]) | st.integers(-5, 200))
        return data[: match.start()] + str(number).encode() + data[match.end() :]
    at = draw(st.integers(0, len(data)))
    return data[:at] + draw(st.binary(min_size=1, max_size=20)) + data[at:]


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            yield from _paths(value, (*prefix, index))


@st.composite
def wrong_types(draw, data: bytes) -> bytes:
    """Replace one value anywhere in the JSON (each line of JSON lines) by a value of any type."""
    lines = data.decode("utf-8").splitlines()
    index = draw(st.integers(0, len(lines) - 1))
    obj = json.loads(lines[index])
    path = draw(st.sampled_from(list(_paths(obj))))
    value = draw(json_values)
    if not path:
        obj = value
    else:
        parent = obj
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value
    lines[index] = json.dumps(obj, ensure_ascii=False)
    return "\n".join(lines).encode()


@st.composite
def fuzzed_input(draw, fmt: str) -> dict[str, bytes]:
    files = dict(VALID[fmt])
    name = draw(st.sampled_from(sorted(files)))
    if fmt in JSON_FORMATS and draw(st.booleans()):
        files[name] = draw(wrong_types(files[name]))
    else:
        files[name] = draw(broken(files[name]))
    return files


def write(files: dict[str, bytes], root: Path) -> Path:
    folder = Path(tempfile.mkdtemp(dir=root))
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder / next(iter(files)) if len(files) == 1 else folder


def stored() -> tuple[int, ...]:
    models = (Document, AnnotationSet, Span, Relation, DocumentLabel, Suggestion, SuggestedRelation)
    return (*(m.objects.count() for m in models), SuggestedDocumentLabel.objects.count())


def assert_located(problems: list[Problem], root: Path) -> None:
    assert problems
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.file.startswith(str(root)), problem
        assert problem.message, problem


@pytest.fixture
def importer(project):
    return MembershipFactory(project=project, user=UserFactory(username="importer")).user


def import_outcome(files, root, fmt, project, importer, **options) -> ImportReport | None:
    """Import; None when it failed, after checking the failure wrote nothing and says where."""
    path = write(files, root)
    before = stored()
    try:
        return corpus_import(
            corpus=project.corpus, path=path, format=fmt, project=project, annotator=importer, **options
        )
    except ImportFailed as failure:
        assert stored() == before, "a failed import left rows behind"
        assert_located(failure.problems, root)
        return None


@pytest.mark.parametrize("fmt", sorted(VALID))
def test_every_valid_sample_imports(fmt, project, importer, tmp_path):
    report = import_outcome(VALID[fmt], tmp_path, fmt, project, importer, add_labels=True)
    assert report is not None and report.documents_created >= 1


@pytest.mark.parametrize("fmt", sorted(VALID))
def test_a_broken_file_imports_whole_or_fails_with_located_problems(fmt, project, importer, tmp_path):
    @FUZZ
    @given(files=fuzzed_input(fmt), skip_bad=st.booleans(), as_suggestions=st.booleans(), add=st.booleans())
    def check(files, skip_bad, as_suggestions, add):
        options = {"skip_bad": skip_bad, "add_labels": add}
        if as_suggestions:
            options |= {"as_suggestions": True}
        report = import_outcome(
            files, tmp_path, fmt, project, None if as_suggestions else importer, **options
        )
        if report is not None:
            for problem in report.skipped:
                assert problem.file.startswith(str(tmp_path)), problem

    check()


def test_a_wrong_type_in_jsonl_is_a_problem_on_its_line(project, importer, tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"text": "Talks.", "kind": ["opinion"]}) + "\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failure:
        corpus_import(corpus=project.corpus, path=path, format="jsonl", project=project, annotator=importer)
    assert [(p.line, p.field) for p in failure.value.problems] == [(1, "kind")]


# --- the upload API -----------------------------------------------------------------------------


@pytest.fixture
def manager_client(project, client_for, settings, tmp_path):
    settings.STANCEMARK_UPLOAD_DIR = tmp_path / "uploads"
    manager = MembershipFactory(
        project=project, user=UserFactory(username="boss"), role=Membership.Role.MANAGER
    )
    return client_for(manager.user)


upload_fields = st.fixed_dictionaries(
    {"format": st.sampled_from([*VALID, "zip", "", "x" * 300])},
    optional={
        "as_annotator": st.sampled_from(["importer", "nobody", "", "1"]),
        "as_suggestions": st.sampled_from(["true", "false", "maybe"]),
        "skip_bad": st.sampled_from(["true", "1", "no", "[]"]),
        "replace": st.sampled_from(["true", "2"]),
        "label_map": st.sampled_from(["{}", "[1]", "not json", '{"claim": 5}', '{"x": "argument:claim"}']),
        "add_labels": st.sampled_from(["true", ""]),
        "layer": st.text(max_size=30),
        "text_column": st.text(max_size=30),
        "upload": st.text(max_size=40),
    },
)


@pytest.mark.parametrize("fmt", sorted(VALID))
def test_the_upload_api_never_answers_500(fmt, project, importer, manager_client):
    @FUZZ
    @given(files=fuzzed_input(fmt), fields=upload_fields, zipped=st.booleans())
    def check(files, fields, zipped):
        data = {k: v for k, v in fields.items() if "\x00" not in v}
        name, content = next(iter(files.items()))
        if zipped or len(files) > 1:
            name, content = "upload.zip", zip_bytes(files)
        data["file"] = SimpleUploadedFile(name, content, content_type="application/octet-stream")
        before = stored()
        response = manager_client.post(f"/api/projects/{project.slug}/imports/", data, format="multipart")
        assert response.status_code < 500, response.content[:500]
        assert response["Content-Type"].startswith("application/json")
        if response.status_code >= 400:
            assert stored() == before

    check()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
