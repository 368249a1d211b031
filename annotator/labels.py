"""A scheme's labels as annotation writes look them up: remembered by each process per revision.

Every annotation write names its label by value (and maybe layer); reading it took a query per
write. A scheme has a few dozen labels that rarely change, so each process keeps them under
(scheme id, `LabelScheme.revision`). The revision changes whenever a layer or label of the scheme
is saved or deleted (the receivers below), and a write reads the revision with its annotation set,
so it never uses labels older than what it read in that same query.
"""

import functools
from typing import Any

from annotator import plain_sql as sql
from annotator.models import Label, LabelScheme, Layer, new_revision

# (scheme id, revision) → (layer kind, label value) → rows of label and layer columns.
_remembered: dict[tuple[int, int], dict[tuple[str, str], list[tuple]]] = {}
_SCHEMES_AT_MOST = 200


@functools.cache
def _scheme_labels_sql() -> str:
    return (
        f"SELECT {sql.select_list(Label, 'l')}, {sql.select_list(Layer, 'y')} FROM {sql.table(Label)} l "
        f"JOIN {sql.table(Layer)} y ON y.id = l.layer_id WHERE y.scheme_id = %s ORDER BY y.id, l.id"
    )


def _scheme_labels(scheme: LabelScheme) -> dict[tuple[str, str], list[tuple]]:
    key = (scheme.pk, scheme.revision)
    found = _remembered.get(key)
    if found is None:
        width = len(Label._meta.concrete_fields)
        value = Label._meta.concrete_fields.index(Label._meta.get_field("value"))
        kind = width + Layer._meta.concrete_fields.index(Layer._meta.get_field("kind"))
        found = {}
        for row in sql.fetch_all(_scheme_labels_sql(), [scheme.pk]):
            found.setdefault((row[kind], row[value]), []).append(row)
        if len(_remembered) >= _SCHEMES_AT_MOST:
            _remembered.clear()
        _remembered[key] = found
    return found


def labels_named(scheme: LabelScheme, kind: str, value: str, layer: str | None = None) -> list[Label]:
    """The labels with this value in the scheme's layers of this kind (and key `layer`), layer attached."""
    made = []
    for row in _scheme_labels(scheme).get((kind, value), []):
        label, label_layer = sql.instances(row, Label, Layer)
        if layer is None or label_layer.key == layer:
            sql.attach(label, "layer", label_layer)
            made.append(label)
    return made


def scheme_changed(sender: type, instance: Any, **_signal: Any) -> None:
    """A layer or label was saved or deleted: move its scheme's revision on (connected in apps.py)."""
    if isinstance(instance, Layer):
        schemes = LabelScheme.objects.filter(pk=instance.scheme_id)
    else:
        schemes = LabelScheme.objects.filter(layers__id=instance.layer_id)
    LabelScheme.objects.filter(pk__in=list(schemes.values_list("pk", flat=True))).update(
        revision=new_revision()
    )
