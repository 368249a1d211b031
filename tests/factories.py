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
