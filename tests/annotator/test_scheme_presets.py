"""Scheme presets load by name, export as data files and load back unchanged; PTC data fits its preset."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from factories import MembershipFactory, ProjectFactory, UserFactory

from annotator.models import Label, LabelScheme, Span
from annotator.services.schemes import scheme_as_data, scheme_validate
from annotator.services.seeds import SEEDS_DIR, seeds_load
from corpus.importers.ptc import technique_label

pytestmark = pytest.mark.django_db

PRESETS = ["stancemark-default", "semeval2020-task11", "semeval2023-task3"]

PTC_TECHNIQUES = {
    "Appeal_to_Authority",
    "Appeal_to_fear-prejudice",
    "Bandwagon,Reductio_ad_hitlerum",
    "Black-and-White_Fallacy",
    "Causal_Oversimplification",
    "Doubt",
    "Exaggeration,Minimisation",
    "Flag-Waving",
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Repetition",
    "Slogans",
    "Thought-terminating_Cliches",
    "Whataboutism,Straw_Men,Red_Herring",
}

SEMEVAL2023_CATEGORIES = {
    "attack-on-reputation": {
        "Name_Calling-Labeling",
        "Guilt_by_Association",
        "Doubt",
        "Appeal_to_Hypocrisy",
        "Questioning_the_Reputation",
    },
    "justification": {
        "Flag_Waving",
        "Appeal_to_Authority",
        "Appeal_to_Popularity",
        "Appeal_to_Values",
        "Appeal_to_Fear-Prejudice",
    },
    "distraction": {"Straw_Man", "Red_Herring", "Whataboutism"},
    "simplification": {
        "Causal_Oversimplification",
        "False_Dilemma-No_Choice",
        "Consequential_Oversimplification",
    },
    "call": {"Slogans", "Conversation_Killer", "Appeal_to_Time"},
    "manipulative-wording": {
        "Loaded_Language",
        "Obfuscation-Vagueness-Confusion",
        "Exaggeration-Minimisation",
        "Repetition",
    },
}


def preset(name: str) -> dict:
    return json.loads((SEEDS_DIR / "schemes" / f"{name}.json").read_text(encoding="utf-8"))


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("name", PRESETS)
def test_each_preset_file_is_a_valid_scheme(name):
    data = preset(name)
    assert scheme_validate(data, name) is data
    assert data["slug"] == name


@pytest.mark.parametrize("name", PRESETS)
def test_a_preset_loads_by_name_exports_and_loads_back_unchanged(name, tmp_path):
    assert "created or extended" in run("load_scheme", name)
    out = tmp_path / f"{name}.json"
    assert "Wrote scheme" in run("export_scheme", name, "--out", str(out))
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported == preset(name)  # the files are written in exactly the exported shape
    LabelScheme.objects.filter(slug=name).delete()
    assert "created or extended" in run("load_scheme", str(out))
    assert scheme_as_data(LabelScheme.objects.get(slug=name)) == exported


def test_loading_a_preset_twice_changes_nothing():
    run("load_scheme", "semeval2020-task11")
    assert "unchanged" in run("load_scheme", "semeval2020-task11")


def test_the_semeval2020_preset_has_the_14_ptc_techniques_named_exactly():
    (layer,) = preset("semeval2020-task11")["layers"]
    assert layer["key"] == "rhetoric" and layer["kind"] == "span"
    assert {label["name"] for label in layer["labels"]} == PTC_TECHNIQUES
    # The values are what the PTC reader turns each technique into.
    assert all(label["value"] == technique_label(label["name"]) for label in layer["labels"])


def test_the_semeval2023_preset_has_23_techniques_in_their_6_categories():
    data = preset("semeval2023-task3")
    assert {
        layer["key"]: {label["name"] for label in layer["labels"]} for layer in data["layers"]
    } == SEMEVAL2023_CATEGORIES
    assert sum(len(layer["labels"]) for layer in data["layers"]) == 23
    assert all(layer["kind"] == "span" for layer in data["layers"])


def test_ptc_articles_import_into_a_project_with_the_semeval2020_preset(tmp_path):
    run("load_scheme", "semeval2020-task11")
    project = ProjectFactory(scheme=LabelScheme.objects.get(slug="semeval2020-task11"))
    MembershipFactory(project=project, user=UserFactory(username="ptc"))
    text = "They are traitors, and everyone knows it.\n"
    (tmp_path / "article42.txt").write_text(text, encoding="utf-8")
    (tmp_path / "article42.task2-TC.labels").write_text(
        "42\tName_Calling,Labeling\t9\t17\n42\tBandwagon,Reductio_ad_hitlerum\t23\t40\n", encoding="utf-8"
    )
    call_command(
        "import_corpus",
        project.corpus.slug,
        str(tmp_path),
        "--format",
        "ptc",
        "--project",
        project.slug,
        "--as-annotator",
        "ptc",
        stdout=io.StringIO(),
    )
    spans = Span.objects.select_related("label").order_by("start")
    assert [(s.label.name, text[s.start : s.end]) for s in spans] == [
        ("Name_Calling,Labeling", "traitors"),
        ("Bandwagon,Reductio_ad_hitlerum", "everyone knows it"),
    ]


def test_load_seeds_also_offers_the_presets():
    seeds_load()
    assert set(LabelScheme.objects.values_list("slug", flat=True)) == set(PRESETS)
    assert Label.objects.filter(layer__scheme__slug="semeval2023-task3").count() == 23


def test_an_unknown_scheme_or_preset_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="nor a preset"):
        call_command("load_scheme", "no-such-preset")
    with pytest.raises(CommandError, match="No scheme 'nope'"):
        call_command("export_scheme", "nope", "--out", str(tmp_path / "x.json"))


def test_a_broken_scheme_file_is_reported_with_its_place(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"slug": "x", "name": "X", "layers": [{"key": "a", "kind": "arrow"}]}))
    with pytest.raises(CommandError, match=r"layers\[0\]\.kind"):
        call_command("load_scheme", str(path))
