"""The team workflow over HTTP: queue, skip, time, assignment, progress, curation."""

from factories import DocumentFactory, MembershipFactory, UserFactory, label_of

from annotator.models import AnnotationSet, DocumentLabel, Membership, Project, Span


def _submitted(project, document, username, stance, piece):
    user = MembershipFactory(project=project, user=UserFactory(username=username)).user
    annotation_set = AnnotationSet.objects.create(
        project=project, document=document, annotator=user, status=AnnotationSet.Status.SUBMITTED
    )
    label = label_of(project, "stance", stance)
    DocumentLabel.objects.create(annotation_set=annotation_set, layer=label.layer, label=label)
    start = document.text.index(piece)
    return Span.objects.create(
        annotation_set=annotation_set,
        label=label_of(project, "argument", "claim"),
        start=start,
        end=start + len(piece),
    )


def test_an_annotator_takes_skips_and_times_documents_from_the_queue(project, client_for):
    Project.objects.filter(pk=project.pk).update(assignment="queue")
    DocumentFactory(corpus=project.corpus)
    user = MembershipFactory(project=project).user
    client = client_for(user)
    taken = client.post(f"/api/projects/{project.slug}/assign-next/").json()["annotation_set"]
    assert taken["status"] == "in_progress"
    assert client.post(f"/api/annotation-sets/{taken['id']}/time/", {"seconds": 42}).json() == {
        "time_spent_seconds": 42
    }
    response = client.post(f"/api/annotation-sets/{taken['id']}/skip/", {"version": 1, "reason": "Duplicate"})
    assert response.json() == {"version": 2, "status": "skipped"}
    assert client.post(f"/api/projects/{project.slug}/assign-next/").json() == {"annotation_set": None}


def test_a_manager_assigns_and_sees_progress_and_disagreement(project, client_for):
    document = DocumentFactory(corpus=project.corpus, text="Talks work. Sanctions work.")
    _submitted(project, document, "ann", "pro-engagement", "Talks work")
    _submitted(project, document, "bob", "pro-sanctions", "Sanctions work")
    manager = MembershipFactory(project=project, role=Membership.Role.MANAGER).user
    fresh = MembershipFactory(project=project, user=UserFactory(username="cy")).user
    client = client_for(manager)
    other = DocumentFactory(corpus=project.corpus)
    response = client.post(
        f"/api/projects/{project.slug}/assignments/", {"document": other.pk, "annotator": "cy"}
    )
    assert (
        response.status_code == 201 and response.json()["annotation_set"]["assigned_by"] == manager.username
    )
    bad = client.post(
        f"/api/projects/{project.slug}/assignments/", {"document": other.pk, "annotator": "nobody"}
    )
    assert bad.status_code == 400 and "annotator" in bad.json()
    progress = client.get(f"/api/projects/{project.slug}/progress/?disagreement=1").json()
    assert [row["id"] for row in progress["documents"]] == [document.pk]
    assert {row["username"] for row in progress["annotators"]} >= {"ann", "bob", fresh.username}
    assert client.get(f"/api/projects/{project.slug}/agreement/").json()["stance"]["n_documents"] == 1


def test_a_curator_accepts_with_one_call_and_stale_versions_are_refused(project, client_for):
    document = DocumentFactory(corpus=project.corpus, text="Talks work. Sanctions work.")
    ann_span = _submitted(project, document, "ann", "pro-engagement", "Talks work")
    _submitted(project, document, "bob", "pro-sanctions", "Sanctions work")
    curator = MembershipFactory(project=project, role=Membership.Role.CURATOR).user
    client = client_for(curator)
    url = f"/api/projects/{project.slug}/documents/{document.pk}/curation/"
    state = client.get(url).json()
    assert {c["kind"] for c in state["conflicts"]} == {"span", "stance"}
    state = client.post(
        f"{url}accept/", {"version": state["version"], "kind": "span", "id": ann_span.pk}
    ).json()
    assert state["gold"]["spans"][0]["provenance"]["from"] == "ann"
    stale = client.post(f"{url}submit/", {"version": 1})
    assert stale.status_code == 409
    state = client.post(f"{url}submit/", {"version": state["version"]}).json()
    assert state["status"] == "submitted"
    assert [change["action"] for change in state["history"]] == ["start", "accept", "submit"]
