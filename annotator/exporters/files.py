"""Writing an export to disk so that a failure never leaves a half-written file or folder."""

import shutil
from pathlib import Path

from annotator.exporters.base import Exporter, ExportOptions, ExportReport, Output
from annotator.models import Project


def write_aside(exporter: Exporter, project: Project, out: Path, options: ExportOptions) -> ExportReport:
    """Write to `out.partial` and rename it to `out`, so a failed export never leaves a half-written one."""
    partial = out.with_name(out.name + ".partial")
    _remove(partial)
    try:
        if exporter.output == Output.DIRECTORY:
            partial.mkdir()
            report = exporter.write(project, partial, options)
        elif exporter.output == Output.BYTES:
            with partial.open("wb") as stream:
                report = exporter.write(project, stream, options)
        else:
            with partial.open("w", encoding="utf-8", newline="") as stream:
                report = exporter.write(project, stream, options)
        if out.is_dir():
            out.rmdir()  # checked empty before the export started
        partial.replace(out)
    except BaseException:
        _remove(partial)
        raise
    return report


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
