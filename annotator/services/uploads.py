"""Imports uploaded through the browser or the API: store the upload, unpack a zip, run the import.

An upload lives in its own folder under STANCEMARK_UPLOAD_DIR (default: the system's temporary
folder) named by a random token, with the uploader and project recorded beside it, so the page can
re-run it with a label mapping without asking for the file again. Problems name the file as the
user uploaded it (`corpus.zip/doc1.ann`), never the server's folder.
"""

import json
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from annotator.models import Label, Project
from annotator.services.errors import NotAllowed
from annotator.services.label_mapping import label_map_parse
from corpus.importers.archive import unzip_to
from corpus.importers.csv import make_csv_reader
from corpus.importers.records import Problem, RecordError
from corpus.services import ImportFailed, LabelsUnknown, corpus_import

DEFAULT_BACKGROUND_BYTES = 20 * 1024 * 1024
CHUNK = 1024 * 1024
DEFAULT_MAX_UPLOAD_BYTES = 500 * 1024 * 1024


def upload_root() -> Path:
    root = Path(
        getattr(settings, "STANCEMARK_UPLOAD_DIR", "") or Path(tempfile.gettempdir()) / "stancemark-uploads"
    )
    root.mkdir(parents=True, exist_ok=True)
    return root


def background_threshold() -> int:
    """Uploads larger than this many bytes are imported by the background worker."""
    return int(getattr(settings, "STANCEMARK_IMPORT_BACKGROUND_BYTES", DEFAULT_BACKGROUND_BYTES))


@dataclass
class Upload:
    token: str
    name: str  # the file name as uploaded
    size: int

    @property
    def folder(self) -> Path:
        return upload_root() / self.token

    @property
    def path(self) -> Path:
        return self.folder / "data" / self.name


def upload_too_large(size: int | None) -> str:
    """Why an upload of `size` bytes is refused (over STANCEMARK_MAX_UPLOAD_BYTES), or ""."""
    limit = int(getattr(settings, "STANCEMARK_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))
    if size is None or size <= limit:
        return ""
    return f"the file is {size / 1_048_576:.1f} MB; uploads are limited to {limit / 1_048_576:.1f} MB."


def upload_store(*, chunks: Iterable[bytes], name: str, project: Project, user) -> Upload:
    """Write an upload to disk chunk by chunk (never whole in memory) and remember whose it is."""
    safe = Path(name).name.strip() or "upload"
    upload = Upload(token=secrets.token_hex(16), name=safe, size=0)
    upload.path.parent.mkdir(parents=True)
    with upload.path.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
            upload.size += len(chunk)
    (upload.folder / "owner.json").write_text(
        json.dumps({"project": project.pk, "user": user.pk, "name": safe, "size": upload.size})
    )
    return upload


def upload_get(*, token: str, project: Project, user) -> Upload:
    """An earlier upload of this user to this project, or NotAllowed."""
    if not (len(token) == 32 and all(c in "0123456789abcdef" for c in token)):
        raise NotAllowed("No such upload.")
    owner_file = upload_root() / token / "owner.json"
    if not owner_file.is_file():
        raise NotAllowed("No such upload; upload the file again.")
    owner = json.loads(owner_file.read_text())
    if owner["project"] != project.pk or owner["user"] != user.pk:
        raise NotAllowed("No such upload.")
    return Upload(token=token, name=owner["name"], size=owner["size"])


def upload_delete(upload: Upload) -> None:
    shutil.rmtree(upload.folder, ignore_errors=True)


def _unpack(upload: Upload) -> Path:
    """A zip becomes a folder beside it, member by member (streamed); anything else stays as it is."""
    if not zipfile.is_zipfile(upload.path):
        return upload.path
    folder = upload.folder / "data" / (upload.name.removesuffix(".zip") + ".unzipped")
    if folder.is_dir():
        return folder
    return unzip_to(upload.path, folder)


@dataclass
class ImportOptions:
    format: str
    as_annotator: str = ""
    as_suggestions: bool = False
    skip_bad: bool = False
    add_labels: bool = False
    layer: str = ""
    replace: bool = False
    label_map: dict[str, str] = field(default_factory=dict)
    text_column: str = "text"
    title_column: str = ""
    id_column: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _problem(problem: Problem, upload: Upload) -> dict:
    data = upload.folder / "data"
    name = problem.file
    unzipped = str(data / (upload.name.removesuffix(".zip") + ".unzipped"))
    if name.startswith(unzipped):
        name = upload.name + name[len(unzipped) :]
    elif name.startswith(str(data)):
        name = name[len(str(data)) + 1 :] or upload.name
    return {
        "file": name,
        "line": problem.line,
        "field": problem.field,
        "message": problem.message,
        "text": str(Problem(name, problem.line, problem.field, problem.message)),
    }


def upload_import(*, project: Project, upload: Upload, options: ImportOptions) -> dict:
    """Import an upload into the project's corpus; return `{"ok", "report", "problems", "unknown_labels"}`.

    Never raises for bad input: every problem comes back located in the uploaded file.
    """
    result: dict[str, Any] = {
        "ok": False,
        "report": None,
        "problems": [],
        "unknown_labels": [],
        "upload": upload.token,
    }
    try:
        annotator = None
        if options.as_annotator:
            annotator = get_user_model().objects.filter(username=options.as_annotator).first()
            if annotator is None:
                raise ImportFailed(
                    [Problem(upload.name, None, "as_annotator", f"no user '{options.as_annotator}'.")]
                )
        if options.as_annotator and options.as_suggestions:
            raise ImportFailed(
                [
                    Problem(
                        upload.name, None, "as_suggestions", "choose an annotator or suggestions, not both."
                    )
                ]
            )
        label_map: dict[str, Label] | None = None
        if options.label_map:
            try:
                label_map = label_map_parse(options.label_map, project.scheme, "label_map")
            except RecordError as error:
                raise ImportFailed([error.problem]) from error
        reader = None
        if options.format == "csv":
            reader = make_csv_reader(
                options.text_column or "text", options.title_column or None, options.id_column or None
            )
        report = corpus_import(
            corpus=project.corpus,
            path=_unpack(upload),
            format=options.format,
            project=project,
            annotator=annotator,
            as_suggestions=options.as_suggestions,
            skip_bad=options.skip_bad,
            label_map=label_map,
            add_labels=options.add_labels,
            layer=options.layer or None,
            replace=options.replace,
            reader=reader,
        )
    except LabelsUnknown as error:
        result["unknown_labels"] = [
            {
                **{k: v for k, v in item.items() if k != "problem"},
                "first": _problem(item["problem"], upload)["text"],
            }
            for item in error.unknown
        ]
        known = len(error.problems) - len(error.unknown)
        result["problems"] = [_problem(p, upload) for p in error.problems[:known]]
        return result
    except ImportFailed as error:
        result["problems"] = [_problem(p, upload) for p in error.problems]
        return result
    except (zipfile.BadZipFile, OSError) as error:
        result["problems"] = [
            _problem(Problem(upload.name, None, None, f"cannot read the upload: {error}."), upload)
        ]
        return result
    result["ok"] = True
    result["report"] = {**report.as_dict(), "skipped": [_problem(p, upload) for p in report.skipped]}
    return result
