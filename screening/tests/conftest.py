from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.db import connection

from screening.instruments import INSTRUMENTS


def answers(instrument: str, **values: int) -> dict[str, int]:
    """Every item of the instrument answered 0 (or "no"), except the ones given; PHQ-9's
    item 10 is added when the total is above zero."""
    result = {item.code: 0 for item in INSTRUMENTS[instrument].items if item.scored}
    result.update(values)
    if instrument == "phq9" and "item10" not in values and sum(result.values()) > 0:
        result["item10"] = 1
    return result


def full_set(*, safety=None, phq9=None, gad7=None, who5=None, self_assessment=None) -> dict:
    """A whole wizard's answers, all negative unless told otherwise."""
    who5_default = {f"item{n}": 3 for n in range(1, 6)}
    return {
        "safety": answers("safety", **(safety or {})),
        "phq9": answers("phq9", **(phq9 or {})),
        "gad7": answers("gad7", **(gad7 or {})),
        "who5": answers("who5", **(who5 or who5_default)),
        "self_assessment": answers("self_assessment", **(self_assessment or {})),
    }


@pytest.fixture
def answers_for():
    return answers


@pytest.fixture
def screening_writes_fail() -> Iterator[Callable[[], None]]:
    """A real fault in the database: every insert into the screening tables is refused by a
    trigger. Yields a function that lifts the fault (the database is back)."""
    tables = ("screening_screeningresponse", "screening_riskflag")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE OR REPLACE FUNCTION tandem_injected_fault() RETURNS trigger "
                           "AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$ "
                           "LANGUAGE plpgsql")
            for table in tables:
                cursor.execute(f"CREATE TRIGGER injected_fault BEFORE INSERT OR UPDATE ON "
                               f"{table} FOR EACH ROW EXECUTE FUNCTION tandem_injected_fault()")
        else:
            for table in tables:
                for event in ("INSERT", "UPDATE"):
                    cursor.execute(f"CREATE TRIGGER injected_fault_{table}_{event} BEFORE "
                                   f"{event} ON {table} BEGIN "
                                   f"SELECT RAISE(ABORT, 'injected fault'); END")

    def lift() -> None:
        with connection.cursor() as cursor:
            for table in tables:
                if connection.vendor == "postgresql":
                    cursor.execute(f"DROP TRIGGER IF EXISTS injected_fault ON {table}")
                else:
                    for event in ("INSERT", "UPDATE"):
                        cursor.execute(f"DROP TRIGGER IF EXISTS injected_fault_{table}_{event}")

    yield lift
    lift()
