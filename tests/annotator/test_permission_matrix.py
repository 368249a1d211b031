"""Every role × endpoint × own/other project: allowed answers 2xx, everything else 404 (nothing leaks)."""

import pytest
from django.urls import reverse
from factories import (
    AnnotationSetFactory,
    DocumentFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    label_of,
)
from rest_framework.test import APIClient

from annotator.models import AnnotationSet, Project, Span

ALL = {"admin", "manager", "curator", "annotator"}
MANAGE = {"admin", "manager"}
CURATE = {"admin", "manager", "curator"}

# (URL name, method, kwargs from the world, body, roles allowed in their own project)
ENDPOINTS = [
    ("annotator:project-queue", "get", lambda w: [w.slug], None, ALL),
    ("annotator:workspace", "get", lambda w: [w.slug, w.document], None, ALL),
    ("annotator:project-manage", "get", lambda w: [w.slug], None, MANAGE),
    ("annotator:project-agreement", "get", lambda w: [w.slug], None, MANAGE),
    ("annotator:curate", "get", lambda w: [w.slug, w.document], None, CURATE),
    ("api-project", "get", lambda w: [w.slug], None, ALL),
    ("api-queue", "get", lambda w: [w.slug], None, ALL),
    ("api-document", "get", lambda w: [w.slug, w.document], None, ALL),
    ("api-my-annotation-set", "get", lambda w: [w.slug, w.document], None, ALL),
    ("api-document-sets", "get", lambda w: [w.slug, w.document], None, ALL),
    ("api-annotation-set", "get", lambda w: [w.others_set], None, set()),  # someone else's set
    ("api-spans", "post", lambda w: [w.others_set], {"label": "claim", "start": 0, "end": 3}, set()),
    ("api-progress", "get", lambda w: [w.slug], None, MANAGE),
    ("api-members", "get", lambda w: [w.slug], None, MANAGE),
    ("api-agreement", "get", lambda w: [w.slug], None, MANAGE),
    ("api-assignments", "post", lambda w: [w.slug], "assign", MANAGE),
    ("api-curation", "get", lambda w: [w.slug, w.document], None, CURATE),
    ("api-curation-submit", "post", lambda w: [w.slug, w.document], {"version": 1}, CURATE),
    (
        "api-curation-add-span",
        "post",
        lambda w: [w.slug, w.document],
        {"version": 1, "layer": "argument", "label": "claim", "start": 0, "end": 3},
        CURATE,
    ),
    ("api-curation-add-relation", "post", lambda w: [w.slug, w.document], "relation", CURATE),
]


class World:
    """Two projects; the users below belong to the first one only (the admin to none)."""

    def __init__(self, own: bool) -> None:
        mine, theirs = ProjectFactory(), ProjectFactory()
        self.users = {"admin": UserFactory(username="root", is_superuser=True, is_staff=True)}
        for role in ("manager", "curator", "annotator"):
            self.users[role] = MembershipFactory(
                project=mine, user=UserFactory(username=role), role=role
            ).user
        project = mine if own else theirs
        self.slug = project.slug
        document = DocumentFactory(corpus=project.corpus)
        self.document = document.pk
        other = MembershipFactory(project=project, user=UserFactory(username=f"other-{project.slug}")).user
        self.others_set = AnnotationSetFactory(
            project=project,
            annotator=other,
            document=document,
            status=AnnotationSet.Status.SUBMITTED,
        ).pk
        self.fresh_annotator = MembershipFactory(
            project=project, user=UserFactory(username=f"new-{project.slug}")
        )


def _body(world: World, body):
    if body == "assign":
        return {"document": world.document, "annotator": world.fresh_annotator.user.username}
    if body == "relation":  # two spans in the document's gold to link
        project = Project.objects.get(slug=world.slug)
        gold = AnnotationSet.objects.create(
            project=project,
            document_id=world.document,
            annotator=world.users["admin"],
            kind=AnnotationSet.Kind.GOLD,
        )
        claim = label_of(project, "argument", "claim")
        head, tail = (
            Span.objects.create(annotation_set=gold, label=claim, start=s, end=s + 3) for s in (0, 4)
        )
        return {"version": gold.version, "label": "supports", "head": head.pk, "tail": tail.pk}
    return body


CASES = [
    pytest.param(
        name,
        method,
        args,
        body,
        role,
        own,
        (role in allowed) and (own or role == "admin"),
        id=f"{role}-{name}-{'own' if own else 'other'}",
    )
    for name, method, args, body, allowed in ENDPOINTS
    for role in sorted(ALL)
    for own in (True, False)
]


@pytest.mark.parametrize("name, method, args, body, role, own, allowed", CASES)
def test_role_reaches_only_what_it_may(db, name, method, args, body, role, own, allowed):
    world = World(own)
    client = APIClient()
    client.force_login(world.users[role])
    url = reverse(name, args=args(world))
    response = (
        getattr(client, method)(url, _body(world, body), format="json")
        if method == "post"
        else client.get(url)
    )
    if allowed:
        assert response.status_code in (200, 201), response.content[:300]
    else:
        assert response.status_code == 404, response.content[:300]


def test_blind_annotators_see_only_their_own_work_until_blind_is_off(db):
    world = World(own=True)
    annotator = world.users["annotator"]
    client = APIClient()
    client.force_login(annotator)
    url = reverse("api-document-sets", args=[world.slug, world.document])
    client.get(reverse("api-my-annotation-set", args=[world.slug, world.document]))
    seen = {s["annotator"] for s in client.get(url).json()["annotation_sets"]}
    assert seen == {"annotator"}

    Project.objects.filter(slug=world.slug).update(blind_annotation=False)
    seen = {s["annotator"] for s in client.get(url).json()["annotation_sets"]}
    assert seen == {"annotator", f"other-{world.slug}"}


def test_curators_always_see_everyone(db):
    world = World(own=True)
    client = APIClient()
    client.force_login(world.users["curator"])
    sets = client.get(reverse("api-document-sets", args=[world.slug, world.document])).json()[
        "annotation_sets"
    ]
    assert [s["annotator"] for s in sets] == [f"other-{world.slug}"]
