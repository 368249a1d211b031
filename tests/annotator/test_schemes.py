"""Label schemes load from data files; every problem names the place in the file."""

import copy
import json

import pytest

from annotator.models import Label, LabelScheme, Layer
from annotator.services.schemes import (
    SchemeError,
    scheme_as_data,
    scheme_load,
    scheme_load_file,
    scheme_validate,
)
from annotator.services.seeds import SEEDS_DIR

DEFAULT_SCHEME = SEEDS_DIR / "schemes" / "stancemark-default.json"

MINIMAL = {
    "slug": "mini",
    "name": "Mini",
    "layers": [
        {
            "key": "argument",
            "kind": "span",
            "labels": [{"value": "claim", "shortcut": "c"}, {"value": "premise", "shortcut": "p"}],
        },
        {"key": "relation", "kind": "relation", "labels": [{"value": "supports", "shortcut": "s"}]},
        {"key": "stance", "kind": "document", "labels": [{"value": "pro", "shortcut": "1"}]},
    ],
}


def minimal(**changes):
    data = copy.deepcopy(MINIMAL)
    data.update(changes)
    return data


def refusal(data) -> str:
    with pytest.raises(SchemeError) as error:
        scheme_validate(data, "mini.json")
    return str(error.value)


# --- validation ---------------------------------------------------------------------------


def test_the_default_scheme_file_is_valid():
    data = json.loads(DEFAULT_SCHEME.read_text(encoding="utf-8"))
    assert scheme_validate(data) is data


def test_a_scheme_must_be_an_object():
    assert refusal([]).startswith("mini.json:")


def test_a_scheme_needs_a_slug():
    assert "mini.json.slug" in refusal(minimal(slug=""))


def test_a_slug_with_spaces_is_refused():
    assert "mini.json.slug" in refusal(minimal(slug="my scheme"))


def test_a_scheme_needs_layers():
    assert "mini.json.layers" in refusal(minimal(layers=[]))


def test_an_unknown_layer_kind_is_refused_naming_the_layer():
    data = minimal()
    data["layers"][1]["kind"] = "arrow"
    assert "mini.json.layers[1].kind" in refusal(data)


def test_a_layer_key_may_appear_only_once():
    data = minimal()
    data["layers"][1]["key"] = "argument"
    assert "mini.json.layers[1].key" in refusal(data)


def test_a_layer_needs_labels():
    data = minimal()
    data["layers"][0]["labels"] = []
    assert "mini.json.layers[0].labels" in refusal(data)


def test_a_label_value_may_appear_only_once_in_a_layer():
    data = minimal()
    data["layers"][0]["labels"][1]["value"] = "claim"
    assert "mini.json.layers[0].labels[1].value" in refusal(data)


def test_a_bad_colour_is_refused_naming_the_label():
    data = minimal()
    data["layers"][0]["labels"][1]["color"] = "blue"
    assert "mini.json.layers[0].labels[1].color" in refusal(data)


def test_a_shortcut_is_one_character():
    data = minimal()
    data["layers"][0]["labels"][0]["shortcut"] = "cc"
    assert "mini.json.layers[0].labels[0].shortcut" in refusal(data)


def test_two_span_labels_may_not_share_a_shortcut_even_in_different_layers():
    data = minimal()
    data["layers"].append(
        {"key": "rhetoric", "kind": "span", "labels": [{"value": "doubt", "shortcut": "C"}]}
    )
    message = refusal(data)
    assert "mini.json.layers[3].labels[0].shortcut" in message
    assert "argument:claim" in message


def test_span_and_relation_labels_may_share_a_shortcut():
    data = minimal()
    data["layers"][1]["labels"][0]["shortcut"] = "c"
    assert scheme_validate(data) is data


# --- loading ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_loading_a_scheme_creates_its_layers_and_labels_in_order():
    scheme, created = scheme_load(minimal())
    assert created
    assert [layer.key for layer in scheme.layers.all()] == ["argument", "relation", "stance"]
    assert list(
        Label.objects.filter(layer__scheme=scheme, layer__key="argument").values_list("value", flat=True)
    ) == ["claim", "premise"]


@pytest.mark.django_db
def test_loading_a_scheme_twice_changes_nothing():
    scheme_load(minimal())
    counts = (LabelScheme.objects.count(), Layer.objects.count(), Label.objects.count())
    _, created = scheme_load(minimal())
    assert not created
    assert (LabelScheme.objects.count(), Layer.objects.count(), Label.objects.count()) == counts


@pytest.mark.django_db
def test_reloading_adds_new_labels_but_keeps_admin_edits():
    scheme, _ = scheme_load(minimal())
    Label.objects.filter(layer__scheme=scheme, value="claim").update(name="Claim (edited)")
    data = minimal()
    data["layers"][0]["labels"].append({"value": "evidence"})
    data["layers"][0]["labels"][0]["name"] = "Claim from file"
    _, created = scheme_load(data)
    assert created
    assert Label.objects.get(layer__scheme=scheme, value="claim").name == "Claim (edited)"
    assert Label.objects.filter(layer__scheme=scheme, value="evidence").exists()


@pytest.mark.django_db
def test_reloading_a_layer_as_another_kind_is_refused_and_writes_nothing():
    scheme_load(minimal())
    data = minimal()
    data["layers"][0]["kind"] = "relation"
    data["layers"][0]["labels"].append({"value": "new-label"})
    with pytest.raises(SchemeError, match=r"layers\[0\]\.kind"):
        scheme_load(data)
    assert not Label.objects.filter(value="new-label").exists()


@pytest.mark.django_db
def test_an_invalid_scheme_writes_nothing():
    data = minimal()
    data["layers"][2]["kind"] = "nope"
    with pytest.raises(SchemeError):
        scheme_load(data)
    assert not LabelScheme.objects.exists()


@pytest.mark.django_db
def test_the_default_scheme_loads_from_its_file():
    scheme, created = scheme_load_file(DEFAULT_SCHEME)
    assert created
    assert scheme.slug == "stancemark-default"
    assert set(scheme.layers.values_list("key", "kind")) == {
        ("stance", "document"),
        ("argument", "span"),
        ("source", "span"),
        ("passage-stance", "span"),
        ("rhetoric", "span"),
        ("relation", "relation"),
    }


@pytest.mark.django_db
def test_a_scheme_file_with_a_bom_loads(tmp_path):
    path = tmp_path / "mini.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(minimal()).encode())
    scheme, _ = scheme_load_file(path)
    assert scheme.slug == "mini"


@pytest.mark.django_db
def test_a_scheme_file_with_broken_json_names_the_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "slug": "x",\n  "name": oops\n}\n', encoding="utf-8")
    with pytest.raises(SchemeError, match=r"broken\.json, line 3"):
        scheme_load_file(path)


@pytest.mark.django_db
def test_a_missing_scheme_file_is_reported(tmp_path):
    with pytest.raises(SchemeError, match="no such file"):
        scheme_load_file(tmp_path / "absent.json")


@pytest.mark.django_db
def test_a_scheme_file_that_is_not_utf8_is_reported(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"slug": "caf\u00e9"}'.encode("latin-1"))
    with pytest.raises(SchemeError, match="not UTF-8"):
        scheme_load_file(path)


@pytest.mark.django_db
def test_a_scheme_exported_as_data_loads_back_the_same():
    scheme, _ = scheme_load_file(DEFAULT_SCHEME)
    data = scheme_as_data(scheme)
    assert scheme_validate(data) is data
    original = json.loads(DEFAULT_SCHEME.read_text(encoding="utf-8"))
    assert [(layer["key"], [label["value"] for label in layer["labels"]]) for layer in data["layers"]] == [
        (layer["key"], [label["value"] for label in layer["labels"]]) for layer in original["layers"]
    ]
    _, created = scheme_load(data)
    assert not created
