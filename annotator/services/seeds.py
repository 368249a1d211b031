"""Load the starter corpus, the default scheme (and the scheme presets) and the demo project from `seeds/`."""

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from annotator.models import Membership, Project
from annotator.services.schemes import SchemeError, scheme_load_file
from corpus.importers.records import DocumentRecord
from corpus.services import corpus_get_or_create, documents_get_or_create

SEEDS_DIR = Path(settings.BASE_DIR) / "seeds"


@dataclass
class SeedReport:
    documents_created: int
    documents_existing: int
    scheme_changed: bool
    project_created: bool


@transaction.atomic
def seeds_load(seeds_dir: Path = SEEDS_DIR) -> SeedReport:
    """Create whatever of the seed data is missing; running it again changes nothing."""
    manifest_path = seeds_dir / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise SchemeError(f"{manifest_path}: {error}") from error
    scheme, scheme_changed = scheme_load_file(seeds_dir / manifest["scheme"])
    for preset in manifest.get("presets", []):  # other schemes to offer in the admin
        scheme_changed |= scheme_load_file(seeds_dir / preset)[1]
    corpus = corpus_get_or_create(**manifest["corpus"])
    records = []
    for article in manifest["articles"]:
        path = seeds_dir / article["file"]
        records.append(
            DocumentRecord(
                file=str(path),
                line=None,
                text=path.read_text(encoding="utf-8"),
                title=article["title"],
                source=article.get("source", ""),
                kind=article.get("kind", "other"),
                external_id=article.get("external_id", ""),
                meta={"seed": True},
            )
        )
    results = documents_get_or_create(corpus, records)
    project, project_created = Project.objects.get_or_create(
        slug=manifest["project"]["slug"],
        defaults={
            "name": manifest["project"]["name"],
            "description": manifest["project"].get("description", ""),
            "corpus": corpus,
            "scheme": scheme,
        },
    )
    created = sum(1 for _, is_new in results if is_new)
    return SeedReport(created, len(results) - created, scheme_changed, project_created)


@dataclass
class DemoUser:
    username: str
    password: str | None  # None: the user existed and kept their password
    role: str


def demo_users_ensure(
    *,
    admin: tuple[str, str],
    annotator: tuple[str, str],
    project_slug: str = "seeds",
    reset_passwords: bool = False,
) -> list[DemoUser]:
    """Create the demo admin and annotator if missing and make both members of the demo project."""
    User = get_user_model()
    project = Project.objects.get(slug=project_slug)
    result = []
    for (username, password), role, is_admin in (
        (admin, Membership.Role.MANAGER, True),
        (annotator, Membership.Role.ANNOTATOR, False),
    ):
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": is_admin, "is_superuser": is_admin}
        )
        if created or reset_passwords:
            user.set_password(password)
            user.save()
        Membership.objects.get_or_create(project=project, user=user, defaults={"role": role})
        result.append(DemoUser(username, password if created or reset_passwords else None, role))
    return result
