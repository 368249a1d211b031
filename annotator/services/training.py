"""Train learned suggesters from a project's gold: a stance `textcat` and an argument/rhetoric `spancat`.

The gold is split by content hash: the documents with the lowest hashes (20%) are held out, the
rest train a blank English spaCy pipeline (tok2vec from scratch, fixed seed, CPU, nothing
downloaded). The model and the rule suggesters are then scored on the held-out documents; the
model becomes the project's active suggester of its kind only if it scores higher than the rules.
"""

from __future__ import annotations

import logging
import random
import shutil
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from annotator.models import Layer, Project, TrainedModel
from annotator.selectors import project_documents_for_export
from corpus.models import text_hash

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.training import Example

logger = logging.getLogger(__name__)

Kind = TrainedModel.Kind
STANCE_LAYER = "stance"
SPAN_LAYERS = ("argument", "rhetoric")
SPANS_KEY = "sc"
HELD_OUT_SHARE = 0.2
MIN_GOLD_DOCUMENTS = 20
DEFAULT_EPOCHS = {Kind.TEXTCAT: 15, Kind.SPANCAT: 20}
BATCH_SIZE = 8
DROPOUT = 0.2
LEARN_RATE = 0.002
SEED = 0
NGRAM_SIZES = [1, 2, 3]
MAX_CLAUSES = 3
# Training fills progress up to this share; scoring the model and the rules the rest.
TRAINING_SHARE = 0.9
PRIMARY_METRIC = {Kind.TEXTCAT: "macro_f1", Kind.SPANCAT: "f1"}


class TrainingError(Exception):
    """Training cannot start or finish for a reason the user can fix (too little gold, one label)."""


@dataclass(frozen=True, slots=True, order=True)
class GoldSpan:
    start: int
    end: int
    layer: str
    label: str

    @property
    def key(self) -> str:
        """The spancat label: layer and label joined by a colon."""
        return f"{self.layer}:{self.label}"


@dataclass(frozen=True, slots=True)
class GoldDocument:
    id: int
    text: str
    content_hash: str
    stance: str | None
    spans: tuple[GoldSpan, ...]


# -- gold ---------------------------------------------------------------------------------------


def gold_documents(project: Project, layers: Sequence[str] = SPAN_LAYERS) -> list[GoldDocument]:
    """Every gold document of the project with its stance and its spans in `layers`."""
    result = []
    for item in project_documents_for_export(project):
        gold = item.gold
        if gold is None:
            continue
        stance = next(
            (label.label.value for label in gold.document_labels.all() if label.layer.key == STANCE_LAYER),
            None,
        )
        spans = tuple(
            sorted(
                GoldSpan(span.start, span.end, span.label.layer.key, span.label.value)
                for span in gold.spans.all()
                if span.label.layer.key in layers
            )
        )
        document = item.document
        result.append(
            GoldDocument(
                id=document.pk,
                text=document.text,
                content_hash=document.content_hash or text_hash(document.text),
                stance=stance,
                spans=spans,
            )
        )
    return result


def gold_split(
    documents: Sequence[GoldDocument], share: float = HELD_OUT_SHARE
) -> tuple[list[GoldDocument], list[GoldDocument]]:
    """(train, held-out): the `share` of documents with the lowest content hashes is held out."""
    ordered = sorted(documents, key=lambda d: (d.content_hash, d.id))
    count = min(len(ordered) - 1, max(1, round(len(ordered) * share)))
    return ordered[count:], ordered[:count]


def usable_gold(project: Project, kind: str) -> list[GoldDocument]:
    """The gold documents that can train `kind`: with a stance, or with spans in the span layers."""
    documents = gold_documents(project)
    if kind == Kind.TEXTCAT:
        return [d for d in documents if d.stance]
    return [d for d in documents if d.spans]


# -- scores (pure) ------------------------------------------------------------------------------


def _prf(true_positives: int, predicted: int, gold: int) -> dict[str, float]:
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def classification_scores(gold: Sequence[str], predicted: Sequence[str | None]) -> dict[str, Any]:
    """Accuracy, and F1 per label and macro-averaged over the labels that occur in `gold`."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    labels = sorted(set(gold))
    per_label = {}
    for label in labels:
        hits = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
        per_label[label] = {
            **_prf(hits, sum(1 for p in predicted if p == label), sum(1 for g in gold if g == label)),
            "support": sum(1 for g in gold if g == label),
        }
    accuracy = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p) / len(gold) if gold else 0.0
    macro = sum(row["f1"] for row in per_label.values()) / len(labels) if labels else 0.0
    return {"accuracy": round(accuracy, 4), "macro_f1": round(macro, 4), "per_label": per_label}


def span_scores(
    gold: Iterable[tuple[int, int, int, str]], predicted: Iterable[tuple[int, int, int, str]]
) -> dict[str, Any]:
    """Exact-match precision, recall and F1, micro-averaged and per label, of (doc, start, end, label)."""
    gold_set, predicted_set = set(gold), set(predicted)
    hits = gold_set & predicted_set
    labels = sorted({item[3] for item in gold_set | predicted_set})
    per_label = {}
    for label in labels:
        n_gold = sum(1 for item in gold_set if item[3] == label)
        per_label[label] = {
            **_prf(
                sum(1 for item in hits if item[3] == label),
                sum(1 for item in predicted_set if item[3] == label),
                n_gold,
            ),
            "support": n_gold,
        }
    return {**_prf(len(hits), len(predicted_set), len(gold_set)), "per_label": per_label}


def beats_rules(kind: str, metrics: dict[str, Any], baseline: dict[str, Any]) -> bool:
    """True when the model's primary score on the held-out gold is strictly above the rules'."""
    name = PRIMARY_METRIC[Kind(kind)]
    return metrics[name] > baseline[name]


# -- the trained-model row ----------------------------------------------------------------------


def training_kinds(kind: str) -> list[str]:
    """The kinds that `kind` names: one of them, or both for "all"."""
    if kind == "all":
        return [Kind.TEXTCAT.value, Kind.SPANCAT.value]
    return [Kind(kind).value]


def trained_model_summary(trained: TrainedModel) -> dict[str, Any]:
    """A JSON-ready view of a TrainedModel, as the task returns it."""
    return {
        "id": trained.pk,
        "kind": trained.kind,
        "version": trained.version,
        "status": trained.status,
        "is_active": trained.is_active,
        "progress": trained.progress,
        "path": trained.path,
        "metrics": trained.metrics,
        "baseline_metrics": trained.baseline_metrics,
        "error": trained.error,
    }


def model_directory(project: Project, kind: str, version: int) -> Path:
    return Path(settings.STANCEMARK_MODEL_DIR) / f"project-{project.pk}" / f"{kind}-v{version}"


def trained_model_create(*, project: Project, kind: str) -> TrainedModel:
    """A new queued TrainedModel with the next version number for (project, kind)."""
    kind = Kind(kind)
    for _ in range(5):
        latest = TrainedModel.objects.filter(project=project, kind=kind).aggregate(v=Max("version"))["v"]
        try:
            with transaction.atomic():
                return TrainedModel.objects.create(project=project, kind=kind, version=(latest or 0) + 1)
        except IntegrityError:  # another training took that version number meanwhile
            continue
    raise TrainingError(f"Could not reserve a version number for a {kind} model of '{project.slug}'.")


def _set_progress(trained: TrainedModel, value: float, on_progress: Callable[[float], None] | None) -> None:
    trained.progress = round(min(1.0, max(0.0, value)), 4)
    TrainedModel.objects.filter(pk=trained.pk).update(progress=trained.progress)
    if on_progress is not None:
        on_progress(trained.progress)


def _fail(trained: TrainedModel, message: str) -> None:
    trained.status = TrainedModel.Status.FAILED
    trained.error = message
    trained.is_active = False
    trained.finished_at = timezone.now()
    trained.save(update_fields=["status", "error", "is_active", "finished_at"])


def model_train(
    *,
    project: Project,
    kind: str,
    epochs: int | None = None,
    on_progress: Callable[[float], None] | None = None,
    min_gold: int = MIN_GOLD_DOCUMENTS,
) -> TrainedModel:
    """Train, save and score a new version of `kind` for the project; activate it if it beats the rules.

    Returns the TrainedModel: `ready` (active or not) or `failed` with `error` saying why.
    `on_progress(fraction)` follows `progress` (0..1). Unexpected errors are recorded, then raised.
    """
    kind = Kind(kind)
    epochs = DEFAULT_EPOCHS[kind] if epochs is None else epochs
    if epochs < 1:
        raise ValueError("epochs must be at least 1.")
    trained = trained_model_create(project=project, kind=kind)
    trained.status = TrainedModel.Status.TRAINING
    trained.save(update_fields=["status"])
    _set_progress(trained, 0.0, on_progress)
    try:
        _train(trained, project, kind, epochs, min_gold, on_progress)
    except TrainingError as error:
        _fail(trained, str(error))
    except Exception as error:
        _fail(trained, "".join(traceback.format_exception_only(error)).strip())
        raise
    return trained


def _train(
    trained: TrainedModel,
    project: Project,
    kind: TrainedModel.Kind,
    epochs: int,
    min_gold: int,
    on_progress: Callable[[float], None] | None,
) -> None:
    started = time.monotonic()
    documents = usable_gold(project, kind)
    if len(documents) < min_gold:
        what = "with a stance" if kind == Kind.TEXTCAT else f"with spans in {' or '.join(SPAN_LAYERS)}"
        raise TrainingError(
            f"Too little gold to train {kind}: project '{project.slug}' has {len(documents)} gold "
            f"document(s) {what}, at least {min_gold} are needed. (A document is gold when exactly "
            "one annotator has submitted it.)"
        )
    train, held_out = gold_split(documents)

    def progress(fraction: float) -> None:
        _set_progress(trained, TRAINING_SHARE * fraction, on_progress)

    if kind == Kind.TEXTCAT:
        nlp, losses = _train_textcat(project, train, epochs, progress)
        metrics, baseline = _score_textcat(nlp, held_out)
    else:
        nlp, losses = _train_spancat(train, epochs, progress)
        metrics, baseline = _score_spancat(nlp, documents, held_out)
    _set_progress(trained, 0.97, on_progress)

    path = model_directory(project, kind, trained.version)
    nlp.meta.update(
        {"name": f"stancemark_{kind}_p{project.pk}", "version": f"{trained.version}.0.0", "lang": "en"}
    )
    if path.exists():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(path)

    better = beats_rules(kind, metrics, baseline)
    metrics.update(
        {
            "primary": PRIMARY_METRIC[kind],
            "beats_rules": better,
            "train_documents": len(train),
            "held_out_documents": len(held_out),
            "held_out_ids": [d.id for d in held_out],
            "epochs": epochs,
            "losses": losses,
            "seed": SEED,
            "seconds": round(time.monotonic() - started, 2),
        }
    )
    with transaction.atomic():
        if better:
            TrainedModel.objects.filter(project=project, kind=kind, is_active=True).exclude(
                pk=trained.pk
            ).update(is_active=False)
        trained.status = TrainedModel.Status.READY
        trained.path = str(path)
        trained.metrics = metrics
        trained.baseline_metrics = baseline
        trained.is_active = better
        trained.error = ""
        trained.finished_at = timezone.now()
        trained.save()
    _set_progress(trained, 1.0, on_progress)


# -- spaCy training -----------------------------------------------------------------------------


def _blank() -> Language:
    import spacy
    from spacy.util import fix_random_seed

    fix_random_seed(SEED)
    return spacy.blank("en")


def _fit(nlp: Language, examples: list[Example], epochs: int, progress: Callable[[float], None]) -> list:
    """Initialise and update the pipeline for `epochs` passes over shuffled minibatches."""
    from spacy.util import minibatch

    optimizer = nlp.initialize(lambda: examples)
    optimizer.learn_rate = LEARN_RATE
    shuffler = random.Random(SEED)
    order = list(examples)
    losses_per_epoch = []
    for epoch in range(epochs):
        shuffler.shuffle(order)
        losses: dict[str, float] = {}
        for batch in minibatch(order, size=BATCH_SIZE):
            nlp.update(batch, sgd=optimizer, drop=DROPOUT, losses=losses)
        losses_per_epoch.append(round(sum(losses.values()), 4))
        progress((epoch + 1) / epochs)
    return losses_per_epoch


def stance_labels(project: Project) -> list[str]:
    return list(
        Layer.objects.get(scheme_id=project.scheme_id, key=STANCE_LAYER)
        .labels.order_by("order", "id")
        .values_list("value", flat=True)
    )


def _train_textcat(
    project: Project, train: list[GoldDocument], epochs: int, progress: Callable[[float], None]
) -> tuple[Language, list]:
    from spacy.training import Example

    seen = Counter(d.stance for d in train)
    if len(seen) < 2:
        raise TrainingError(
            f"The training part of the gold has only one stance label ({', '.join(seen)}); "
            "at least two are needed."
        )
    labels = stance_labels(project)
    labels += sorted(label for label in seen if label not in labels)
    nlp = _blank()
    textcat = nlp.add_pipe("textcat")
    for label in labels:
        textcat.add_label(label)
    examples = [
        Example.from_dict(
            nlp.make_doc(d.text), {"cats": {label: float(label == d.stance) for label in labels}}
        )
        for d in train
    ]
    return nlp, _fit(nlp, examples, epochs, progress)


def _train_spancat(
    train: list[GoldDocument], epochs: int, progress: Callable[[float], None]
) -> tuple[Language, list]:
    from spacy.training import Example

    import annotator.suggesters.candidates  # noqa: F401 - registers the clause suggester

    nlp = _blank()
    spancat = nlp.add_pipe(
        "spancat",
        config={
            "spans_key": SPANS_KEY,
            "suggester": {
                "@misc": "stancemark.clause_suggester.v1",
                "sizes": NGRAM_SIZES,
                "max_clauses": MAX_CLAUSES,
            },
        },
    )
    for label in sorted({span.key for d in train for span in d.spans}):
        spancat.add_label(label)
    examples = []
    for document in train:
        reference = nlp.make_doc(document.text)
        reference.spans[SPANS_KEY] = _aligned(reference, document.spans)
        examples.append(Example(nlp.make_doc(document.text), reference))
    return nlp, _fit(nlp, examples, epochs, progress)


def _aligned(doc: Doc, spans: Iterable[GoldSpan]) -> list:
    """The gold spans as token spans, widened to whole tokens where they cut one."""
    result = []
    for span in spans:
        token_span = doc.char_span(span.start, span.end, label=span.key, alignment_mode="expand")
        if token_span is not None:
            result.append(token_span)
    return result


# -- prediction ---------------------------------------------------------------------------------


def predicted_stance(doc: Doc) -> tuple[str, float]:
    """The textcat's best label for a processed Doc and its probability."""
    label = max(doc.cats, key=doc.cats.__getitem__)
    return label, float(doc.cats[label])


def predicted_spans(doc: Doc) -> list[tuple[int, int, str, float]]:
    """(start char, end char, 'layer:label', score) of the spancat's spans, best-scoring first.

    Overlapping spans of the same label are reduced to the best-scoring one.
    """
    group = doc.spans.get(SPANS_KEY, [])
    scores = group.attrs.get("scores", []) if group else []
    candidates = sorted(
        ((span, float(score)) for span, score in zip(group, scores, strict=True)),
        key=lambda item: (-item[1], item[0].start, item[0].end),
    )
    kept: dict[str, list[tuple[int, int]]] = {}
    result = []
    for span, score in candidates:
        taken = kept.setdefault(span.label_, [])
        if any(span.start < end and start < span.end for start, end in taken):
            continue
        taken.append((span.start, span.end))
        result.append((span.start_char, span.end_char, span.label_, round(score, 4)))
    return result


# -- scoring against the rules ------------------------------------------------------------------


def _rules_pipeline():
    from annotator.nlp import load_pipeline, pipeline_tag

    nlp = load_pipeline()
    return nlp, pipeline_tag(nlp)


def _score_textcat(nlp: Language, held_out: list[GoldDocument]) -> tuple[dict, dict]:
    from annotator.suggesters import StanceSuggester

    gold = [d.stance for d in held_out]
    texts = [d.text for d in held_out]
    model = [predicted_stance(doc)[0] for doc in nlp.pipe(texts)]
    rules_nlp, tag = _rules_pipeline()
    rules = StanceSuggester()
    guesses = []
    for doc in rules_nlp.pipe(texts):
        stance = rules.suggest(doc).stance
        guesses.append(stance.label if stance is not None else None)
    baseline = classification_scores(gold, guesses)
    baseline.update({"suggester": f"{rules.name} {rules.version}", "pipeline": tag})
    metrics = classification_scores(gold, model)
    metrics["labels"] = list(nlp.get_pipe("textcat").labels)
    return metrics, baseline


def _score_spancat(
    nlp: Language, documents: list[GoldDocument], held_out: list[GoldDocument]
) -> tuple[dict, dict]:
    from annotator.suggesters import default_suggesters
    from annotator.suggesters.candidates import candidate_spans

    labels = {span.key for d in documents for span in d.spans}
    gold = {(d.id, s.start, s.end, s.key) for d in held_out for s in d.spans}
    texts = [d.text for d in held_out]
    model = set()
    reachable = 0
    for document, doc in zip(held_out, nlp.pipe(texts), strict=True):
        model |= {(document.id, start, end, label) for start, end, label, _ in predicted_spans(doc)}
        candidates = candidate_spans(doc, NGRAM_SIZES, MAX_CLAUSES)
        offsets = {(doc[a:b].start_char, doc[a:b].end_char) for a, b in candidates}
        reachable += sum(1 for s in document.spans if (s.start, s.end) in offsets)
    rules_nlp, tag = _rules_pipeline()
    suggesters = default_suggesters()
    rules = set()
    for document, doc in zip(held_out, rules_nlp.pipe(texts), strict=True):
        for suggester in suggesters:
            for p in suggester.suggest(doc).spans:
                if f"{p.layer}:{p.label}" in labels:
                    rules.add((document.id, p.start, p.end, f"{p.layer}:{p.label}"))
    baseline = span_scores(gold, rules)
    baseline.update({"suggester": ", ".join(f"{s.name} {s.version}" for s in suggesters), "pipeline": tag})
    metrics = span_scores(gold, model)
    metrics.update(
        {
            "labels": sorted(nlp.get_pipe("spancat").labels),
            "candidate_recall": round(reachable / len(gold), 4) if gold else 0.0,
            "match": "exact",
        }
    )
    return metrics, baseline
