"""Real headless Chromium through Playwright, against Django's live server."""

import contextlib
import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from annotator.benchmarks.browser import CHROMIUM, CHROMIUM_FLAGS

# Playwright's sync API runs an event loop in this thread; the ORM calls in these tests are
# still synchronous and safe, so let Django allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium or set STANCEMARK_CHROMIUM."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # launch() gives every run a fresh, throw-away --user-data-dir.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    in_flight: set = set()
    page.on("request", lambda request: in_flight.add(request))
    page.on("requestfinished", lambda request: in_flight.discard(request))
    page.on("requestfailed", lambda request: in_flight.discard(request))
    yield page
    # Leaving the page sends its last reports (time spent); let them land before the database is
    # emptied, or PostgreSQL's TRUNCATE and that write deadlock.
    # A page that refuses to be left (the beforeunload test) has nothing more to send.
    with contextlib.suppress(PlaywrightError):
        page.goto("about:blank")
    for _ in range(100):
        if not in_flight:
            break
        page.wait_for_timeout(50)
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def annotator_with_document():
    """Return a maker: the seed project, an annotator 'ana' in it, and a document with `text`."""
    from django.contrib.auth import get_user_model

    from annotator.models import Membership, Project
    from annotator.services.seeds import seeds_load
    from corpus.importers.records import DocumentRecord
    from corpus.services import documents_get_or_create

    def make(text: str, title: str):
        seeds_load()
        project = Project.objects.get(slug="seeds")
        user = get_user_model().objects.create_user("ana", password="ana-secret-pw")
        Membership.objects.create(project=project, user=user, role=Membership.Role.ANNOTATOR)
        [(document, _)] = documents_get_or_create(
            project.corpus, [DocumentRecord(file="test", line=None, text=text, title=title)]
        )
        return project, user, document

    return make
