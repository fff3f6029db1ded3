#!/usr/bin/env python3
"""Mutation check: do the tests catch a small, deliberate bug?

Applies each mutation listed in tools/mutations.toml to a copy of the tree, rebuilds only the
test targets that mutation names, runs them and reports whether a test failed (the mutation is
"killed") or every test still passed (it "survived": the suite cannot tell the bug from the
right code). A mutation that no longer applies (its text is not in the file exactly once) or
that does not compile is an error in the list, reported as such.

    python3 tools/mutation_check.py                 # every mutation
    python3 tools/mutation_check.py --only sim-     # the mutations whose id starts with sim-
    python3 tools/mutation_check.py --list          # what would run

The copy lives in build/mutation/tree (with its own build/release); it is synced with the
working tree on every run, copying only files whose contents changed, so after the first run
(a full build, about 15 minutes on 2 cores) a run rebuilds just what each mutation touches.
The working tree itself is never modified. Exit status: 0 when every mutation was killed,
1 when one survived or was in error, 2 when the unmutated tests already fail.

Standard library only (Python 3.11+ for tomllib); it does not import or run Kestrel other
than building and running its test binaries.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_COPY = ROOT / "build" / "mutation" / "tree"
DEFAULT_LIST = ROOT / "tools" / "mutations.toml"
PRESET = "release"
INSTALLED = ["web/node_modules"]


@dataclass
class Mutation:
    id: str
    file: str
    find: str
    replace: str
    why: str
    tests: list[str]


@dataclass
class Outcome:
    mutation: Mutation
    status: str  # killed | survived | error
    detail: str
    failed_tests: list[str] = field(default_factory=list)
    seconds: float = 0.0


def load_mutations(path: Path) -> list[Mutation]:
    with path.open("rb") as f:
        data = tomllib.load(f)
    mutations = []
    seen = set()
    for i, m in enumerate(data.get("mutation", []), start=1):
        for key in ("id", "file", "find", "replace", "why"):
            if key not in m:
                sys.exit(f"{path}: mutation #{i}: missing field '{key}'")
        if m["id"] in seen:
            sys.exit(f"{path}: mutation #{i}: duplicate id '{m['id']}'")
        seen.add(m["id"])
        if m["find"] == m["replace"]:
            sys.exit(f"{path}: mutation '{m['id']}': find and replace are the same")
        tests = m.get("tests")
        if not tests:
            module = Path(m["file"]).parts[1]  # src/<module>/...
            tests = [f"{module}_tests"]
        mutations.append(Mutation(m["id"], m["file"], m["find"], m["replace"], m["why"].strip(), tests))
    return mutations


def source_files() -> list[str]:
    """Tracked files plus untracked ones git does not ignore: the tree as the developer sees it."""
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                         check=True, capture_output=True).stdout
    return sorted({p for p in out.decode().split("\0") if p and (ROOT / p).is_file()})


def sync_copy(copy: Path) -> int:
    """Makes `copy` hold exactly the working tree's files, touching only files that differ."""
    wanted = source_files()
    changed = 0
    for rel in wanted:
        src, dst = ROOT / rel, copy / rel
        data = src.read_bytes()
        if dst.is_file() and dst.read_bytes() == data:
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(data)
        shutil.copymode(src, dst)
        changed += 1
    # Installed, git-ignored inputs of the build (the report's charting library) are linked, not copied.
    for rel in INSTALLED:
        link = copy / rel
        if (ROOT / rel).exists() and not link.is_symlink():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(ROOT / rel)
    wanted_set = set(wanted)
    for path in copy.rglob("*"):
        rel = path.relative_to(copy).as_posix()
        if rel == "build" or rel.startswith("build/") or path.is_symlink() or not path.is_file():
            continue
        if any(rel.startswith(f"{i}/") for i in INSTALLED):
            continue
        if rel not in wanted_set:
            path.unlink()
            changed += 1
    return changed


def build(copy: Path, targets: list[str], log: Path) -> bool:
    build_dir = copy / "build" / PRESET
    with log.open("a") as f:
        if not (build_dir / "build.ninja").exists():
            if subprocess.run(["cmake", "--preset", PRESET], cwd=copy, stdout=f, stderr=f).returncode != 0:
                return False
        return subprocess.run(["ninja", "-C", str(build_dir), *targets], cwd=copy, stdout=f,
                              stderr=f).returncode == 0


def test_binary(copy: Path, target: str) -> Path:
    module = target.removesuffix("_tests")
    return copy / "build" / PRESET / "tests" / module / target


FAILED = re.compile(r"^\[  FAILED  \] (\w+[./][^\s,]+)", re.M)


def run_tests(copy: Path, targets: list[str], timeout: float) -> tuple[str, list[str]]:
    """Returns ("passed", []) or ("failed", names) / ("crashed", ...) / ("timed out", ...)."""
    failed: list[str] = []
    verdict = "passed"
    for target in targets:
        binary = test_binary(copy, target)
        try:
            proc = subprocess.run([str(binary)], cwd=binary.parent, capture_output=True, text=True,
                                  errors="replace", timeout=timeout)
        except subprocess.TimeoutExpired:
            return "timed out", [f"{target} (after {timeout:.0f} s)"]
        names = sorted(set(FAILED.findall(proc.stdout)))
        if proc.returncode < 0:
            verdict = "crashed"
            failed.append(f"{target} (signal {-proc.returncode})")
        elif proc.returncode != 0:
            if verdict == "passed":
                verdict = "failed"
            failed.extend(names or [f"{target} (exit {proc.returncode})"])
    return verdict, failed


def apply(copy: Path, m: Mutation) -> tuple[bytes | None, str]:
    path = copy / m.file
    if not path.is_file():
        return None, f"{m.file} does not exist"
    original = path.read_bytes()
    text = original.decode()
    count = text.count(m.find)
    if count != 1:
        return None, f"the text to mutate occurs {count} times in {m.file}, not once"
    path.write_text(text.replace(m.find, m.replace))
    return original, ""


def restore(copy: Path, m: Mutation, original: bytes) -> None:
    (copy / m.file).write_bytes(original)


def check(copy: Path, m: Mutation, log: Path, timeout: float) -> Outcome:
    start = time.monotonic()
    original, problem = apply(copy, m)
    if original is None:
        return Outcome(m, "error", problem)
    try:
        with log.open("a") as f:
            f.write(f"\n===== {m.id}: {m.file}\n")
        if not build(copy, m.tests, log):
            return Outcome(m, "error", f"does not compile (see {log})", seconds=time.monotonic() - start)
        verdict, failed = run_tests(copy, m.tests, timeout)
    finally:
        restore(copy, m, original)
    seconds = time.monotonic() - start
    if verdict == "passed":
        return Outcome(m, "survived", "every test passed", seconds=seconds)
    return Outcome(m, "killed", verdict, failed, seconds)


def report(outcomes: list[Outcome], path: Path, total_seconds: float, revision: str) -> str:
    killed = sum(o.status == "killed" for o in outcomes)
    lines = [
        f"# Mutation check: {killed} of {len(outcomes)} killed",
        "",
        f"Tree: {revision}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{total_seconds:.0f} s (rebuilds and test runs, after the copy's first build).",
        "",
        "| mutation | file | result | tests that failed |",
        "|---|---|---|---|",
    ]
    for o in outcomes:
        shown = ", ".join(o.failed_tests[:3]) + (f" (+{len(o.failed_tests) - 3} more)"
                                                 if len(o.failed_tests) > 3 else "")
        result = {"killed": f"killed ({o.detail})", "survived": "**SURVIVED**",
                  "error": f"**ERROR**: {o.detail}"}[o.status]
        lines.append(f"| {o.mutation.id} | {o.mutation.file} | {result} | {shown} |")
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list-file", type=Path, default=DEFAULT_LIST, help="the mutations (TOML)")
    parser.add_argument("--copy", type=Path, default=DEFAULT_COPY, help="where the tree is copied and built")
    parser.add_argument("--only", help="run only mutations whose id starts with this prefix")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per test binary run")
    parser.add_argument("--report", type=Path, help="where to write the report (default: COPY/../report.md)")
    args = parser.parse_args()

    mutations = load_mutations(args.list_file)
    if args.only:
        mutations = [m for m in mutations if m.id.startswith(args.only)]
        if not mutations:
            sys.exit(f"no mutation id starts with '{args.only}'")
    if args.list:
        for m in mutations:
            print(f"{m.id:44} {m.file:42} {' '.join(m.tests)}\n    {m.why}")
        return 0

    copy = args.copy.resolve()
    copy.mkdir(parents=True, exist_ok=True)
    log = copy.parent / "build.log"
    log.write_text("")
    report_path = args.report or copy.parent / "report.md"
    revision = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()

    print(f"syncing the tree into {copy} ...", flush=True)
    print(f"  {sync_copy(copy)} files updated", flush=True)
    targets = sorted({t for m in mutations for t in m.tests})
    print(f"building {' '.join(targets)} (log: {log}) ...", flush=True)
    if not build(copy, targets, log):
        print(f"the unmutated copy does not build; see {log}", file=sys.stderr)
        return 2
    verdict, failed = run_tests(copy, targets, args.timeout)
    if verdict != "passed":
        print(f"the unmutated tests already fail ({verdict}): {', '.join(failed)}", file=sys.stderr)
        return 2
    print("unmutated tests pass; applying mutations", flush=True)

    start = time.monotonic()
    outcomes = []
    for n, m in enumerate(mutations, start=1):
        o = check(copy, m, log, args.timeout)
        outcomes.append(o)
        print(f"[{n}/{len(mutations)}] {m.id}: {o.status} ({o.detail}) {o.seconds:.0f} s", flush=True)
    # Rebuild once more so the copy's binaries match the unmutated tree for the next run.
    build(copy, targets, log)
    text = report(outcomes, report_path, time.monotonic() - start, revision)
    print("\n" + text)
    print(f"report written to {report_path}")
    return 0 if all(o.status == "killed" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
