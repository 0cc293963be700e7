"""The mutator of `make mutation` on the goal cadence: it finds the mutation points, applies
one at a time to the running interpreter (every importer sees it) and puts nothing back on
disk; the equivalents of docs/mutation.md all name mutants that exist."""

from __future__ import annotations

import importlib
import multiprocessing
from datetime import date, time

from goals.cadence import Cadence, is_period_date
from tools import mutation


def test_it_lists_each_kind_of_mutation_with_a_stable_key():
    keys = {m.key for m in mutation.mutants_of("goals.cadence")}
    assert "goals.cadence::_in_quiet_hours::start < end::< → <=" in keys
    assert "goals.cadence::_in_quiet_hours::start == end::guard deleted (if … return)" in keys
    assert "goals.cadence::period_dates::day += timedelta(days=1)::+= → -=" in keys
    assert "goals.cadence::=SEARCH_DAYS::400::400 → 401" in keys
    assert len(keys) == len(mutation.mutants_of("goals.cadence"))  # unique


class _Goal:
    cadence, cadence_weekday, check_in_time, anchor_date = (
        Cadence.WEEKDAYS, None, time(9), date(2026, 3, 2))


def _in_a_child(key: str, queue) -> None:
    mutant = next(m for m in mutation.mutants_of("goals.cadence") if m.key == key)
    mutation.apply_mutant(mutant)
    # The name imported before the mutant was applied runs the mutated code.
    queue.put(is_period_date(_Goal(), date(2026, 3, 6)))  # a Friday


def test_a_mutant_changes_the_running_function_in_place_and_only_there():
    key = "goals.cadence::is_period_date::day.weekday() < 5::< → >="
    queue = multiprocessing.get_context("fork").Queue()
    child = multiprocessing.get_context("fork").Process(target=_in_a_child, args=(key, queue))
    child.start()
    child.join(30)
    assert queue.get(timeout=5) is False  # mutated: a Friday is no longer a weekday
    assert is_period_date(_Goal(), date(2026, 3, 6)) is True  # this process is untouched
    assert "weekday() < 5" in importlib.import_module("goals.cadence").__loader__.get_source(
        "goals.cadence")


def test_every_listed_equivalent_names_a_mutant_that_exists():
    existing = {m.key for module in mutation.TARGETS for m in mutation.mutants_of(module)}
    listed = mutation.equivalents()
    assert listed
    assert set(listed) <= existing, sorted(set(listed) - existing)


def test_every_test_file_of_a_target_exists():
    missing = [path for paths in mutation.TARGETS.values() for path in paths
               if not (mutation.ROOT / path).exists()]
    assert missing == []
