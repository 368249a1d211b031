"""Demo annotators: users who do plausible, slightly disagreeing work on a project, for demos and tests.

Their work goes through the real write services (versions, audit events, checks), starting from the
rule suggesters' output when the project has it (`manage.py suggest`), else from the text itself:
sentences as argument components, speakers before a speech verb as sources, lexicon phrases as
rhetoric. Each annotator then drops, shifts and relabels some of it, numbers the components, links
them with relations and sets the stance with a confidence. The noise is seeded by the seed, the
document's content hash and the annotator's number, so a run is reproducible.
"""

import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from annotator.models import (
    AnnotationSet,
    Label,
    Layer,
    Membership,
    Project,
    SuggestedDocumentLabel,
    Suggestion,
)
from annotator.services.annotations import (
    annotation_set_submit,
    document_label_set,
    relation_create,
    span_create,
)
from corpus.models import Document

USERNAME = "demo-annotator-{}"
PASSWORD = "stancemark-demo"
SPAN_LAYERS = ("argument", "source", "rhetoric")
STANCE_LAYER = "stance"
STANCES = ("pro-engagement", "pro-sanctions", "neutral-or-mixed")
MAX_SPANS = {"argument": 8, "source": 4, "rhetoric": 6}
# How often an annotator leaves a span out, moves one of its ends by a word, or picks another label.
DROP, SHIFT, RELABEL, STANCE_CHANGE = 0.15, 0.15, 0.1, 0.2
LEXICONS = Path(__file__).resolve().parents[1] / "suggesters" / "lexicons.json"
SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
NAME = r"([A-Z][\w'-]+(?: [A-Z][\w'-]+)+)"
SPEAKER = rf"\b{NAME},? (?:{{verbs}})\b|\b(?:{{verbs}}) {NAME}"

Candidate = tuple[int, int, str, str]  # start, end, layer, label


@dataclass
class DemoReport:
    """What one run did: the users (password None when they existed) and the documents per user."""

    users: dict[str, str | None] = field(default_factory=dict)
    submitted: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)


def _lexicons() -> dict:
    return json.loads(LEXICONS.read_text(encoding="utf-8"))


def _sentences(text: str) -> list[tuple[int, int]]:
    """Sentence offsets without surrounding blanks, of at least five words."""
    found = []
    for match in SENTENCE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if len(text[start:end].split()) >= 5:
            found.append((start, end))
    return found


def text_candidates(text: str) -> list[Candidate]:
    """Spans read off the text: argument components, sources and rhetoric."""
    lexicons = _lexicons()
    found: list[Candidate] = []
    sentences = _sentences(text)
    step = max(1, len(sentences) // MAX_SPANS["argument"])
    for index, (start, end) in enumerate(sentences[::step][: MAX_SPANS["argument"]]):
        label = "major-claim" if index == 0 else ("claim", "premise", "evidence")[index % 3]
        found.append((start, end, "argument", label))
    verbs = "|".join(re.escape(verb) for verb in lexicons["speech_verbs"])
    for match in list(re.finditer(SPEAKER.format(verbs=verbs), text))[: MAX_SPANS["source"]]:
        group = 1 if match.group(1) else 2
        found.append((match.start(group), match.end(group), "source", "source"))
    rhetoric = []
    for label in ("loaded-language", "appeal-to-fear", "exaggeration"):
        for phrase in lexicons["rhetoric"].get(label, []):
            for match in re.finditer(rf"\b{re.escape(phrase)}\b", text, re.IGNORECASE):
                rhetoric.append((match.start(), match.end(), "rhetoric", label))
    found.extend(sorted(rhetoric)[: MAX_SPANS["rhetoric"]])
    return found


def document_candidates(project: Project, document: Document) -> list[Candidate]:
    """The suggesters' spans in the demo layers, and spans from the text for layers they left empty."""
    suggested = sorted(
        set(
            Suggestion.objects.filter(
                project=project, document=document, label__layer__key__in=SPAN_LAYERS
            ).values_list("start", "end", "label__layer__key", "label__value")
        )
    )
    layers = {layer for _, _, layer, _ in suggested}
    kept = []
    for layer in SPAN_LAYERS:
        mine = [c for c in suggested if c[2] == layer] or [
            c for c in text_candidates(document.text) if c[2] == layer
        ]
        if layer in layers:
            mine = mine[:: max(1, len(mine) // MAX_SPANS[layer])][: MAX_SPANS[layer]]
        kept.extend(mine)
    return kept


def _shift(text: str, start: int, end: int, rng: random.Random) -> tuple[int, int]:
    """Move one end of the span by a word (inward only if the span keeps a word)."""
    if rng.random() < 0.5:
        nxt = text.find(" ", start, end - 1)
        return (nxt + 1, end) if nxt != -1 else (start, end)
    previous = text.rfind(" ", start + 1, end)
    return (start, previous) if previous > start else (start, end)


def annotator_spans(
    text: str, candidates: list[Candidate], labels: dict[str, list[str]], rng: random.Random, careful: bool
) -> list[Candidate]:
    """One annotator's version of the candidates: some dropped, shifted or relabelled (less if careful)."""
    scale = 0.3 if careful else 1.0
    spans: list[Candidate] = []
    for start, end, layer, label in candidates:
        if rng.random() < DROP * scale:
            continue
        if rng.random() < SHIFT * scale:
            start, end = _shift(text, start, end, rng)
        if rng.random() < RELABEL * scale and len(labels[layer]) > 1:
            label = rng.choice([value for value in labels[layer] if value != label])
        span = (start, end, layer, label)
        if start < end and span not in spans:
            spans.append(span)
    return spans


def _stance(project: Project, document: Document, position: int) -> str:
    suggested = (
        SuggestedDocumentLabel.objects.filter(project=project, document=document, layer__key=STANCE_LAYER)
        .order_by("-score")
        .values_list("label__value", flat=True)
        .first()
    )
    return suggested or STANCES[position % len(STANCES)]


@transaction.atomic
def _simulate(
    annotation_set: AnnotationSet,
    candidates: list[Candidate],
    labels: dict[str, list[str]],
    stance: str,
    rng: random.Random,
    careful: bool,
) -> None:
    """Write one annotator's spans, steps, relations and stance through the services, then submit."""
    text = annotation_set.document.text
    created = {}
    argument = []
    spans = annotator_spans(text, candidates, labels, rng, careful)
    components = sorted(s for s in spans if s[2] == "argument")
    steps = list(range(1, len(components) + 1))
    if len(steps) > 2 and not careful and rng.random() < 0.5:
        i = rng.randrange(len(steps) - 1)
        steps[i], steps[i + 1] = steps[i + 1], steps[i]
    step_of = dict(zip(components, steps, strict=True))
    for key in spans:
        start, end, layer, label = key
        span = span_create(
            annotation_set=annotation_set,
            version=annotation_set.version,
            layer=layer,
            label=label,
            start=start,
            end=end,
            step=step_of.get(key),
        )
        created[key] = span
        if layer == "argument":
            argument.append((key, span))
    argument.sort(key=lambda item: item[0])
    claims = [span for key, span in argument if key[3] in ("major-claim", "claim")]
    for key, span in argument:
        # Each premise or evidence supports the closest claim before it; claims support the major claim.
        if key[3] == "major-claim":
            continue
        before = [c for c in claims if c.start < span.start and c.pk != span.pk]
        if key[3] == "claim":
            before = [c for c in claims if c.label.value == "major-claim"]
        if not before or rng.random() < DROP:
            continue
        label = "attacks" if rng.random() < RELABEL else "supports"
        relation_create(
            annotation_set=annotation_set,
            version=annotation_set.version,
            label=label,
            head=span.pk,
            tail=before[-1].pk,
        )
    rationale = [span.pk for _, span in argument if span.label.value in ("major-claim", "claim")][:2]
    document_label_set(
        annotation_set=annotation_set,
        version=annotation_set.version,
        layer=STANCE_LAYER,
        label=stance,
        confidence=rng.randint(3, 5),
        rationale=rationale,
    )
    annotation_set_submit(annotation_set=annotation_set, version=annotation_set.version)


def demo_annotators_run(*, project: Project, count: int = 3, seed: int = 0) -> DemoReport:
    """Create `count` demo annotators in the project and submit their work on every document.

    Users that exist keep their password; a document a demo annotator has already worked on
    (submitted, or an annotation set with anything in it) is skipped, so running again adds nothing.
    """
    User = get_user_model()
    report = DemoReport()
    labels: dict[str, list[str]] = {}
    for layer, value in Label.objects.filter(
        layer__scheme_id=project.scheme_id, layer__kind=Layer.Kind.SPAN, layer__key__in=SPAN_LAYERS
    ).values_list("layer__key", "value"):
        labels.setdefault(layer, []).append(value)
    documents = list(Document.objects.filter(corpus_id=project.corpus_id).order_by("id"))
    plans = [
        (position, document, document_candidates(project, document), _stance(project, document, position))
        for position, document in enumerate(documents)
    ]
    for number in range(1, count + 1):
        username = USERNAME.format(number)
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_password(PASSWORD)
            user.save()
        report.users[username] = PASSWORD if created else None
        Membership.objects.get_or_create(project=project, user=user)
        report.submitted[username] = report.skipped[username] = 0
        for position, document, candidates, stance in plans:
            annotation_set, _ = AnnotationSet.objects.get_or_create(
                project=project, document=document, annotator=user, kind=AnnotationSet.Kind.ANNOTATION
            )
            if (
                annotation_set.status != AnnotationSet.Status.IN_PROGRESS
                or annotation_set.spans.exists()
                or annotation_set.document_labels.exists()
            ):
                report.skipped[username] += 1
                continue
            rng = random.Random(f"{seed}:{document.content_hash}:{number}")
            if number > 1 and (rng.random() < STANCE_CHANGE or position % count == number - 1):
                stance = rng.choice([value for value in STANCES if value != stance])
            _simulate(annotation_set, candidates, labels, stance, rng, careful=number == 1)
            report.submitted[username] += 1
    return report
