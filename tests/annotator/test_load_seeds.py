"""load_seeds and ensure_demo_users set up the demo; running them again changes nothing."""

import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from annotator.models import Label, LabelScheme, Layer, Membership, Project
from annotator.services.schemes import SchemeError
from annotator.services.seeds import SEEDS_DIR, seeds_load
from corpus.models import Corpus, Document, text_hash

pytestmark = pytest.mark.django_db

User = get_user_model()


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Corpus, Document, LabelScheme, Layer, Label, Project, Membership, User)
    }


def run(command, *args) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_loading_the_seeds_creates_the_demo_project():
    report = seeds_load()
    project = Project.objects.get(slug="seeds")
    assert (project.corpus.slug, project.scheme.slug) == ("seeds", "stancemark-default")
    assert project.corpus.documents.count() == 3
    assert (report.documents_created, report.documents_existing) == (3, 0)
    assert report.scheme_changed and report.project_created


def test_seed_articles_keep_their_files_text_and_metadata():
    seeds_load()
    manifest = json.loads((SEEDS_DIR / "manifest.json").read_text(encoding="utf-8"))
    for article in manifest["articles"]:
        document = Document.objects.get(corpus__slug="seeds", external_id=article["external_id"])
        text = (SEEDS_DIR / article["file"]).read_text(encoding="utf-8")
        assert document.text == text
        assert document.content_hash == text_hash(text)
        assert (document.title, document.kind) == (article["title"], article["kind"])


def test_loading_the_seeds_twice_duplicates_nothing():
    seeds_load()
    before = counts()
    report = seeds_load()
    assert counts() == before
    assert (report.documents_created, report.documents_existing) == (0, 3)
    assert not report.scheme_changed and not report.project_created


def test_the_load_seeds_command_is_idempotent():
    first = run("load_seeds")
    before = counts()
    second = run("load_seeds")
    assert counts() == before
    assert "3 documents added" in first
    assert "0 documents added, 3 already present" in second
    assert "already present" in second.split("Project")[-1]


def test_a_seeds_folder_without_a_manifest_is_reported(tmp_path):
    with pytest.raises(SchemeError, match="manifest.json"):
        seeds_load(tmp_path)


# --- demo users ---------------------------------------------------------------------------


def test_demo_users_need_the_seed_project():
    with pytest.raises(CommandError, match="load_seeds"):
        run("ensure_demo_users")


def test_demo_users_are_an_admin_manager_and_an_annotator(seeded_project):
    run("ensure_demo_users")
    admin = User.objects.get(username="admin")
    annotator = User.objects.get(username="annotator")
    assert admin.is_superuser and admin.is_staff
    assert not annotator.is_superuser and not annotator.is_staff
    roles = dict(Membership.objects.filter(project=seeded_project).values_list("user__username", "role"))
    assert roles == {"admin": "manager", "annotator": "annotator"}


def test_demo_users_can_log_in_with_the_printed_passwords(seeded_project):
    output = run("ensure_demo_users")
    assert "stancemark-admin" in output and "stancemark-annotator" in output
    assert User.objects.get(username="admin").check_password("stancemark-admin")
    assert User.objects.get(username="annotator").check_password("stancemark-annotator")


def test_ensuring_demo_users_twice_duplicates_nothing(seeded_project):
    run("ensure_demo_users")
    before = counts()
    output = run("ensure_demo_users")
    assert counts() == before
    assert output.count("(unchanged)") == 2


def test_ensuring_demo_users_again_keeps_changed_passwords(seeded_project):
    run("ensure_demo_users")
    annotator = User.objects.get(username="annotator")
    annotator.set_password("my-own-password")
    annotator.save()
    run("ensure_demo_users")
    assert User.objects.get(username="annotator").check_password("my-own-password")


def test_reset_passwords_restores_the_demo_passwords(seeded_project):
    run("ensure_demo_users")
    annotator = User.objects.get(username="annotator")
    annotator.set_password("my-own-password")
    annotator.save()
    run("ensure_demo_users", "--reset-passwords")
    assert User.objects.get(username="annotator").check_password("stancemark-annotator")


def test_demo_user_names_and_passwords_come_from_the_environment(seeded_project, monkeypatch):
    monkeypatch.setenv("STANCEMARK_ADMIN_USER", "boss")
    monkeypatch.setenv("STANCEMARK_ADMIN_PASSWORD", "boss-secret-1")
    monkeypatch.setenv("STANCEMARK_ANNOTATOR_USER", "alice")
    monkeypatch.setenv("STANCEMARK_ANNOTATOR_PASSWORD", "alice-secret-1")
    run("ensure_demo_users")
    assert User.objects.get(username="boss").check_password("boss-secret-1")
    assert User.objects.get(username="alice").check_password("alice-secret-1")
    assert not User.objects.filter(username__in=["admin", "annotator"]).exists()


def test_an_existing_user_keeps_their_role_when_made_a_demo_user(seeded_project):
    existing = User.objects.create_user("annotator", password="already-here")
    Membership.objects.create(project=seeded_project, user=existing, role="curator")
    run("ensure_demo_users")
    assert Membership.objects.get(project=seeded_project, user=existing).role == "curator"
    assert User.objects.get(username="annotator").check_password("already-here")
