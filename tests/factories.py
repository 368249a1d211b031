"""factory_boy factories for the models tests build on; a project comes with a small scheme."""

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from annotator.models import (
    AnnotationSet,
    Label,
    LabelScheme,
    Layer,
    Membership,
    Project,
    Span,
)
from corpus.models import Corpus, Document

PASSWORD = "correct-horse-battery"

# An astral character (two UTF-16 code units, one code point) right before the first span.
EMOJI_TEXT = "🙂 Sanctions have failed. Talks are the only way out.\nKim fears the worst."

# A compact scheme shaped like the default one: a document layer, two span layers, relations.
SMALL_SCHEME_LAYERS = [
    {"key": "stance", "kind": "document", "labels": ["pro-engagement", "pro-sanctions", "neutral-or-mixed"]},
    {"key": "argument", "kind": "span", "labels": ["claim", "premise", "evidence"]},
    {"key": "rhetoric", "kind": "span", "labels": ["loaded-language", "exaggeration"]},
    {"key": "relation", "kind": "relation", "labels": ["supports", "attacks"]},
]


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class CorpusFactory(DjangoModelFactory):
    class Meta:
        model = Corpus

    slug = factory.Sequence(lambda n: f"corpus-{n}")
    name = factory.LazyAttribute(lambda o: f"Corpus {o.slug}")


class DocumentFactory(DjangoModelFactory):
    class Meta:
        model = Document

    corpus = factory.SubFactory(CorpusFactory)
    title = factory.Sequence(lambda n: f"Article {n}")
    text = factory.Sequence(
        lambda n: f"Article {n}. Sanctions have failed for decades. Talks are the only way out.\n"
    )
    kind = "opinion"


class SchemeFactory(DjangoModelFactory):
    """A label scheme; pass `layers=[{"key", "kind", "labels": [values]}]` to shape it."""

    class Meta:
        model = LabelScheme
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"scheme-{n}")
    name = factory.LazyAttribute(lambda o: f"Scheme {o.slug}")

    @factory.post_generation
    def layers(self, create, extracted, **kwargs):
        if not create:
            return
        for order, spec in enumerate(SMALL_SCHEME_LAYERS if extracted is None else extracted):
            layer = Layer.objects.create(
                scheme=self,
                key=spec["key"],
                name=spec["key"].title(),
                kind=spec["kind"],
                order=order,
            )
            for label_order, value in enumerate(spec["labels"]):
                Label.objects.create(layer=layer, value=value, name=value, order=label_order)


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = Project

    slug = factory.Sequence(lambda n: f"project-{n}")
    name = factory.LazyAttribute(lambda o: f"Project {o.slug}")
    corpus = factory.SubFactory(CorpusFactory)
    scheme = factory.SubFactory(SchemeFactory)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.ANNOTATOR


class AnnotationSetFactory(DjangoModelFactory):
    """One annotator's set on a document of the project; the annotator is made a member."""

    class Meta:
        model = AnnotationSet
        skip_postgeneration_save = True

    project = factory.SubFactory(ProjectFactory)
    document = factory.SubFactory(DocumentFactory, corpus=factory.SelfAttribute("..project.corpus"))
    annotator = factory.SubFactory(UserFactory)

    @factory.post_generation
    def membership(self, create, extracted, **kwargs):
        if create and extracted is not False:
            Membership.objects.get_or_create(project=self.project, user=self.annotator)


def label_of(project: Project, layer: str, value: str) -> Label:
    return Label.objects.get(layer__scheme=project.scheme, layer__key=layer, value=value)


class SpanFactory(DjangoModelFactory):
    """A span written straight to the database (no service checks); give `label` a Label."""

    class Meta:
        model = Span

    annotation_set = factory.SubFactory(AnnotationSetFactory)
    label = factory.LazyAttribute(lambda o: label_of(o.annotation_set.project, "argument", "claim"))
    start = 0
    end = 5


def gold_document(
    project: Project, annotator, text: str, stance: str | None = None, spans=()
) -> AnnotationSet:
    """A document with one submitted (so gold) annotation set: a stance and (layer, label, piece) spans.

    Each piece is located by its first occurrence in `text`.
    """
    from annotator.models import DocumentLabel

    annotation_set = AnnotationSetFactory(
        project=project,
        annotator=annotator,
        document__text=text,
        status=AnnotationSet.Status.SUBMITTED,
    )
    for layer, value, piece in spans:
        start = text.index(piece)
        Span.objects.create(
            annotation_set=annotation_set,
            label=label_of(project, layer, value),
            start=start,
            end=start + len(piece),
        )
    if stance is not None:
        label = label_of(project, "stance", stance)
        DocumentLabel.objects.create(annotation_set=annotation_set, layer=label.layer, label=label)
    return annotation_set


# Stance framed with words the rule lexicons do not know, so only a model trained on gold gets it.
ENGAGEMENT_ACTS = [
    "reopen the liaison office",
    "send envoys to Pyongyang",
    "exchange family visits",
    "welcome their athletes to the games",
    "restart the joint tourism project",
    "open a hotline between the capitals",
    "share rice with the villages",
    "invite their scholars to our universities",
]
SANCTION_ACTS = [
    "blacklist their banks",
    "freeze the assets of the elite",
    "seize the smuggling tankers",
    "ban their workers abroad",
    "cut off the oil shipments",
    "inspect every cargo ship",
    "shut the border crossings",
    "expel their agents",
]
OPENERS = ["Seoul", "Washington", "Tokyo", "The alliance", "Our government", "The new envoy"]
REASONS = [
    "the regime watches every move",
    "the last winter was hard",
    "the missile tests continue",
    "the border is quiet again",
    "the markets keep shrinking",
]
LOADED = ["gangster", "bloodthirsty", "crooked"]  # not in the rule lexicon either


def synthetic_stance_text(number: int) -> tuple[str, str, list[tuple[str, str, str]]]:
    """(text, stance, spans) of a short opinion whose stance shows only in off-lexicon wording."""
    engagement = number % 2 == 0
    acts = ENGAGEMENT_ACTS if engagement else SANCTION_ACTS
    first, second = acts[number % len(acts)], acts[(number // 2 + 3) % len(acts)]
    opener = OPENERS[number % len(OPENERS)]
    reason = REASONS[number % len(REASONS)]
    loaded = LOADED[number % len(LOADED)]
    claim = f"{opener} should {second}"
    text = (
        f"Opinion {number}. The {loaded} rulers in Pyongyang are watching. {opener} must {first} now.\n"
        f"Because {reason}, {claim}."
    )
    spans = [
        ("argument", "premise", reason),
        ("argument", "claim", claim),
        ("rhetoric", "loaded-language", loaded),
    ]
    return text, "pro-engagement" if engagement else "pro-sanctions", spans


def synthetic_gold_project(project: Project, annotator, count: int = 30) -> list[AnnotationSet]:
    """Fill the project with `count` gold documents built by `synthetic_stance_text`."""
    sets = []
    for number in range(count):
        text, stance, spans = synthetic_stance_text(number)
        sets.append(gold_document(project, annotator, text, stance, spans))
    return sets
