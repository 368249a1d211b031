"""The team workflow over HTTP: queue, skip, time, assignment, progress, curation."""

from django.contrib.auth import get_user_model
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


def test_a_curator_adds_a_span_and_a_relation_nobody_made(project, client_for):
    document = DocumentFactory(corpus=project.corpus, text="🙂 Talks work. Sanctions work.")
    ann_span = _submitted(project, document, "ann", "pro-engagement", "Talks work")
    curator = MembershipFactory(project=project, role=Membership.Role.CURATOR).user
    client = client_for(curator)
    url = f"/api/projects/{project.slug}/documents/{document.pk}/curation/"
    state = client.get(url).json()
    start = document.text.index("Sanctions work")  # code points: the emoji counts once
    response = client.post(
        f"{url}add-span/",
        {
            "version": state["version"],
            "layer": "argument",
            "label": "premise",
            "start": start,
            "end": start + 14,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    state = response.json()
    [added] = [s for s in state["gold"]["spans"] if s["label"] == "premise"]
    assert added["text"] == "Sanctions work" and added["provenance"]["how"] == "added"
    accepted = client.post(
        f"{url}accept/", {"version": state["version"], "kind": "span", "id": ann_span.pk}
    ).json()
    [claim] = [s for s in accepted["gold"]["spans"] if s["label"] == "claim"]
    response = client.post(
        f"{url}add-relation/",
        {"version": accepted["version"], "label": "attacks", "head": added["id"], "tail": claim["id"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    [relation] = response.json()["gold"]["relations"]
    assert (relation["head"], relation["label"], relation["tail"]) == (
        "Sanctions work",
        "attacks",
        "Talks work",
    )
    assert [c["action"] for c in response.json()["history"]] == ["start", "add", "accept", "add"]


def test_adding_to_gold_answers_400_naming_the_field_409_when_stale_404_for_annotators(project, client_for):
    document = DocumentFactory(corpus=project.corpus, text="Talks work. Sanctions work.")
    _submitted(project, document, "ann", "pro-engagement", "Talks work")
    curator = MembershipFactory(project=project, role=Membership.Role.CURATOR).user
    client = client_for(curator)
    url = f"/api/projects/{project.slug}/documents/{document.pk}/curation/"
    version = client.get(url).json()["version"]
    span = {"version": version, "layer": "argument", "label": "premise", "start": 12, "end": 26}
    for change, field in [
        ({"start": 20, "end": 99}, "end"),
        ({"start": "twelve"}, "start"),
        ({"label": "nonsense"}, "label"),
        ({"layer": "rhetoric"}, "label"),
        ({"layer": "nowhere"}, "layer"),
        ({"layer": None}, "layer"),
        ({"version": "v1"}, "version"),
    ]:
        response = client.post(f"{url}add-span/", {**span, **change}, format="json")
        assert response.status_code == 400 and list(response.json()) == [field], (change, response.json())
    for body, field in [
        ({"version": version, "label": "supports", "head": 1}, "tail"),
        ({"version": version, "label": "supports", "head": 10**9, "tail": 10**9 + 1}, "head"),
    ]:
        response = client.post(f"{url}add-relation/", body, format="json")
        assert response.status_code == 400 and list(response.json()) == [field], (body, response.json())
    stale = client.post(f"{url}add-span/", {**span, "version": version - 1}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    ann = client_for(get_user_model().objects.get(username="ann"))
    assert ann.post(f"{url}add-span/", span, format="json").status_code == 404
    assert client.post(f"{url}add-span/", span, format="json").status_code == 201
