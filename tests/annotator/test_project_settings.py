"""Managers set a project's workflow and mark control annotators on the manage page."""

import pytest
from django.core.exceptions import ValidationError
from factories import MembershipFactory, UserFactory

from annotator.models import Membership
from annotator.services.projects import membership_set_control, project_settings_update

pytestmark = pytest.mark.django_db


def settings_form(**changes):
    return {
        "action": "settings",
        "assignment": "queue",
        "annotators_per_document": "3",
        "blind_annotation": "on",
        "merge_threshold": "0.66",
        **changes,
    }


@pytest.fixture
def manager(project):
    return MembershipFactory(project=project, user=UserFactory(username="maria"), role="manager").user


def test_settings_are_checked_and_stored(project):
    project_settings_update(
        project=project,
        assignment="queue",
        annotators_per_document="2",
        blind_annotation=False,
        merge_threshold=0.5,
    )
    project.refresh_from_db()
    assert (project.assignment, project.annotators_per_document, project.blind_annotation) == (
        "queue",
        2,
        False,
    )
    assert project.merge_threshold == 0.5


@pytest.mark.parametrize(
    ("field", "value"),
    [("assignment", "random"), ("annotators_per_document", "0"), ("merge_threshold", "1.5")],
)
def test_a_wrong_setting_names_its_field_and_changes_nothing(project, field, value):
    values = {"assignment": "queue", "annotators_per_document": "2", "merge_threshold": "1", field: value}
    with pytest.raises(ValidationError) as error:
        project_settings_update(project=project, blind_annotation=True, **values)
    assert field in error.value.message_dict
    project.refresh_from_db()
    assert project.assignment == "open"


def test_a_member_is_made_a_control(project, annotator):
    membership_set_control(project=project, username=annotator.username, is_control=True)
    assert Membership.objects.get(user=annotator).is_control


def test_the_manage_page_saves_settings_and_controls(client, project, manager, annotator):
    client.force_login(manager)
    page = f"/projects/{project.slug}/manage/"
    assert client.post(page, settings_form()).status_code == 302
    project.refresh_from_db()
    assert (project.assignment, project.annotators_per_document, project.merge_threshold) == (
        "queue",
        3,
        0.66,
    )
    client.post(page, {"action": "control", "username": annotator.username, "is_control": "on"})
    assert Membership.objects.get(user=annotator).is_control
    shown = client.get(page).content.decode()
    assert 'name="is_control" checked' in shown


def test_an_annotator_cannot_change_settings(client, project, annotator):
    client.force_login(annotator)
    response = client.post(f"/projects/{project.slug}/manage/", settings_form())
    assert response.status_code == 404
    project.refresh_from_db()
    assert project.assignment == "open"
