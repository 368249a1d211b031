"""Exporters: each format is one module with a `write(project, stream, ...)` function."""

from annotator.exporters import jsonl

EXPORTERS = {
    "jsonl": jsonl.write,
}
