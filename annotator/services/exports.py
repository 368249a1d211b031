"""Exports made from the browser or the API: written to the project's export folder, then downloaded.

Small projects are exported at once; large ones in a background task. A folder export (the
dataset) is zipped so that it downloads as one file.
"""

import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from annotator.exporters import EXPORTERS
from annotator.exporters.base import ExportOptions, ExportReport, Output
from annotator.exporters.files import write_aside
from annotator.models import Project
from annotator.services.errors import NotAllowed, invalid
from corpus.models import Document

EXPORT_NAME = re.compile(r"^[a-z0-9-]+-\d{8}T\d{6}-[a-z]+(\.[a-z]+)+$")
# Above this many documents an export from the browser runs as a background task.
BACKGROUND_DOCUMENTS = 2000


@dataclass(frozen=True)
class ExportFile:
    name: str
    size: int
    created_at: datetime


def export_dir(project: Project) -> Path:
    base = Path(getattr(settings, "STANCEMARK_EXPORT_DIR", Path(settings.BASE_DIR) / "var" / "exports"))
    return base / f"project-{project.pk}"


def check_format(fmt: object) -> str:
    if fmt not in EXPORTERS:
        raise invalid("format", f"format must be one of {', '.join(sorted(EXPORTERS))}.", "unknown_format")
    return fmt


def export_in_background(project: Project) -> bool:
    return Document.objects.filter(corpus_id=project.corpus_id).count() > BACKGROUND_DOCUMENTS


def export_write(project: Project, fmt: str) -> tuple[ExportFile, ExportReport]:
    """Export the project's gold in `fmt` (the format's default documents) into its export folder."""
    exporter = EXPORTERS[check_format(fmt)]
    folder = export_dir(project)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    stem = f"{project.slug}-{stamp}-{fmt}"
    options = ExportOptions(statuses=exporter.default_statuses)
    if exporter.output == Output.DIRECTORY:
        work = folder / f".{stem}"
        report = write_aside(exporter, project, work, options)
        archive = shutil.make_archive(str(folder / f".{stem}-zip"), "zip", root_dir=work)
        shutil.rmtree(work)
        target = folder / f"{stem}.zip"
        Path(archive).replace(target)
    else:
        target = folder / f"{stem}{exporter.suffix or '.txt'}"
        report = write_aside(exporter, project, target, options)
    return _file(target), report


def export_list(project: Project) -> list[ExportFile]:
    folder = export_dir(project)
    if not folder.is_dir():
        return []
    files = [_file(path) for path in folder.iterdir() if path.is_file() and EXPORT_NAME.match(path.name)]
    return sorted(files, key=lambda item: item.created_at, reverse=True)


def export_path(project: Project, name: str) -> Path:
    """The file of a finished export; names are checked so that no other file can be reached."""
    path = export_dir(project) / name
    if not EXPORT_NAME.match(name) or not path.is_file():
        raise NotAllowed(f"No export '{name}' of project '{project.slug}'.")
    return path


def _file(path: Path) -> ExportFile:
    stat = path.stat()
    return ExportFile(
        name=path.name, size=stat.st_size, created_at=datetime.fromtimestamp(stat.st_mtime, UTC)
    )
