"""The plain SQL of the request path leaves no statement running between requests."""

import pytest
from django.db import connection

from annotator import plain_sql as sql
from annotator.models import LabelScheme

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_row_read_leaves_no_statement_running():
    LabelScheme.objects.create(slug="first", name="First")
    LabelScheme.objects.create(slug="second", name="Second")
    assert sql.fetch_one(f"SELECT id FROM {sql.table(LabelScheme)} ORDER BY id", []) is not None
    # VACUUM refuses to run while any statement on the connection is still in progress (SQLite), or
    # inside a transaction: a part-read statement on the kept cursor would hold a read snapshot open.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM")


def test_an_insert_that_returns_its_id_leaves_no_statement_running():
    made = sql.insert(LabelScheme(slug="third", name="Third"))
    assert LabelScheme.objects.get(pk=made.pk).slug == "third"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM")
