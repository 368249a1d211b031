"""Load label schemes from data files; validation names the exact place of each problem."""

import json
import re
from pathlib import Path
from typing import Any

from django.db import transaction

from annotator.models import Label, LabelScheme, Layer

SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class SchemeError(ValueError):
    """A scheme file that cannot be loaded; the message says where the problem is."""


def _text(obj: dict, key: str, where: str, required: bool = True, slug: bool = False) -> str:
    value = obj.get(key, "")
    if not isinstance(value, str) or (required and not value):
        raise SchemeError(f"{where}.{key}: required text is missing.")
    if slug and not SLUG.match(value):
        raise SchemeError(f"{where}.{key}: '{value}' may hold only letters, digits, '-' and '_'.")
    return value


def scheme_validate(data: Any, source: str = "scheme") -> dict:
    """Check a scheme's structure and return it; raise SchemeError naming file and field."""
    if not isinstance(data, dict):
        raise SchemeError(f"{source}: a scheme is a JSON object.")
    _text(data, "slug", source, slug=True)
    _text(data, "name", source)
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers:
        raise SchemeError(f"{source}.layers: a list of layers is required.")
    layer_keys: set[str] = set()
    shortcuts: dict[str, dict[str, str]] = {}
    for i, layer in enumerate(layers):
        where = f"{source}.layers[{i}]"
        if not isinstance(layer, dict):
            raise SchemeError(f"{where}: a layer is a JSON object.")
        key = _text(layer, "key", where, slug=True)
        if key in layer_keys:
            raise SchemeError(f"{where}.key: layer '{key}' appears twice.")
        layer_keys.add(key)
        kind = layer.get("kind")
        if kind not in Layer.Kind.values:
            raise SchemeError(f"{where}.kind: '{kind}' is not one of {', '.join(Layer.Kind.values)}.")
        labels = layer.get("labels")
        if not isinstance(labels, list) or not labels:
            raise SchemeError(f"{where}.labels: a list of labels is required.")
        values: set[str] = set()
        for j, label in enumerate(labels):
            lwhere = f"{where}.labels[{j}]"
            if not isinstance(label, dict):
                raise SchemeError(f"{lwhere}: a label is a JSON object.")
            value = _text(label, "value", lwhere, slug=True)
            if value in values:
                raise SchemeError(f"{lwhere}.value: '{value}' appears twice in layer '{key}'.")
            values.add(value)
            color = label.get("color", "#888888")
            if not isinstance(color, str) or not COLOR.match(color):
                raise SchemeError(f"{lwhere}.color: '{color}' is not a colour like #1a2b3c.")
            shortcut = label.get("shortcut", "")
            if not isinstance(shortcut, str) or len(shortcut) > 1:
                raise SchemeError(f"{lwhere}.shortcut: a shortcut is one character.")
            if shortcut:
                # Span labels share one keyboard context; relation and document labels have their own.
                taken = shortcuts.setdefault(kind, {})
                if shortcut.lower() in taken:
                    raise SchemeError(
                        f"{lwhere}.shortcut: '{shortcut}' is already the shortcut of "
                        f"{taken[shortcut.lower()]}."
                    )
                taken[shortcut.lower()] = f"{key}:{value}"
    return data


@transaction.atomic
def scheme_load(data: Any, source: str = "scheme") -> tuple[LabelScheme, bool]:
    """Create the scheme and any layers or labels it lacks; never overwrite admins' edits.

    Returns the scheme and whether anything was created.
    """
    scheme_validate(data, source)
    scheme, created = LabelScheme.objects.get_or_create(
        slug=data["slug"],
        defaults={
            "name": data["name"],
            "version": data.get("version", 1),
            "description": data.get("description", ""),
        },
    )
    for order, layer_data in enumerate(data["layers"]):
        layer, layer_created = Layer.objects.get_or_create(
            scheme=scheme,
            key=layer_data["key"],
            defaults={
                "name": layer_data.get("name", layer_data["key"]),
                "kind": layer_data["kind"],
                "description": layer_data.get("description", ""),
                "target": layer_data.get("target", ""),
                "order": order,
            },
        )
        if not layer_created and layer.kind != layer_data["kind"]:
            raise SchemeError(
                f"{source}.layers[{order}].kind: layer '{layer.key}' already exists as a {layer.kind} layer."
            )
        created |= layer_created
        for label_order, label_data in enumerate(layer_data["labels"]):
            _, label_created = Label.objects.get_or_create(
                layer=layer,
                value=label_data["value"],
                defaults={
                    "name": label_data.get("name", label_data["value"]),
                    "definition": label_data.get("definition", ""),
                    "shortcut": label_data.get("shortcut", ""),
                    "color": label_data.get("color", "#888888"),
                    "order": label_order,
                },
            )
            created |= label_created
    return scheme, created


def scheme_load_file(path: Path) -> tuple[LabelScheme, bool]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as error:
        raise SchemeError(f"{path}: no such file.") from error
    except UnicodeDecodeError as error:
        raise SchemeError(f"{path}: not UTF-8 (byte {error.start}).") from error
    except json.JSONDecodeError as error:
        raise SchemeError(f"{path}, line {error.lineno}, column {error.colno}: {error.msg}.") from error
    return scheme_load(data, source=str(path))


def scheme_as_data(scheme: LabelScheme) -> dict:
    """Return the scheme in the data-file shape that scheme_load reads."""
    return {
        "slug": scheme.slug,
        "name": scheme.name,
        "version": scheme.version,
        "description": scheme.description,
        "layers": [
            {
                "key": layer.key,
                "name": layer.name,
                "kind": layer.kind,
                "description": layer.description,
                **({"target": layer.target} if layer.target else {}),
                "labels": [
                    {
                        "value": label.value,
                        "name": label.name,
                        "definition": label.definition,
                        "shortcut": label.shortcut,
                        "color": label.color,
                    }
                    for label in layer.labels.all()
                ],
            }
            for layer in scheme.layers.prefetch_related("labels")
        ],
    }
