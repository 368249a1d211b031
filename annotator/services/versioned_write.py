"""Writes to one annotation set that happen only if the set is still at the version the writer saw.

A `VersionedWrite` collects the version guard (the set's version moves on by one) and the writes
that depend on it, then runs them. On PostgreSQL they go to the server as one statement: the
guard is an UPDATE in a WITH clause and every write another one that runs only if the guard
matched. One statement is atomic on its own, so it needs no BEGIN or COMMIT; a span create is one
round trip instead of five, which was most of what a write cost there (`benchmark load`).
Elsewhere (SQLite, in-process) they run one by one in a transaction, the guard first.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from annotator import plain_sql as sql
from annotator.models import AnnotationSet
from annotator.services.audit import audit_event, audit_snapshot
from annotator.services.errors import StaleVersion, invalid

# Largest id or number the databases store (64-bit signed); anything above cannot match a row.
MAX_ID = 2**63 - 1


def check_version(expected_version: Any) -> int:
    """The version a write says it is based on, if it is one a set can have had."""
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise invalid("version", "version is required: the annotation set version you last saw.", "required")
    if not 0 <= expected_version <= MAX_ID:
        raise invalid("version", "version must be a whole number the annotation set has had.")
    return expected_version


@dataclass
class _Insert:
    row: models.Model
    refs: dict[str, models.Model]  # foreign keys to rows this write inserts before this one
    # For an audit event of a row this write inserts: that row and the fields the caller knows
    # (see `audit_snapshot`); `after` pictures the row once it is inserted.
    pictures: tuple[models.Model, dict[str, Any]] | None = None


@dataclass
class _Change:
    model: type[models.Model]
    assignments: str | None  # an UPDATE's SET list; None: a DELETE
    where: str
    params: list[Any] = field(default_factory=list)


class VersionedWrite:
    """Writes to `annotation_set` that happen only if it is at `version`, which then moves on by one.

    `also` sets more fields of the set with the version (status, say).
    """

    def __init__(self, annotation_set: AnnotationSet, version: Any, **also: Any) -> None:
        self.annotation_set = annotation_set
        self.expected = check_version(version)
        self.also = also
        self.steps: list[_Insert | _Change] = []
        self.refusal: tuple[str, list[Any], Callable[[], Exception]] | None = None

    def refuse_if(self, query: str, params: list[Any], error: Callable[[], Exception]) -> None:
        """Write nothing and raise `error()` if `query` (SQL with %s) has a row when the write runs.

        The condition is part of the version guard, so checking it costs no round trip of its own.
        """
        self.refusal = (query, list(params), error)

    def insert[M: models.Model](self, row: M, **refs: models.Model) -> M:
        """Add `row` and return it; its pk is set once the write has run.

        `refs` names foreign keys to rows inserted earlier in this write, whose ids are not known yet.
        """
        self.steps.append(_Insert(row, refs))
        return row

    def update(self, row: models.Model, names: list[str]) -> None:
        """Save these fields of `row`, as `row.save(update_fields=names)` would."""
        fields = [row._meta.get_field(name) for name in names]
        db = sql.database()
        values = [f.get_db_prep_save(f.pre_save(row, False), db) for f in fields]
        assignments = ", ".join(f"{sql.quote(f.column)} = %s" for f in fields)
        pk = f"{sql.quote(row._meta.pk.column)} = %s"
        self.steps.append(_Change(type(row), assignments, pk, [*values, row.pk]))

    def update_where(
        self, model: type[models.Model], assignments: str, where: str, params: list[Any]
    ) -> None:
        """`UPDATE model SET assignments WHERE where`, both SQL with %s for `params` in that order."""
        self.steps.append(_Change(model, assignments, where, list(params)))

    def delete(self, model: type[models.Model], where: str, params: list[Any]) -> None:
        """Delete the rows of `model` matching `where`, SQL with %s for `params`."""
        self.steps.append(_Change(model, None, where, list(params)))

    def audit(self, action: str, before: Any, after: Any, **known: Any) -> None:
        """Record the change in the audit log as by the set's annotator (see `audit_record`).

        `known` are fields of `after` the caller has already (see `audit_snapshot`).
        """
        pending = isinstance(after, models.Model) and any(
            isinstance(step, _Insert) and step.row is after for step in self.steps
        )
        if pending:
            # Pictured once inserted: its fields' defaults set, its id known.
            event = audit_event(None, self.annotation_set, action, before, None)
            self.steps.append(_Insert(event, {}, (after, known)))
        else:
            after = audit_snapshot(after, **known) if known else after
            self.steps.append(_Insert(audit_event(None, self.annotation_set, action, before, after), {}))

    def run(self) -> None:
        """Run the guard and the writes; StaleVersion (and nothing written) if the set has moved on."""
        db = sql.database()
        now = timezone.now()
        guard_params = [
            db.ops.adapt_datetimefield_value(now),
            *(
                AnnotationSet._meta.get_field(name).get_db_prep_save(value, db)
                for name, value in self.also.items()
            ),
            self.annotation_set.pk,
            self.expected,
        ]
        guard = _guard_sql(tuple(self.also), self.refusal[0] if self.refusal else None)
        if self.refusal is not None:
            guard_params += self.refusal[1]
        if db.vendor == "postgresql":
            matched = self._run_as_one_statement(db, guard, guard_params)
        else:
            matched = self._run_in_transaction(guard, guard_params)
        if not matched:
            if self.refusal is not None and sql.fetch_one(self.refusal[0], self.refusal[1]):
                raise self.refusal[2]()
            current = AnnotationSet.objects.values_list("version", flat=True).get(pk=self.annotation_set.pk)
            raise StaleVersion(self.expected, current)
        self.annotation_set.version = self.expected + 1
        self.annotation_set.updated_at = now
        for name, value in self.also.items():
            setattr(self.annotation_set, name, value)

    def _run_in_transaction(self, guard: str, guard_params: list[Any]) -> bool:
        with transaction.atomic():
            if not sql.execute(guard, guard_params):
                return False
            for step in self.steps:
                if isinstance(step, _Insert):
                    for name, ref in step.refs.items():
                        setattr(step.row, step.row._meta.get_field(name).attname, ref.pk)
                    if step.pictures is not None:
                        step.row.after = audit_snapshot(step.pictures[0], **step.pictures[1])
                    sql.insert(step.row)
                else:
                    sql.execute(_change_sql(step.model, step.assignments, step.where, False), step.params)
        return True

    def _run_as_one_statement(self, db: Any, guard: str, guard_params: list[Any]) -> bool:
        clauses = [f"g AS ({guard} RETURNING id)"]
        params = list(guard_params)
        names: dict[int, str] = {}  # id(row) → the WITH clause that inserts it
        inserts: list[tuple[str, _Insert]] = []
        for n, step in enumerate(self.steps):
            name = f"w{n}"
            if isinstance(step, _Insert):
                names[id(step.row)] = name
                inserts.append((name, step))
                row = step.row
                if step.pictures is not None:
                    pictured, known = step.pictures
                    row.after = audit_snapshot(pictured, **known)  # the statement adds its id
                refs = tuple((f, names[id(ref)]) for f, ref in step.refs.items())
                picture = names[id(step.pictures[0])] if step.pictures is not None else None
                text, fields = _guarded_insert_sql(type(row), refs, picture)
                clauses.append(f"{name} AS ({text})")
                params += [f.get_db_prep_save(f.pre_save(row, True), db) for f in fields]
            else:
                clauses.append(f"{name} AS ({_change_sql(step.model, step.assignments, step.where, True)})")
                params += step.params
        ids = "".join(f", (SELECT id FROM {name})" for name, _ in inserts)
        row = sql.fetch_one(f"WITH {', '.join(clauses)} SELECT (SELECT count(*) FROM g){ids}", params)
        if not row[0]:
            return False
        for (_, step), pk in zip(inserts, row[1:], strict=True):
            step.row.pk = pk
            step.row._state.adding = False
            step.row._state.db = db.alias
            for name, ref in step.refs.items():
                setattr(step.row, step.row._meta.get_field(name).attname, ref.pk)
            if step.pictures is not None:
                step.row.after["id"] = step.pictures[0].pk
        return True


@functools.cache
def _guard_sql(also: tuple[str, ...], refusal: str | None) -> str:
    fields = [AnnotationSet._meta.get_field(name) for name in also]
    return (
        f"UPDATE {sql.table(AnnotationSet)} SET version = version + 1, updated_at = %s"
        + "".join(f", {sql.quote(f.column)} = %s" for f in fields)
        + " WHERE id = %s AND version = %s"
        + (f" AND NOT EXISTS ({refusal})" if refusal else "")
    )


@functools.lru_cache(maxsize=512)
def _guarded_insert_sql(
    model: type[models.Model], refs: tuple[tuple[str, str], ...], picture: str | None
) -> tuple[str, list[models.Field]]:
    """INSERT … SELECT … FROM g (only if the guard matched), and the fields its parameters are for.

    `refs`: (foreign key, WITH clause inserting its row); `picture`: the WITH clause inserting the
    row whose id goes into an audit event's `after`.
    """
    db = sql.database()
    referenced = dict(refs)
    columns, values, fields = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(sql.quote(f.column))
        if f.name in referenced:
            values.append(f"(SELECT id FROM {referenced[f.name]})")
            continue
        # A parameter in a SELECT list has no column to take its type from, so it is cast.
        value = f"CAST(%s AS {f.cast_db_type(db)})"
        if picture is not None and f.attname == "after":
            value += f" || jsonb_build_object('id', (SELECT id FROM {picture}))"
        values.append(value)
        fields.append(f)
    text = (
        f"INSERT INTO {sql.table(model)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM g RETURNING {sql.quote(model._meta.pk.column)}"
    )
    return text, fields


@functools.cache
def _change_sql(model: type[models.Model], assignments: str | None, where: str, guarded: bool) -> str:
    """The UPDATE or DELETE of a `_Change`; `guarded`: only if the guard (WITH clause g) matched."""
    if guarded:
        where = f"({where}) AND EXISTS (SELECT 1 FROM g)"
    if assignments is None:
        return f"DELETE FROM {sql.table(model)} WHERE {where}"
    return f"UPDATE {sql.table(model)} SET {assignments} WHERE {where}"
