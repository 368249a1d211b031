"""Plain SQL for the few lookups that every annotation request makes.

Building and compiling an ORM query costs 0.2 to 1.5 ms of Python, many times what the database
needs to answer these lookups (tens of microseconds); on the write path that was most of a
request. Rows still come back as model instances, made by `Model.from_db` from values passed
through the same converters the ORM applies, so callers cannot tell the difference.
"""

import functools
import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import signals
from django.db.models.base import ModelState

_local = threading.local()  # converters hold this thread's connection: one cache per thread

Converter = tuple[int, list[Callable[..., Any]], Any]


# These caches, like every statement cached here, assume one kind of database per process: the
# default one, which is all the app uses.


@functools.cache
def quote(name: str) -> str:
    return connection.ops.quote_name(name)


@functools.cache
def table(model: type[models.Model]) -> str:
    return quote(model._meta.db_table)


def database() -> Any:
    """This thread's connection to the default database, not the `connection` proxy.

    Every attribute of the proxy is a lookup of this thread's connection; per field of a row
    that added up to a tenth of a request's time.
    """
    return connections[DEFAULT_DB_ALIAS]


@functools.cache
def select_list(model: type[models.Model], alias: str) -> str:
    """`alias."column", ...` for every concrete field of the model, in field order."""
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


@functools.cache
def _attnames(model: type[models.Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


@functools.cache
def _insert_sql(
    model: type[models.Model], skip_if_taken: tuple[str, ...] = ()
) -> tuple[str, list[models.Field]]:
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table(model)} ({columns}) VALUES ({placeholders})"
    if skip_if_taken:
        unique = ", ".join(quote(model._meta.get_field(name).column) for name in skip_if_taken)
        sql += f" ON CONFLICT ({unique}) DO NOTHING"
    if connection.features.can_return_columns_from_insert:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    return sql, fields


def _converters(db: Any, model: type[models.Model]) -> list[Converter]:
    cache = _local.__dict__.setdefault("converters", {})
    key = (db.alias, model)
    if key not in cache:
        found = []
        for index, field in enumerate(model._meta.concrete_fields):
            column = field.get_col(model._meta.db_table)
            functions = db.ops.get_db_converters(column) + column.get_db_converters(db)
            if functions:
                found.append((index, functions, column))
        cache[key] = found
    return cache[key]


@functools.cache
def _plain_init(model: type[models.Model]) -> bool:
    """Whether `Model.__init__` would only set the fields: no own __init__, no init signal receivers."""
    return (
        model.__init__ is models.Model.__init__
        and model.from_db.__func__ is models.Model.from_db.__func__
        and not signals.pre_init.has_listeners(model)
        and not signals.post_init.has_listeners(model)
    )


def instance[M: models.Model](model: type[M], values: Sequence[Any]) -> M:
    """A model instance from the values of `select_list(model, ...)`, converted as the ORM does."""
    db = database()
    values = list(values)
    for index, functions, column in _converters(db, model):
        for function in functions:
            values[index] = function(values[index], column, db)
    if not _plain_init(model):
        return model.from_db(db.alias, _attnames(model), values)
    # What Model.from_db does for a fresh row, without __init__'s generic argument handling, which
    # was most of the cost of a small row.
    made = model.__new__(model)
    made.__dict__.update(zip(_attnames(model), values, strict=True))
    made._state = ModelState()
    made._state.adding = False
    made._state.db = db.alias
    return made


@functools.cache
def _foreign_key(model: type[models.Model], name: str) -> tuple[str, str, str]:
    field = model._meta.get_field(name)
    return field.attname, field.target_field.attname, field.cache_name


def attach(row: models.Model, name: str, related: models.Model) -> None:
    """`row.name = related` for a foreign key, without the descriptor's checks (types, routers).

    For rows made here from a join, whose related rows are known to be right; assigning through
    the descriptor cost several microseconds each, a few times per request.
    """
    attname, target, cache_name = _foreign_key(type(row), name)
    row.__dict__[attname] = getattr(related, target)
    row._state.fields_cache[cache_name] = related


def instances(row: Sequence[Any], *models_in_row: type[models.Model]) -> list[models.Model]:
    """Split one row holding several models' `select_list`s, in that order, into instances."""
    made = []
    position = 0
    for model in models_in_row:
        width = len(model._meta.concrete_fields)
        made.append(instance(model, row[position : position + width]))
        position += width
    return made


def cursor() -> Any:
    """A cursor on this thread's connection, kept for the statements of this module.

    Made once per connection (and again when Django starts or stops logging queries, as tests do)
    rather than per statement: making one (Django's checks, psycopg's adapter maps) cost about a
    fifth of a simple statement. It is not closed; it goes with its connection.
    """
    db = database()
    kept = getattr(_local, "cursor", None)
    if kept is None or kept[0] is not db.connection or kept[1] != db.queries_logged:
        made = db.cursor()  # connects first if need be, so db.connection is the one it is on
        kept = _local.cursor = (db.connection, db.queries_logged, made)
    return kept[2]


def fetch_one(sql: str, params: Sequence[Any]) -> tuple | None:
    """The first row of a query that gives a few rows at most."""
    on = cursor()
    on.execute(sql, params)
    # All of them, so the statement runs to its end: on SQLite one left part-read stays active on
    # the kept cursor, holding its connection's read snapshot open (stale reads, and the write-ahead
    # log can no longer be checkpointed, which slowed every query ten times at 750,000 spans).
    rows = on.fetchall()
    return rows[0] if rows else None


def fetch_all(sql: str, params: Sequence[Any]) -> list[tuple]:
    on = cursor()
    on.execute(sql, params)
    return on.fetchall()


def execute(sql: str, params: Sequence[Any]) -> int:
    """Run a write; return the number of rows it changed."""
    on = cursor()
    on.execute(sql, params)
    return on.rowcount


def insert[M: models.Model](row: M, skip_if_taken: tuple[str, ...] = ()) -> M | None:
    """Insert a new instance as `save()` would (field defaults, auto_now, JSON), without signals.

    For the rows the annotation write path adds, none of which has signal receivers. With
    `skip_if_taken` (the fields of a unique constraint), a row whose values are taken is not
    inserted and None is returned: no error, so no savepoint or transaction is needed around it.
    """
    sql, fields = _insert_sql(type(row), skip_if_taken)
    db = database()
    values = [field.get_db_prep_save(field.pre_save(row, True), db) for field in fields]
    on = cursor()
    on.execute(sql, values)
    if db.features.can_return_columns_from_insert:
        returned = on.fetchall()  # to the end, as in fetch_one
        if not returned:
            return None
        row.pk = returned[0][0]
    elif skip_if_taken and on.rowcount == 0:
        return None
    else:
        row.pk = on.lastrowid
    row._state.adding = False
    row._state.db = db.alias
    return row
