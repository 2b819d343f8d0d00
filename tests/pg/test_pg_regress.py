#!/usr/bin/env python3
"""The extension's pg_regress suite (pg/sql, pg/expected) against a
throwaway PostgreSQL 15 instance that loads the extension staged in
BUILD/pg-stage (CMake target osteoplan_pg). Prints `N passed, N failed` and
the differences of any failure; exits 1 on any failure.

usage: test_pg_regress.py BUILD SRC
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgtmp  # noqa: E402

DB = "osteoplan_regress"


def regress_tests(src):
    """The test names, from the one list in pg/Makefile (REGRESS)."""
    with tempfile.TemporaryDirectory() as d:
        r = subprocess.run(["make", "-s", "-f", os.path.join(src, "pg", "Makefile"), "print-regress"], cwd=d,
                           capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"cannot read the test list from pg/Makefile: {r.stderr}")
    return r.stdout.split()


def pg_regress_bin():
    pgxs = subprocess.run(["pg_config", "--pgxs"], capture_output=True, text=True, check=True).stdout.strip()
    return os.path.join(os.path.dirname(pgxs), "..", "test", "regress", "pg_regress")


def count(out):
    """pg_regress's verdicts: `test NAME ... ok` / `... FAILED` (15's format)."""
    passed = failed = 0
    for line in out.splitlines():
        if " ... " not in line:
            continue
        verdict = line.split(" ... ", 1)[1].strip()
        if verdict.startswith("ok"):
            passed += 1
        elif verdict.startswith("FAILED") or verdict.startswith("failed"):
            failed += 1
    return passed, failed


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    pgtmp.drop_root()
    build, src = (os.path.abspath(a) for a in sys.argv[1:3])
    stage = os.path.join(build, "pg-stage")
    if not os.path.isdir(stage):
        sys.exit(f"{stage}: not there: build the CMake target osteoplan_pg first")
    tests = regress_tests(src)
    work = tempfile.mkdtemp(prefix="osteoplan-regress-")
    server = pgtmp.Server(work, stage)
    try:
        server.start()
        server.psql(f"CREATE DATABASE {DB};")
        r = subprocess.run([pg_regress_bin(), "--use-existing", f"--host={server.host}", f"--port={server.port}",
                            f"--user={server.user}", f"--dbname={DB}", f"--bindir={server.bindir}",
                            f"--inputdir={os.path.join(src, 'pg')}", f"--outputdir={work}", *tests],
                           capture_output=True, text=True, env=server.env())
        print(r.stdout, end="")
        print(r.stderr, end="", file=sys.stderr)
        passed, failed = count(r.stdout)
        diffs = os.path.join(work, "regression.diffs")
        if os.path.exists(diffs) and os.path.getsize(diffs):
            with open(diffs, encoding="utf-8", errors="replace") as f:
                print(f.read())
        missing = len(tests) - passed - failed
        if missing > 0:  # a test pg_regress never ran or never judged
            failed += missing
        print(f"{passed} passed, {failed} failed")
        ok = failed == 0 and r.returncode == 0
        if not ok:
            print(server.log_tail(), file=sys.stderr)
        return 0 if ok else 1
    finally:
        server.stop()
        if os.environ.get("OSTEOPLAN_REGRESS_KEEP"):  # to read results/ (new expected outputs)
            print(f"kept {work}", file=sys.stderr)
        else:
            subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    sys.exit(main())
