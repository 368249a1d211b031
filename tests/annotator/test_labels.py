"""Writes find their label in each process's memory of the scheme, never an outdated one."""

import pytest
from django.core.exceptions import ValidationError

from annotator.models import Label, LabelScheme, Layer, new_revision
from annotator.selectors import annotation_set_for_user
from annotator.services import annotations as services

pytestmark = pytest.mark.django_db


def add_span(annotation_set, label, layer="argument"):
    """A span create as the API makes it: the set (with its scheme's revision) read first."""
    fresh = annotation_set_for_user(annotation_set.annotator, annotation_set.pk)
    return services.span_create(
        annotation_set=fresh, version=fresh.version, layer=layer, label=label, start=2, end=5
    )


def refusal(annotation_set, label) -> str:
    with pytest.raises(ValidationError) as error:
        add_span(annotation_set, label)
    return error.value.error_dict["label"][0].code


def test_a_label_added_by_an_admin_can_be_used_at_once(annotation_set):
    add_span(annotation_set, "claim")  # the scheme's labels are now remembered
    layer = Layer.objects.get(scheme=annotation_set.project.scheme, key="argument")
    Label.objects.create(layer=layer, value="rebuttal", name="Rebuttal")
    assert add_span(annotation_set, "rebuttal").label.value == "rebuttal"


def test_a_deleted_label_is_refused_at_once(annotation_set):
    add_span(annotation_set, "claim")
    Label.objects.get(layer__scheme=annotation_set.project.scheme, value="premise").delete()
    assert refusal(annotation_set, "premise") == "unknown_label"


def test_a_label_changed_by_another_process_is_seen_by_the_next_write(annotation_set):
    add_span(annotation_set, "claim")
    scheme = annotation_set.project.scheme
    # Another process: it changes the rows and the revision, and this process hears nothing.
    Label.objects.filter(layer__scheme=scheme, value="evidence").update(value="source")
    LabelScheme.objects.filter(pk=scheme.pk).update(revision=new_revision())
    assert refusal(annotation_set, "evidence") == "unknown_label"
    assert add_span(annotation_set, "source").label.value == "source"


def test_saving_a_layer_or_label_gives_the_scheme_a_new_revision(annotation_set):
    scheme = annotation_set.project.scheme
    before = LabelScheme.objects.get(pk=scheme.pk).revision
    label = Label.objects.filter(layer__scheme=scheme).first()
    label.name = "Renamed"
    label.save()
    after_label = LabelScheme.objects.get(pk=scheme.pk).revision
    layer = Layer.objects.filter(scheme=scheme).first()
    layer.save()
    assert len({before, after_label, LabelScheme.objects.get(pk=scheme.pk).revision}) == 3
