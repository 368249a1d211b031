"""Zip archives: unpacked member by member (streamed, never whole in memory) into a folder."""

import shutil
import zipfile
from pathlib import Path

CHUNK = 1024 * 1024


def unzip_to(archive_path: Path, folder: Path) -> Path:
    """Unpack every file of the zip under `folder` and return it; members outside it are skipped."""
    root = folder.resolve()
    with zipfile.ZipFile(archive_path) as archive:
        for member in archive.infolist():
            target = (folder / member.filename).resolve()
            if member.is_dir() or not target.is_relative_to(root) or "__MACOSX" in member.filename:
                continue  # folders come with their files; never write outside the folder
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, target.open("wb") as out:
                shutil.copyfileobj(source, out, CHUNK)
    return folder
