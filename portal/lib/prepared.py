"""One-row reads compiled once per process: the read every signed-in request makes first.

Every signed-in page reads its session row and its user row before anything else (one query:
clients/session_store.py; the user alone where the session row does not hold it). Through the
ORM each read builds a queryset, compiles it to SQL and walks the model iterable again, which
costs about three times the round trip to PostgreSQL (issue 15: the session and the user were
79% of the anonymous minimal view's rate). ``PreparedRead`` compiles the ORM's own query once,
per database alias, and afterwards only executes it: the same SQL, the same columns, the same
converters (SQLite's datetimes, for one), the same model instance, with the related instances
``select_related`` would attach. It is still one query on the connection's cursor, so query
counts and ``CaptureQueriesContext`` see it as before.

Only for reads by equality and comparison on plain fields, whose parameters the compiled SQL
takes one value each; compiling checks that.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, cast

from django.db import connections, models
from django.db.models.query import get_related_populators

ONE_VALUE = {"", "exact", "gt", "gte", "lt", "lte"}


class PreparedRead:
    def __init__(self, model: type[models.Model], lookups: Sequence[tuple[str, Any]],
                 select_related: Sequence[str] = ()) -> None:
        """``lookups``: (lookup, a sample value of its type) pairs, e.g.
        ``[("pk", 1), ("expire_date__gt", now)]``; the samples are only used to compile.
        ``select_related``: forward relations read in the same query, as the ORM's
        ``select_related`` reads them (a missing related row reads as None)."""
        self.model = model
        self.lookups = tuple(lookups)
        self.select_related = tuple(select_related)
        self._compiled: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def _compile(self, using: str) -> tuple:
        queryset = self.model._default_manager.using(using).filter(**dict(self.lookups))
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        compiler = queryset.query.get_compiler(using=using)
        sql, sample_params = compiler.as_sql()
        connection = connections[using]
        # The compiled SQL takes the values in its own order (Q sorts keyword lookups): find
        # where each lookup's sample went, and refuse anything that is not one value each.
        fields, positions = [], []
        for lookup, sample in self.lookups:
            name, _, comparison = lookup.partition("__")
            if comparison not in ONE_VALUE:
                raise ValueError(f"{self.model.__name__}: cannot prepare {lookup}")
            field = cast(models.Field, self.model._meta.pk if name == "pk"
                         else self.model._meta.get_field(name))
            fields.append(field)
            prepared = self._prep(field, sample, connection)
            if list(sample_params).count(prepared) != 1:
                raise ValueError(f"{self.model.__name__}: cannot prepare {lookup}")
            positions.append(list(sample_params).index(prepared))
        if sorted(positions) != list(range(len(sample_params))):
            raise ValueError(f"{self.model.__name__}: the lookups must each take one value")
        columns = [column for column, _, _ in compiler.select]
        converters = compiler.get_converters(columns)
        # The model's own columns, then each related model's (Django's ModelIterable).
        own = compiler.klass_info["select_fields"]
        start, end = own[0], own[-1] + 1
        attnames = [column.target.attname for column in columns[start:end]]
        # django-stubs describes a later Django, whose populators also take a fetch mode.
        related = get_related_populators(compiler.klass_info, compiler.select,  # type: ignore[call-arg]
                                         using)
        return (sql, list(zip(fields, positions, strict=True)), converters,
                (start, end, attnames, related), compiler)

    @staticmethod
    def _prep(field: models.Field, value: Any, connection) -> Any:
        return field.get_db_prep_value(field.get_prep_value(value), connection, prepared=True)

    def get(self, *values: Any, using: str = "default") -> models.Model | None:
        """The one row whose lookups take these values, or None."""
        compiled = self._compiled.get(using)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.setdefault(using, self._compile(using))
        sql, fields, converters, (start, end, attnames, related), compiler = compiled
        connection = connections[using]
        params: list[Any] = [None] * len(values)
        for (field, position), value in zip(fields, values, strict=True):
            params[position] = self._prep(field, value, connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if converters:
            row = next(iter(compiler.apply_converters([row], converters)))
        instance = self.model.from_db(using, attnames, row[start:end])
        for populator in related:
            populator.populate(row, instance)
        return instance
