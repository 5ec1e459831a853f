"""Mutation testing for the core modules, standard library only (not part of CI: it is slow).

Each mutant is one small change to one module's syntax tree (an operator, a comparison, a
boolean, a constant, a return value, a call statement dropped). It is written into a private
copy of the worktree, the module's own tests run there with `pytest -x -q`, and the original
file is written back before the next mutant. A mutant that makes a test fail, or hangs past the
timeout, is killed; one that passes every test survived. The score is killed / mutants that ran.

    python tools/mutate.py                      # every module in MODULES
    python tools/mutate.py sipbot/consent.py    # one module
    python tools/mutate.py --list sipbot/consent.py   # the mutants, without running them
    python tools/mutate.py -j 2 --line 42 sipbot/chat/ratelimit.py

Known equivalent survivors are explained in tools/mutation-equivalents.md.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each module and its own tests: the files that state the module's behaviour.
MODULES: dict[str, list[str]] = {
    "sipbot/chat/ratelimit.py": ["tests/test_ratelimit.py"],
    # The rules one by one; the chat stories (test_staff_actions.py) take a minute a run.
    "sipbot/staff/work.py": ["tests/test_work_rules.py"],
    "sipbot/reminders/store.py": ["tests/test_reminder_store.py", "tests/test_reminders.py"],
    "sipbot/flows/engine.py": ["tests/test_flow_engine.py"],
    "sipbot/consent.py": ["tests/test_consent.py", "tests/test_consent_link.py"],
    "sipbot/reminders/schedule.py": ["tests/test_reminder_schedule.py"],
    "sipbot/meetings/times.py": ["tests/test_meeting_times.py", "tests/test_typed_years.py"],
    "sipbot/workdays.py": ["tests/test_workdays.py"],
}

SWAP_BINOP: dict[type, type] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult, ast.Mod: ast.FloorDiv, ast.BitOr: ast.BitAnd, ast.BitAnd: ast.BitOr,
}  # fmt: skip
SWAP_CMP: dict[type, type] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}  # fmt: skip
LOGGERS = {"log", "logger", "logging"}


@dataclass(frozen=True)
class Mutant:
    index: int  # the node's place in ast.walk order
    kind: str  # which change, applied by mutate()
    line: int
    what: str  # for people

    def label(self) -> str:
        return f"line {self.line}: {self.what}"


def _skipped(tree: ast.Module) -> set[int]:
    """Nodes whose change no test could see: annotations, docstrings, log calls."""
    skip: set[int] = set()

    def drop(node: ast.AST | None) -> None:
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            drop(node.returns)
            for a in [*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs]:
                drop(a.annotation)
            drop(node.args.vararg and node.args.vararg.annotation)
            drop(node.args.kwarg and node.args.kwarg.annotation)
        if isinstance(node, ast.AnnAssign):
            drop(node.annotation)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                drop(first)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            drop(node if _is_log_call(node.value) else None)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            drop(node)
    return skip


def _is_log_call(call: ast.Call) -> bool:
    f = call.func
    return isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in LOGGERS


def _candidates(node: ast.AST) -> Iterator[tuple[str, str]]:
    if isinstance(node, ast.BinOp) and type(node.op) in SWAP_BINOP:
        new = SWAP_BINOP[type(node.op)]
        yield "binop", f"{type(node.op).__name__} -> {new.__name__}"
    elif isinstance(node, ast.AugAssign) and type(node.op) in SWAP_BINOP:
        yield "augop", f"{type(node.op).__name__}= -> {SWAP_BINOP[type(node.op)].__name__}="
    elif isinstance(node, ast.Compare):
        for k, op in enumerate(node.ops):
            if type(op) in SWAP_CMP:
                yield f"cmp{k}", f"{type(op).__name__} -> {SWAP_CMP[type(op)].__name__}"
    elif isinstance(node, ast.BoolOp):
        yield "boolop", "and -> or" if isinstance(node.op, ast.And) else "or -> and"
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "notnot", "drop `not`"
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        yield "const", f"{node.value} -> {not node.value}"
    elif (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
    ):
        yield "const", f"{node.value!r} -> {node.value + 1!r}"
    elif isinstance(node, ast.Return) and node.value is not None:
        v = node.value
        if not (isinstance(v, ast.Constant) and v.value is None):
            yield "return", f"return {ast.unparse(v)[:40]} -> return None"
    elif isinstance(node, ast.Expr) and isinstance(node.value, (ast.Call, ast.Await)):
        yield "dropcall", f"drop `{ast.unparse(node.value)[:50]}`"
    elif isinstance(node, ast.If):
        yield "ifnot", f"if {ast.unparse(node.test)[:40]} -> if not (...)"


def mutants_of(source: str) -> list[Mutant]:
    tree = ast.parse(source)
    skip = _skipped(tree)
    found: list[Mutant] = []
    for i, node in enumerate(ast.walk(tree)):
        if id(node) in skip:
            continue
        for kind, what in _candidates(node):
            found.append(Mutant(i, kind, getattr(node, "lineno", 0), what))
    return found


def mutate(source: str, m: Mutant) -> str:
    tree = copy.deepcopy(ast.parse(source))
    node = list(ast.walk(tree))[m.index]
    if m.kind == "binop" or m.kind == "augop":
        node.op = SWAP_BINOP[type(node.op)]()  # type: ignore[attr-defined]
    elif m.kind.startswith("cmp"):
        k = int(m.kind[3:])
        node.ops[k] = SWAP_CMP[type(node.ops[k])]()  # type: ignore[attr-defined]
    elif m.kind == "boolop":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()  # type: ignore[attr-defined]
    elif m.kind == "notnot":
        node.operand = ast.UnaryOp(ast.Not(), node.operand)  # type: ignore[attr-defined]
    elif m.kind == "const":
        v = node.value  # type: ignore[attr-defined]
        node.value = (not v) if isinstance(v, bool) else v + 1  # type: ignore[attr-defined]
    elif m.kind == "return":
        node.value = None  # type: ignore[attr-defined]
    elif m.kind == "dropcall":
        node.value = ast.Constant(None)  # type: ignore[attr-defined]
    elif m.kind == "ifnot":
        node.test = ast.UnaryOp(ast.Not(), node.test)  # type: ignore[attr-defined]
    return ast.unparse(ast.fix_missing_locations(tree))


def make_copy() -> Path:
    """A private copy of the worktree, so a mutant never touches the real files."""
    dest = Path(tempfile.mkdtemp(prefix="sipbot-mutate-"))
    ignore = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".pytest_cache", "*.pyc")
    for item in ROOT.iterdir():
        if item.name in {".git", ".venv", ".pytest_cache", ".ruff_cache"}:
            continue
        if item.is_dir():
            shutil.copytree(item, dest / item.name, ignore=ignore)
        else:
            shutil.copy2(item, dest / item.name)
    return dest


def run_tests(workdir: Path, tests: list[str], timeout: float | None) -> tuple[bool, float, str]:
    """(passed, seconds, tail of output); a hang past the timeout counts as a failure."""
    env = {**os.environ, "PYTHONPATH": str(workdir), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    start = time.monotonic()
    try:
        done = subprocess.run(
            cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return False, time.monotonic() - start, "timeout"
    return done.returncode == 0, time.monotonic() - start, done.stdout[-2000:]


@dataclass
class Outcome:
    mutant: Mutant
    killed: bool
    note: str


def run_module(
    module: str, jobs: int, lines: set[int] | None, skip: int = 0
) -> list[Outcome] | None:
    tests = [t for t in MODULES[module] if (ROOT / t).exists()]
    source = (ROOT / module).read_text()
    mutants = [m for m in mutants_of(source) if lines is None or m.line in lines][skip:]
    copies = [make_copy() for _ in range(max(1, jobs))]
    try:
        ok, base, out = run_tests(copies[0], tests, None)
        if not ok:
            print(f"{module}: its tests fail unmutated; not scored\n{out}")
            return None
        timeout = max(3 * base, base + 20)
        print(f"{module}: {len(mutants)} mutants, tests {' '.join(tests)} ({base:.0f} s each)")
        free = list(copies)

        def one(m: Mutant) -> Outcome:
            workdir = free.pop()
            target = workdir / module
            try:
                target.write_text(mutate(source, m))
                passed, _, out = run_tests(workdir, tests, timeout)
            finally:
                target.write_text(source)  # restored before the copy is used again
                free.append(workdir)
            return Outcome(m, not passed, "timeout" if out == "timeout" else "")

        with ThreadPoolExecutor(max_workers=len(copies)) as pool:
            outcomes = []
            for o in pool.map(one, mutants):
                mark = "killed" if o.killed else "SURVIVED"
                print(f"  {mark:8} {o.mutant.label()} {o.note}".rstrip(), flush=True)
                outcomes.append(o)
        return outcomes
    finally:
        for c in copies:
            shutil.rmtree(c, ignore_errors=True)


def summary(module: str, outcomes: list[Outcome]) -> str:
    killed = sum(o.killed for o in outcomes)
    n = len(outcomes)
    score = killed / n if n else 1.0
    lines = [f"{module}: mutants {n}, killed {killed}, survived {n - killed}, score {score:.2f}"]
    lines += [f"    survived {o.mutant.label()}" for o in outcomes if not o.killed]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help="default: every module in MODULES")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="parallel runs (keep 1-2)")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--line", type=int, action="append", help="only mutants on this line")
    parser.add_argument(
        "--skip", type=int, default=0, help="leave out the first N mutants (resume a long run)"
    )
    args = parser.parse_args()
    modules = args.modules or list(MODULES)
    unknown = [m for m in modules if m not in MODULES]
    if unknown:
        parser.error(f"not in MODULES: {' '.join(unknown)}")
    if args.list:
        for module in modules:
            for m in mutants_of((ROOT / module).read_text()):
                print(f"{module} {m.label()}")
        return 0
    results = {}
    for module in modules:
        outcomes = run_module(module, args.jobs, set(args.line) if args.line else None, args.skip)
        if outcomes is not None:
            results[module] = outcomes
    print()
    for module, outcomes in results.items():
        print(summary(module, outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
