"""Decode input bytes strictly, so every encoding problem is reported with its position."""

from corpus.importers.records import Problem, RecordError

BOM = "\ufeff"


def decode_text(data: bytes, file: str, line: int | None = None) -> str:
    """Decode UTF-8 (a leading BOM is dropped); refuse invalid bytes and NUL characters."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RecordError(
            Problem(
                file,
                line,
                None,
                f"invalid UTF-8 at byte {error.start}: {data[error.start : error.start + 4]!r}.",
            )
        ) from error
    if text.startswith(BOM):
        text = text[1:]
    nul = text.find("\x00")
    if nul != -1:
        raise RecordError(Problem(file, line, None, f"NUL character at character {nul}."))
    return text
