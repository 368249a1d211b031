"""Insert many rows with one parameterised `executemany`, for imports.

`bulk_create` compiles SQL for every ~100 rows on SQLite (its 999-variable limit), which caps an
import at a few thousand spans a second. Here the statement is built once from the model's table
and column names and the rows go to the driver as plain tuples, on SQLite and PostgreSQL alike.
The caller has checked the rows already: nothing here validates, and no signals are sent.
Fields the caller does not give get their model default (`auto_now`/`auto_now_add`: now).
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

# Fields whose Python values the drivers cannot take as they are (dicts, aware datetimes).
_PREPARED = {"JSONField", "DateTimeField", "DateField", "DecimalField", "UUIDField"}


def _default(field: models.Field, now) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


def rows_insert(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert `rows` (values in the order of the field names `columns`) into the model's table; count them."""
    meta = model._meta
    conn = connections[DEFAULT_DB_ALIAS]  # once: each access through `connection` is a lookup
    given = [meta.get_field(name) for name in columns]
    now = timezone.now()
    rest = [
        field
        for field in meta.concrete_fields
        if not field.primary_key and field.name not in columns and field.attname not in columns
    ]
    fields = given + rest
    constants = tuple(field.get_db_prep_save(_default(field, now), conn) for field in rest)
    prepare = [(i, field) for i, field in enumerate(given) if field.get_internal_type() in _PREPARED]
    # Most JSON values of an import are empty: prepare `{}` once per column, not once per row.
    empty = {
        i: field.get_db_prep_save({}, conn)
        for i, field in prepare
        if field.get_internal_type() == "JSONField"
    }
    if prepare:
        params: list[tuple] = []
        for row in rows:
            values = list(row)
            for i, field in prepare:
                value = values[i]
                values[i] = empty[i] if i in empty and value == {} else field.get_db_prep_save(value, conn)
            params.append((*values, *constants))
    else:
        params = [(*row, *constants) for row in rows]
    if not params:
        return 0
    quote = conn.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model, values as parameters
        quote(meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with conn.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)
