"""SemEval-2020 Task 11 (Propaganda Techniques Corpus): `articleNNN.txt` plus a labels file beside each.

In a folder only `article*.txt` files are read (other text files are not articles). The labels
file is `articleNNN.task2-TC.labels` (preferred), `articleNNN.labels`, or `articleNNN.task1-SI.labels`.
Lines are tab-separated: `article id, technique, start, end`
(technique classification; names may contain commas, e.g. `Name_Calling,Labeling`) or
`article id, start, end` (span identification: the label becomes `propaganda`). Offsets are code
points over the article file exactly as stored (not normalised). A text without a labels file is
a document without annotations.

Techniques become spans on layer `rhetoric`: the ones with an obvious counterpart in the default
scheme are mapped (TECHNIQUES), any other keeps a slug of its name (`Straw_Men` → `straw-men`)
so that the scheme check reports it as unknown. The original name is kept in
`attributes["technique"]`.
"""

import re
from collections.abc import Iterator
from pathlib import Path

from corpus.importers.brat import decode_file, title_of
from corpus.importers.records import DocumentRecord, Problem, RecordError, SpanRecord

LAYER = "rhetoric"
SI_LABEL = "propaganda"
TECHNIQUES = {
    "Loaded_Language": "loaded-language",
    "Name_Calling,Labeling": "name-calling",
    "Exaggeration,Minimisation": "exaggeration",
    "Appeal_to_fear-prejudice": "appeal-to-fear",
    "Appeal_to_Authority": "appeal-to-authority",
    "Flag-Waving": "flag-waving",
    "Doubt": "doubt",
    "Causal_Oversimplification": "causal-oversimplification",
    "Black-and-White_Fallacy": "black-and-white",
    "Whataboutism,Straw_Men,Red_Herring": "whataboutism",
    "Whataboutism": "whataboutism",
    "Slogans": "slogan",
    "Thought-terminating_Cliches": "thought-terminating-cliche",
    "Repetition": "repetition",
    "Bandwagon,Reductio_ad_hitlerum": "bandwagon",
    "Bandwagon": "bandwagon",
}
LABEL_SUFFIXES = (".task2-TC.labels", ".labels", ".task1-SI.labels")


def technique_label(technique: str) -> str:
    return TECHNIQUES.get(technique) or re.sub(r"[^a-z0-9]+", "-", technique.lower()).strip("-")


def read_ptc(path: Path) -> Iterator[DocumentRecord | RecordError]:
    articles = sorted(p for p in path.rglob("article*.txt") if p.is_file()) if path.is_dir() else [path]
    if not articles:
        yield RecordError(Problem(str(path), None, None, "no article*.txt files in this folder."))
    for article in articles:
        try:
            yield read_article(article)
        except RecordError as error:
            yield error


def _labels_file(article: Path) -> Path | None:
    for suffix in LABEL_SUFFIXES:
        candidate = article.with_name(article.stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def read_article(article: Path) -> DocumentRecord:
    text, shift = decode_file(article.read_bytes(), str(article))
    if not text.strip():
        raise RecordError(Problem(str(article), None, "text", "the file is empty."))
    labels = _labels_file(article)
    article_id = article.stem.removeprefix("article")
    record = DocumentRecord(
        file=str(labels or article),
        line=None,
        text=text,
        title=title_of(text),
        source=article.name[:1000],
        external_id=article_id[:200],
    )
    if labels is None:
        return record
    content, _ = decode_file(labels.read_bytes(), str(labels))
    for number, raw in enumerate(content.split("\n"), start=1):
        raw = raw.removesuffix("\r")
        if not raw.strip():
            continue
        columns = raw.split("\t")
        if len(columns) == 4:
            file_id, technique, start_s, end_s = columns
            label = technique_label(technique)
        elif len(columns) == 3:
            file_id, start_s, end_s = columns
            technique, label = "", SI_LABEL
        else:
            raise RecordError(
                Problem(
                    str(labels),
                    number,
                    None,
                    f"expected 'id<TAB>technique<TAB>start<TAB>end' or 'id<TAB>start<TAB>end', got {raw!r}.",
                )
            )
        if file_id.strip() != article_id:
            raise RecordError(
                Problem(
                    str(labels), number, "article_id", f"{file_id!r} is not this article's id {article_id!r}."
                )
            )
        if not label:
            raise RecordError(Problem(str(labels), number, "technique", "the technique is empty."))
        offsets = []
        for name, value in (("start", start_s), ("end", end_s)):
            if not value.strip().isdigit():
                raise RecordError(
                    Problem(str(labels), number, name, f"expected a whole number, got {value!r}.")
                )
            offsets.append(int(value) - shift)
        start, end = offsets
        if start < 0 or end > len(text) or start >= end:
            raise RecordError(
                Problem(
                    str(labels),
                    number,
                    "end" if start >= 0 else "start",
                    f"[{start_s}, {end_s}) does not fit a text of {len(text) + shift} characters.",
                )
            )
        record.spans.append(
            SpanRecord(
                ref=number,
                start=start,
                end=end,
                layer=LAYER,
                label=label,
                attributes={"technique": technique} if technique else {},
                line=number,
                name="technique",
            )
        )
    return record
