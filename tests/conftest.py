"""Shared fixtures: fast password hashing, a project with a member, API clients, the seeds."""

import pytest
from factories import (
    EMOJI_TEXT,
    AnnotationSetFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    synthetic_gold_project,
)
from rest_framework.test import APIClient

from annotator.models import Project


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def project(db):
    return ProjectFactory()


@pytest.fixture
def annotator(project):
    return MembershipFactory(project=project, user=UserFactory(username="ann")).user


@pytest.fixture
def annotation_set(project, annotator):
    return AnnotationSetFactory(project=project, annotator=annotator, document__text=EMOJI_TEXT)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for():
    """An APIClient logged in as the given user."""

    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def seeded_project(db):
    """The demo project from seeds/, with the real default scheme and the seed articles."""
    from annotator.services.seeds import seeds_load

    seeds_load()
    return Project.objects.select_related("corpus", "scheme").get(slug="seeds")


@pytest.fixture
def model_dir(settings, tmp_path):
    """Trained models go to a temporary folder."""
    settings.STANCEMARK_MODEL_DIR = tmp_path / "models"
    return settings.STANCEMARK_MODEL_DIR


@pytest.fixture
def gold_project(project, annotator, model_dir):
    """The project with 30 gold documents whose stance shows only in wording the rules do not know."""
    synthetic_gold_project(project, annotator, 30)
    return project
