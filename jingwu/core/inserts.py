"""One new row written with one prepared INSERT: for the rows written on every intake.

``Model.save(force_insert=True)`` rebuilds its INSERT statement for every row — the field list,
quoting, an SQL compiler, pre- and post-save signals — about as much Python as the rest of an
intake. :func:`insert` keeps each model's statement (per database) and only converts the row's
values (``pre_save`` + ``get_db_prep_save``: the same values ``save`` writes, auto-now fields
included). No model signals are sent: the project keeps no business rules in signals, and the
models written this way (work orders, transition events) have no receivers.
"""

from __future__ import annotations

from typing import Any

from django.db import connections, models, router

_STATEMENTS: dict[tuple[type[models.Model], str], tuple[str, list[Any]]] = {}

# Field classes whose database value is the Python value itself when it has exactly this type (or
# is None): their ``get_db_prep_save`` would only convert it to the same thing. Anything else (dates,
# decimals, JSON, encrypted text, an enum member…) goes through ``get_db_prep_save``.
_AS_IS: dict[type[models.Field[Any, Any]], type] = {
    models.CharField: str,
    models.TextField: str,
    models.BooleanField: bool,
    models.IntegerField: int,
    models.SmallIntegerField: int,
    models.BigIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
}


def _as_is_type(field: Any) -> type | None:
    """The exact Python type ``field`` stores unchanged, or None (always converted)."""
    if isinstance(field, models.ForeignKey):
        target = field.target_field
        return int if isinstance(target, models.AutoField | models.IntegerField) else None
    return _AS_IS.get(type(field))


def statement(model: type[models.Model], alias: str) -> tuple[str, list[Any]]:
    """The model's kept ``INSERT … RETURNING pk`` (where the database can return it) and its fields,
    for :func:`values`. Also the first half of a statement that writes more (the audit chain)."""
    key = (model, alias)
    if key not in _STATEMENTS:
        meta = model._meta
        if meta.parents or meta.proxy:
            raise TypeError(f"{model.__name__}: insert() writes one table of a concrete model")
        connection = connections[alias]
        q = connection.ops.quote_name
        pk = meta.pk
        fields = [f for f in meta.concrete_fields if not (f is pk and isinstance(f, models.AutoField))]
        columns = ", ".join(q(str(f.column)) for f in fields)
        values = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608 (quoted names)
        if connection.features.can_return_columns_from_insert:
            sql += f" RETURNING {q(str(pk.column))}"  # type: ignore[union-attr]
        _STATEMENTS[key] = (sql, [(f, _as_is_type(f)) for f in fields])
    return _STATEMENTS[key]


def values(obj: models.Model, fields: list[Any], connection: Any) -> list[Any]:
    """The database values of ``obj`` for :func:`statement`'s fields (as ``save`` would write them)."""
    params = []
    for field, as_is in fields:
        value = field.pre_save(obj, True)
        if value is None or type(value) is not as_is:  # noqa: E721 — the exact type, not a subclass
            value = field.get_db_prep_save(value, connection)
        params.append(value)
    return params


def insert(obj: models.Model) -> models.Model:
    """INSERT ``obj`` as a new row (in the caller's transaction) and set its primary key."""
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    sql, fields = statement(model, alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, values(obj, fields, connection))
        pk = cursor.fetchone()[0] if connection.features.can_return_columns_from_insert else cursor.lastrowid
    meta = model._meta
    if isinstance(meta.pk, models.AutoField):
        setattr(obj, meta.pk.attname, pk)  # type: ignore[union-attr]
    obj._state.adding, obj._state.db = False, alias
    return obj
