"""Mutation testing of the rule modules (`make mutation`; docs/mutation.md says what it found).

A small ``ast`` mutator instead of mutmut: mutmut 3.8.1 ran on this layout but its results could
not be trusted in a time box (it copies the tree into ``mutants/`` and reported every mutant of
``goals.cadence.is_period_date`` as surviving tests that fail on them by hand), and its
whole-module trampolines made a Django run slow. This one is about 400 lines and does exactly:

1. For each rule module (``TARGETS``), one pytest process on SQLite with the folder broker (no
   services needed) collects that module's test files, runs them once unmutated and records
   which lines of the module each test executes (a line tracer on that file only).
2. For each mutant, the process forks after the database is set up; the child patches the one
   mutated function into the running interpreter (its ``__code__`` is replaced, so every
   ``from x import f`` sees it) and runs only the tests that executed the mutated statement,
   fastest first, stopping at the first failure. A child that runs past its time limit is
   killed and counts as killed (an endless loop is a detected fault).
3. A mutant no test kills *survives*. Each survivor must be listed in docs/mutation.md as
   equivalent, with the reason, or the run fails: a new survivor is a test to write.

Mutations: comparisons flipped at the boundary and negated (``<`` ↔ ``<=``, ``==`` ↔ ``!=``,
``in`` ↔ ``not in``, ``is`` ↔ ``is not``), arithmetic (``+`` ↔ ``-``, ``*`` → ``/``, ``%`` →
``//``; also in ``+=``), ``and`` ↔ ``or`` and each operand of a boolean dropped, ``not``
removed, ``True`` ↔ ``False``, a whole number off by one (``n`` → ``n + 1``), and a guard
deleted (an ``if`` whose only statement is ``return``, ``raise``, ``continue`` or ``break``).
Only code inside functions and methods is mutated, plus module constants that are whole
numbers (``MEASURE_THRESHOLD = 10``); data built at import (an instrument's items and bands)
is not: the instrument tests check those tables item by item.

    .venv/bin/python tools/mutation.py                    # every module
    .venv/bin/python tools/mutation.py goals.cadence      # one module
    .venv/bin/python tools/mutation.py --show KEY         # the diff of one mutant
"""

from __future__ import annotations
import __future__

import argparse
import ast
import importlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS_DOC = ROOT / "docs" / "mutation.md"
ENV_VAR = "TANDEM_MUTATION"

# The rule modules and the test files that state their rules. A module's mutants run only the
# tests of its list that execute the mutated line.
SCREENING_TESTS = ("screening/tests/test_instruments.py", "screening/tests/test_routing.py",
                   "screening/tests/test_routing_reasons.py",
                   "screening/tests/test_instrument_edges.py",
                   "screening/tests/test_safety_floor.py")
TARGETS: dict[str, tuple[str, ...]] = {
    "screening.instruments.base": SCREENING_TESTS,
    "screening.instruments.phq9": SCREENING_TESTS,
    "screening.instruments.gad7": SCREENING_TESTS,
    "screening.instruments.who5": SCREENING_TESTS,
    "screening.instruments.safety": SCREENING_TESTS,
    "screening.instruments.self_assessment": SCREENING_TESTS,
    "screening.routing": (*SCREENING_TESTS, "screening/tests/test_views_client.py",
                          "screening/tests/test_views_clinician.py"),
    "sessions.selectors": ("sessions/tests/test_slots.py", "sessions/tests/test_bookable.py",
                           "sessions/tests/test_eligibility_guards.py",
                           "sessions/tests/test_slot_edges.py",
                           "sessions/tests/test_coaching_time.py",
                           "sessions/tests/test_services.py"),
    "goals.cadence": ("goals/tests/test_cadence.py", "goals/tests/test_reminder_planning.py",
                      "goals/tests/test_services.py"),
    "notifications.keys": ("notifications/tests/test_outbox_rules.py",
                           "notifications/tests/test_services.py",
                           "screening/tests/test_instrument_edges.py"),
    "notifications.services": ("notifications/tests/test_outbox_rules.py",
                               "notifications/tests/test_services.py",
                               "notifications/tests/test_tasks.py",
                               "notifications/tests/test_outbox_edges.py",
                               "workspace/tests/test_review_page.py",
                               "notifications/tests/test_admin.py",
                               "goals/tests/test_reminder_planning.py",
                               "goals/tests/test_reminder_delivery.py"),
}

COMPARE_SWAPS: dict[type[ast.cmpop], tuple[type[ast.cmpop], ...]] = {
    ast.Lt: (ast.LtE, ast.GtE),
    ast.LtE: (ast.Lt, ast.Gt),
    ast.Gt: (ast.GtE, ast.LtE),
    ast.GtE: (ast.Gt, ast.Lt),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
}
BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
}
SYMBOLS = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.Add: "+",
    ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.And: "and", ast.Or: "or",
}
GUARD_EXITS = (ast.Return, ast.Raise, ast.Continue, ast.Break)


@dataclass(frozen=True)
class Mutant:
    module: str
    index: int
    key: str  # stable across edits elsewhere: module::scope::source::change
    scope: str  # "function", "Class.method", or "=NAME" for a module constant
    line: int
    first_line: int  # the statement's lines: a test that ran any of them runs this mutant
    last_line: int
    change: str


class _Mutator(ast.NodeTransformer):
    """Walks a module in a fixed order. With ``target`` None it lists the mutation points;
    with ``target`` k it applies the k-th and leaves the rest alone."""

    def __init__(self, source: str, target: int | None = None) -> None:
        self.source = source
        self.target = target
        self.found: list[tuple[str, int, int, int, str, str]] = []
        self.scope = ""
        self.statement: ast.stmt | None = None

    # --- where to look ------------------------------------------------------------------------

    def visit_Module(self, node: ast.Module) -> ast.AST:
        for index, stmt in enumerate(node.body):
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                node.body[index] = self._in_scope(stmt.name, stmt)
            elif isinstance(stmt, ast.ClassDef):
                for position, member in enumerate(stmt.body):
                    if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                        stmt.body[position] = self._in_scope(f"{stmt.name}.{member.name}",
                                                             member)
            elif (isinstance(stmt, ast.Assign | ast.AnnAssign) and isinstance(stmt.value,
                  ast.Constant) and type(stmt.value.value) is int):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if len(targets) == 1 and isinstance(targets[0], ast.Name):
                    self.scope, self.statement = f"={targets[0].id}", stmt
                    stmt.value = self.visit(stmt.value)
        return node

    def _in_scope(self, scope: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.stmt:
        self.scope = scope
        # Only the body: defaults and decorators run at import, annotations never run.
        node.body = [self._statement(stmt) for stmt in node.body]
        return node

    def _statement(self, stmt: ast.stmt) -> Any:
        outer, self.statement = self.statement, stmt
        try:
            return self.visit(stmt)
        finally:
            self.statement = outer

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for field, old in ast.iter_fields(node):
            if field in ("annotation", "returns", "decorator_list", "type_comment"):
                continue
            if isinstance(old, list):
                new = []
                for value in old:
                    if isinstance(value, ast.stmt):
                        value = self._statement(value)
                    elif isinstance(value, ast.AST):
                        value = self.visit(value)
                    if value is None:
                        continue
                    new.extend(value) if isinstance(value, list) else new.append(value)
                old[:] = new
            elif isinstance(old, ast.AST):
                new_node = self._statement(old) if isinstance(old, ast.stmt) else self.visit(old)
                setattr(node, field, new_node)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.body = [self._statement(stmt) for stmt in node.body]  # a nested def: body only
        return node

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node  # a docstring
        return self.generic_visit(node)

    # --- what to change -----------------------------------------------------------------------

    def _point(self, node: ast.AST, change: str) -> bool:
        """Record a mutation point; True if it is the one to apply now."""
        statement: Any = self.statement or node
        segment = ast.get_source_segment(self.source, node) or ""
        segment = " ".join(segment.split())
        if len(segment) > 60:
            segment = segment[:57] + "..."
        index = len(self.found)
        self.found.append((self.scope, getattr(node, "lineno", 0), statement.lineno,
                           statement.end_lineno or statement.lineno, segment, change))
        return index == self.target

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        for position, op in enumerate(node.ops):
            for swap in COMPARE_SWAPS.get(type(op), ()):
                change = f"{SYMBOLS[type(op)]} → {SYMBOLS[swap]}"
                if self._point(node, change):
                    node.ops[position] = swap()
                    return node
        return self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        swap = BINOP_SWAPS.get(type(node.op))
        if swap and self._point(node, f"{SYMBOLS[type(node.op)]} → {SYMBOLS[swap]}"):
            node.op = swap()
            return node
        return self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        swap = BINOP_SWAPS.get(type(node.op))
        if swap and self._point(node, f"{SYMBOLS[type(node.op)]}= → {SYMBOLS[swap]}="):
            node.op = swap()
            return node
        return self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        swap = ast.Or if isinstance(node.op, ast.And) else ast.And
        if self._point(node, f"{SYMBOLS[type(node.op)]} → {SYMBOLS[swap]}"):
            node.op = swap()
            return node
        for position, value in enumerate(node.values):
            dropped = " ".join((ast.get_source_segment(self.source, value) or "").split())
            if self._point(node, f"drop operand {position + 1} ({dropped[:40]})"):
                rest = node.values[:position] + node.values[position + 1:]
                return rest[0] if len(rest) == 1 else ast.BoolOp(op=node.op, values=rest)
        return self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        if isinstance(node.op, ast.Not) and self._point(node, "not removed"):
            return node.operand
        return self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if isinstance(value, bool):
            if self._point(node, f"{value} → {not value}"):
                return ast.Constant(not value)
        elif isinstance(value, int) and self._point(node, f"{value} → {value + 1}"):
            return ast.Constant(value + 1)
        return node

    def visit_If(self, node: ast.If) -> Any:
        guard = (not node.orelse and len(node.body) == 1
                 and isinstance(node.body[0], GUARD_EXITS))
        if guard:
            exit_word = type(node.body[0]).__name__.lower()
            if self._point(node.test, f"guard deleted (if … {exit_word})"):
                return ast.Pass()
        return self.generic_visit(node)


def mutants_of(module: str) -> list[Mutant]:
    source = _source(module)
    mutator = _Mutator(source)
    mutator.visit(ast.parse(source))
    mutants: list[Mutant] = []
    seen: dict[str, int] = {}
    for index, (scope, line, first, last, segment, change) in enumerate(mutator.found):
        key = f"{module}::{scope}::{segment}::{change}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key += f" #{seen[key]}"
        mutants.append(Mutant(module, index, key, scope, line, first, last, change))
    return mutants


def mutated_tree(module: str, index: int) -> ast.Module:
    source = _source(module)
    tree = _Mutator(source, target=index).visit(ast.parse(source))
    return ast.fix_missing_locations(tree)


def _source(module: str) -> str:
    return _path(module).read_text()


def _path(module: str) -> Path:
    base = ROOT.joinpath(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


# --- patching a running interpreter ---------------------------------------------------------

def _innermost(function: Any) -> Any:
    for attribute in ("fget", "__func__", "func"):  # property, static/classmethod, cached
        function = getattr(function, attribute, function)
    while hasattr(function, "__wrapped__"):
        function = function.__wrapped__
    return function


def apply_mutant(mutant: Mutant) -> None:
    """Put one mutant into the imported module: the mutated function's code replaces the old
    one's in place, a mutated constant replaces the value wherever it was imported."""
    module = importlib.import_module(mutant.module)
    tree = mutated_tree(mutant.module, mutant.index)
    if mutant.scope.startswith("="):
        name = mutant.scope[1:]
        node = next(stmt for stmt in tree.body if isinstance(stmt, ast.Assign | ast.AnnAssign)
                    and name in {t.id for t in (stmt.targets if isinstance(stmt, ast.Assign)
                                                else [stmt.target]) if isinstance(t, ast.Name)})
        assert node.value is not None
        old, new = getattr(module, name), ast.literal_eval(node.value)
        for other in list(sys.modules.values()):
            if other is not None and getattr(other, name, None) is old \
                    and str(getattr(other, "__file__", "")).startswith(str(ROOT)):
                setattr(other, name, new)
        return
    top, _, member = mutant.scope.partition(".")
    statement = next(stmt for stmt in tree.body
                     if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                     and stmt.name == top)
    namespace = dict(vars(module))
    code = compile(ast.Module(body=[statement], type_ignores=[]), str(_path(mutant.module)),
                   "exec", flags=__future__.annotations.compiler_flag, dont_inherit=True)
    exec(code, namespace)  # noqa: S102 - our own module's source, mutated
    old, new = getattr(module, top), namespace[top]
    if member:
        old, new = vars(old)[member], vars(new)[member]
    _innermost(old).__code__ = _innermost(new).__code__


# --- the pytest side: one process per module ------------------------------------------------

def _line_tracer(filename: str, lines: set[int]):
    def local(frame, event, arg):
        if event == "line":
            lines.add(frame.f_lineno)
        return local

    def global_(frame, event, arg):
        return local if frame.f_code.co_filename == filename else None

    return global_


def _run(items: list[Any], runtestprotocol: Any, *, last_next: Any) -> bool:
    """Run these test items in order; True if all passed (stops at the first failure)."""
    for position, item in enumerate(items):
        following = items[position + 1] if position + 1 < len(items) else last_next
        reports = runtestprotocol(item, nextitem=following, log=False)
        if any(report.failed for report in reports):
            return False
    return True


def pytest_runtestloop(session: Any) -> Any:
    settings = os.environ.get(ENV_VAR)
    if not settings:
        return None
    from _pytest.runner import runtestprotocol

    config = json.loads(settings)
    module, only = config["module"], set(config.get("only") or ())
    filename = str(_path(module))
    items = list(session.items)
    covered: dict[str, set[int]] = {}
    durations: dict[str, float] = {}
    baseline_failed = []
    for position, item in enumerate(items):
        lines: set[int] = set()
        following = items[position + 1] if position + 1 < len(items) else items[0]
        started = time.perf_counter()
        sys.settrace(_line_tracer(filename, lines))
        try:
            reports = runtestprotocol(item, nextitem=following, log=False)
        finally:
            sys.settrace(None)
        durations[item.nodeid] = time.perf_counter() - started
        covered[item.nodeid] = lines
        if any(report.failed for report in reports):
            baseline_failed.append(item.nodeid)
    results: list[dict[str, Any]] = []
    if baseline_failed:
        _write(config["report"], {"module": module, "baseline_failed": baseline_failed,
                                  "results": results})
        return True
    mutants = [m for m in mutants_of(module) if not only or m.key in only]
    for number, mutant in enumerate(mutants, 1):
        span = set(range(mutant.first_line, mutant.last_line + 1))
        if mutant.scope.startswith("="):
            tests = [item for item in items if covered[item.nodeid]]
        else:
            tests = [item for item in items if covered[item.nodeid] & span]
        tests.sort(key=lambda item: durations[item.nodeid])
        started = time.perf_counter()
        if not tests:
            outcome, detail = "survived", "no test runs this line"
        else:
            outcome, detail = _fork_and_run(session, mutant, tests, runtestprotocol,
                                            limit=10 + 3 * sum(durations[t.nodeid]
                                                               for t in tests))
        results.append({**asdict(mutant), "outcome": outcome, "detail": detail,
                        "tests": len(tests), "seconds": round(time.perf_counter() - started, 2)})
        if outcome == "survived" or number % 25 == 0 or number == len(mutants):
            note = f"survived: {mutant.key}" if outcome == "survived" else "mutants done"
            print(f"{module} {number}/{len(mutants)} {note}", file=sys.__stderr__, flush=True)
    _write(config["report"], {"module": module, "baseline_failed": [], "results": results,
                              "tests": len(items)})
    return True


def _fork_and_run(session: Any, mutant: Mutant, tests: list[Any], runtestprotocol: Any, *,
                  limit: float) -> tuple[str, str]:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: mutate, run, report through the exit status
        status = 3
        try:
            apply_mutant(mutant)
            session._setupstate.teardown_exact(tests[0])
            status = 0 if _run(tests, runtestprotocol, last_next=None) else 1
        except BaseException:  # a mutant that breaks the run is a detected one
            status = 2
        finally:
            os._exit(status)
    deadline = time.monotonic() + limit
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return {0: ("survived", "every test passed"), 1: ("killed", "a test failed"),
                    2: ("killed", "the run broke")}.get(code, ("killed", f"exit {code}"))
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            return "killed", f"timeout after {limit:.0f} s"
        time.sleep(0.01)


def _write(path: str, data: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(data, indent=1))


# --- the command ---------------------------------------------------------------------------

def equivalents() -> dict[str, str]:
    """The survivors docs/mutation.md lists as equivalent: ``| `key` | reason |`` rows."""
    listed = {}
    if EQUIVALENTS_DOC.exists():
        for line in EQUIVALENTS_DOC.read_text().splitlines():
            match = re.match(r"\|\s*`([^`]+)`\s*\|(.*)\|\s*$", line)
            if match and "::" in match.group(1):
                listed[match.group(1)] = match.group(2).strip()
    return listed


def _run_module(module: str, only: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mutation-") as folder:
        report = str(Path(folder) / "report.json")
        env = {key: value for key, value in os.environ.items()
               if key not in ("DATABASE_URL", "REDIS_URL", "TANDEM_REQUIRE_SERVICES",
                              "PYTEST_ADDOPTS")}
        env[ENV_VAR] = json.dumps({"module": module, "report": report, "only": only})
        started = time.monotonic()
        run = subprocess.run(  # noqa: S603 - this interpreter, our own arguments
            [sys.executable, "-m", "pytest", "-q", "-p", "tools.mutation", "-p",
             "no:cacheprovider", "-p", "no:randomly", *TARGETS[module]],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=False)
        if not Path(report).exists():
            raise SystemExit(f"{module}: the test run failed\n{run.stdout[-3000:]}")
        data = json.loads(Path(report).read_text())
        data["seconds"] = round(time.monotonic() - started, 1)
        return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="modules of TARGETS (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="modules run side by side")
    parser.add_argument("--only", action="append", default=[], help="run only this mutant key")
    parser.add_argument("--show", help="print the mutated function of this mutant key")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--json", help="write every result here")
    args = parser.parse_args(argv)
    modules = args.modules or list(TARGETS)
    unknown = [m for m in modules if m not in TARGETS]
    if unknown:
        parser.error(f"not a rule module of TARGETS: {', '.join(unknown)}")
    if args.show:
        return _show(args.show)
    if args.list:
        for module in modules:
            for mutant in mutants_of(module):
                print(f"{mutant.line:4} {mutant.key}")
        return 0
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        reports = list(pool.map(lambda m: _run_module(m, args.only), modules))
    listed = equivalents()
    unexplained, total, killed = [], 0, 0
    print(f"\n{'module':38} {'mutants':>7} {'killed':>6} {'equiv.':>6} {'new':>4} "
          f"{'score':>6} {'time':>6}")
    for report in reports:
        if report["baseline_failed"]:
            print(f"{report['module']}: tests fail unmutated: {report['baseline_failed']}")
            return 2
        results = report["results"]
        dead = sum(r["outcome"] == "killed" for r in results)
        alive = [r for r in results if r["outcome"] == "survived"]
        fresh = [r for r in alive if r["key"] not in listed]
        unexplained += fresh
        total, killed = total + len(results), killed + dead
        score = 100 * dead / len(results) if results else 100.0
        print(f"{report['module']:38} {len(results):7} {dead:6} {len(alive) - len(fresh):6} "
              f"{len(fresh):4} {score:5.1f}% {report['seconds']:5.0f}s")
    print(f"{'all':38} {total:7} {killed:6} {'':6} {len(unexplained):4} "
          f"{100 * killed / max(total, 1):5.1f}% {time.monotonic() - started:5.0f}s")
    if args.json:
        Path(args.json).write_text(json.dumps(reports, indent=1))
    if unexplained:
        print("\nSurvivors that no test kills and docs/mutation.md does not list as equivalent:")
        for result in unexplained:
            print(f"  line {result['line']}: `{result['key']}` ({result['detail']})")
        return 1
    return 0


def _show(key: str) -> int:
    module = key.split("::", 1)[0]
    mutant = next((m for m in mutants_of(module) if m.key == key), None)
    if mutant is None:
        print(f"no mutant {key!r}")
        return 1
    tree = mutated_tree(module, mutant.index)
    top = mutant.scope.lstrip("=").partition(".")[0]
    for statement in tree.body:
        names = {getattr(statement, "name", None)} | {
            target.id for target in getattr(statement, "targets", []) if isinstance(target,
                                                                                 ast.Name)}
        if top in names:
            print(f"# {key} (line {mutant.line})\n{ast.unparse(statement)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
