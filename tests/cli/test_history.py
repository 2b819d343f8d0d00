#!/usr/bin/env python3
"""test_history.py: the worklist's run history end to end (issue 17, part 3).

    python3 tests/cli/test_history.py OSTEOPLAN [--self-test]

Two runs of `osteoplan worklist --db F` over two inputs with known
differences (synthetic records: some patients only in the first, some only
in the second, and patients whose record is swapped for another's, so that
gaps open and close and actions change), then `--db F --changes`:

- the database holds both runs whole (PRAGMA integrity_check, the run
  metadata, every listed patient with the action and gaps `osteoplan screen`
  gives for the same records: the oracle is screen, not the worklist);
- --changes names exactly the patients the oracle's set differences name,
  in each section, and its summary counts agree;
- the file is 0600; names and MRNs never reach stderr;
- a run killed with SIGKILL while it writes (the run's rollback journal on
  disk) leaves the previous run whole, nothing of the killed one, and a file
  that passes integrity_check; --changes still works.

--self-test: the checker must fail when the oracle is wrong (one patient
moved to the wrong section), and pass otherwise.
"""
import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

AS_OF = "2026-11-01"
SECTIONS = {"New on the list": "new", "Gone from the list": "gone", "New gaps": "new_gap",
            "Closed gaps": "closed_gap", "Action changed": "action"}


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def synth(binary, n, seed):
    p = run([binary, "synth", "--count", str(n), "--seed", str(seed)])
    assert p.returncode == 0, p.stderr
    return [json.loads(line) for line in p.stdout.splitlines()]


def with_identity(recs, names_ok):
    """Names and MRNs (when the record reader knows them): each made from the
    id, so a leak into stderr is found by looking for them."""
    if not names_ok:
        return recs
    out = []
    for r in recs:
        r = dict(r)
        r["name"] = "Name-" + r["id"]
        r["identifiers"] = [{"system": "urn:test:mrn", "value": "MRN-" + r["id"], "type": "MR"}]
        out.append(r)
    return out


def write_ndjson(path, recs):
    with open(path, "w") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")


def oracle(binary, path):
    """id -> (action, sorted gaps) of the patients the worklist lists (in scope,
    with a care gap), from `osteoplan screen` over the same file."""
    p = run([binary, "screen", "--as-of", AS_OF, "--format", "ndjson", path])
    assert p.returncode == 0, p.stderr
    listed = {}
    for line in p.stdout.splitlines():
        o = json.loads(line)
        if o["action"] != "out_of_scope" and o["gaps"]:
            listed[o["patient_id"]] = (o["action"], tuple(sorted(o["gaps"])))
    return listed


def expected_changes(before, after):
    both = before.keys() & after.keys()
    return {
        "new": set(after) - set(before),
        "gone": set(before) - set(after),
        "new_gap": {k for k in both if set(after[k][1]) - set(before[k][1])},
        "closed_gap": {k for k in both if set(before[k][1]) - set(after[k][1])},
        "action": {k for k in both if after[k][0] != before[k][0]},
    }


def parse_changes(text):
    """Section -> the patient ids on its lines; and the summary line."""
    got = {v: set() for v in SECTIONS.values()}
    section, summary = None, None
    for line in text.splitlines():
        if line.endswith(":") and line[:-1] in SECTIONS:
            section = SECTIONS[line[:-1]]
        elif line.startswith("  ") and section:
            got[section].add(line[2:].split(" | ")[0])
        elif "new on the list," in line:
            summary = line
    return got, summary


def check_changes(text, want):
    """The list of what is wrong (empty: right)."""
    got, summary = parse_changes(text)
    bad = []
    for k in want:
        if got[k] != want[k]:
            bad.append(f"{k}: missing {sorted(want[k] - got[k])[:5]}, extra {sorted(got[k] - want[k])[:5]}")
    n = {k: len(v) for k, v in want.items()}
    line = (f"{n['new']} new on the list, {n['gone']} gone from it, {n['new_gap']} with new gaps, "
            f"{n['closed_gap']} with closed gaps, {n['action']} with a changed action")
    if summary != line:
        bad.append(f"summary {summary!r}, want {line!r}")
    return bad


CSV_KINDS = {"new on the list": "new", "gone from the list": "gone", "new gap": "new_gap",
             "closed gap": "closed_gap", "action changed": "action"}


def check_changes_csv(text, want):
    """--changes-format csv: one change per line; the list of what is wrong."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    bad = []
    if not rows or rows[0] != ["change", "patient_id", "name", "mrn", "item", "before", "after"]:
        return [f"header {rows[:1]}"]
    got = {k: set() for k in CSV_KINDS.values()}
    for r in rows[1:]:
        if len(r) != 7 or r[0] not in CSV_KINDS:
            bad.append(f"bad line {r}")
            continue
        got[CSV_KINDS[r[0]]].add(r[1])
    for k in want:
        if got[k] != want[k]:
            bad.append(f"csv {k}: missing {sorted(want[k] - got[k])[:5]}, extra {sorted(got[k] - want[k])[:5]}")
    return bad


def db_rows(db, run_id):
    con = sqlite3.connect(db)
    rows = {}
    for rid, pid, action in con.execute(
            "SELECT id, patient_id, action FROM patient_row WHERE run_id = ?", (run_id,)):
        gaps = tuple(sorted(g for (g,) in con.execute("SELECT gap FROM gap WHERE row_id = ?", (rid,))))
        rows[pid] = (action, gaps)
    con.close()
    return rows


def integrity(db):
    con = sqlite3.connect(db)
    ok = con.execute("PRAGMA integrity_check").fetchone()[0]
    fk = con.execute("PRAGMA foreign_key_check").fetchall()
    runs = [r for r in con.execute("SELECT id, input, listed FROM run ORDER BY id")]
    con.close()
    return ok, fk, runs


def worklist(binary, db, inp, out, extra=()):
    return run([binary, "worklist", "--as-of", AS_OF, "--db", db, "-o", out, *extra, inp])


def inputs(binary, tmp, names_ok):
    """Run 1: records 0..399; run 2: 100..599, with every 7th shared patient
    given the next record's content under its own id."""
    recs = synth(binary, 600, 17)
    first = with_identity(recs[:400], names_ok)
    second = []
    for i in range(100, 600):
        r = dict(recs[i + 1] if i < 400 and i % 7 == 0 else recs[i])
        r["id"] = recs[i]["id"]
        second.append(r)
    second = with_identity(second, names_ok)
    a, b = os.path.join(tmp, "november.ndjson"), os.path.join(tmp, "december.ndjson")
    write_ndjson(a, first)
    write_ndjson(b, second)
    return a, b, first + second


def names_supported(binary, tmp):
    p = os.path.join(tmp, "probe.ndjson")
    write_ndjson(p, with_identity(synth(binary, 1, 1), True))
    q = run([binary, "screen", p])  # a bad line is skipped, not an exit status
    return q.returncode == 0 and q.stdout.count("\n") == 1


def two_runs(binary, tmp):
    names_ok = names_supported(binary, tmp)
    a, b, recs = inputs(binary, tmp, names_ok)
    db = os.path.join(tmp, "runs.db")
    stderr = ""
    for inp in (a, b):
        p = worklist(binary, db, inp, os.path.join(tmp, "list.csv"))
        assert p.returncode == 0, p.stderr
        stderr += p.stderr
    assert os.stat(db).st_mode & 0o777 == 0o600, oct(os.stat(db).st_mode)
    ok, fk, runs = integrity(db)
    assert ok == "ok" and not fk, (ok, fk)
    assert [r[1] for r in runs] == [a, b], runs
    before, after = oracle(binary, a), oracle(binary, b)
    assert len(before) > 100 and len(after) > 100, (len(before), len(after))
    assert db_rows(db, runs[0][0]) == before, "run 1 in the database differs from screen's"
    assert db_rows(db, runs[1][0]) == after, "run 2 in the database differs from screen's"
    assert [r[2] for r in runs] == [len(before), len(after)], runs
    p = run([binary, "worklist", "--db", db, "--changes", "--changes-format", "csv"])
    assert p.returncode == 0, p.stderr
    stderr += p.stderr
    changes_csv = p.stdout
    p = run([binary, "worklist", "--db", db, "--changes"])
    assert p.returncode == 0, p.stderr
    stderr += p.stderr
    want = expected_changes(before, after)
    for k, v in want.items():  # the inputs were made so that each kind occurs
        assert v, f"no {k} change in the test data: the test would prove nothing"
    if names_ok:
        leaks = [s for r in recs for s in (r["name"], r["identifiers"][0]["value"]) if s in stderr]
        assert not leaks, f"names or MRNs on stderr: {leaks[:3]}"
        assert "Name-" in p.stdout and "MRN MRN-" in p.stdout, "--changes shows no name or MRN"
    return p.stdout, changes_csv, want, names_ok


JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")  # a rollback journal's header once it is hot


def killed_run(binary, tmp):
    """SIGKILL while the second run is writing: as soon as SQLite has begun
    writing into the database file itself (the file has grown beside its
    journal), so the kill lands mid-write with a hot journal. The first run
    stays whole and nothing of the second is seen."""
    small, big = os.path.join(tmp, "small.ndjson"), os.path.join(tmp, "big.ndjson")
    write_ndjson(small, synth(binary, 300, 3))
    write_ndjson(big, synth(binary, 40000, 4))
    db = os.path.join(tmp, "killed.db")
    journal = db + "-journal"
    assert worklist(binary, db, small, os.path.join(tmp, "s.csv")).returncode == 0
    first = db_rows(db, 1)
    size0 = os.path.getsize(db)
    for attempt in range(3):
        p = subprocess.Popen([binary, "worklist", "--as-of", AS_OF, "--db", db, "-o", os.path.join(tmp, "b.csv"), big],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        caught = False
        while p.poll() is None:
            if os.path.exists(journal) and os.path.getsize(db) > size0:
                os.kill(p.pid, signal.SIGKILL)
                caught = True
                break
            time.sleep(0.0002)
        p.wait()
        if not caught or p.returncode != -signal.SIGKILL:
            assert p.returncode == 0, p.returncode
            raise AssertionError("the run finished before it could be killed mid-write")
        with open(journal, "rb") as f:
            assert f.read(8) == JOURNAL_MAGIC, "killed, but the journal is not hot"
        written = os.path.getsize(db) - size0
        q = run([binary, "worklist", "--db", db, "--changes"])
        assert q.returncode == 0, q.stderr
        assert q.stdout == "No earlier run to compare with: 1 run(s) in the history.\n", q.stdout
        assert not os.path.exists(journal), "the hot journal was not rolled back"
        assert os.path.getsize(db) == size0, "the killed run's pages are still in the file"
        ok, fk, runs = integrity(db)
        assert ok == "ok" and not fk and len(runs) == 1, (ok, fk, runs)
        assert db_rows(db, 1) == first
        con = sqlite3.connect(db)
        assert con.execute("SELECT count(*) FROM patient_row WHERE run_id <> 1").fetchone()[0] == 0
        con.close()
    return f"killed mid-write 3 times ({written} bytes written into the file the last time): rolled back each time"


def main():
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        text, changes_csv, want, names_ok = two_runs(binary, tmp)
        if "--self-test" in sys.argv:
            wrong = {k: set(v) for k, v in want.items()}
            moved = sorted(wrong["new"])[0]
            wrong["new"].discard(moved)
            wrong["gone"].add(moved)
            assert check_changes(text, wrong), "the checker passed a wrong expectation"
            assert not check_changes(text, want)
            assert check_changes_csv(changes_csv, wrong), "the CSV checker passed a wrong expectation"
            assert not check_changes_csv(changes_csv, want)
            print("test_history self-test: a wrong expectation fails, the right one passes")
            return
        bad = check_changes(text, want) + check_changes_csv(changes_csv, want)
        assert not bad, "\n".join(bad)
        print(f"changes: {', '.join(f'{k} {len(v)}' for k, v in want.items())}; names and MRNs "
              f"{'checked' if names_ok else 'not in this build (record has no name yet)'}")
        print(killed_run(binary, tmp))
    print("test_history: ok")


if __name__ == "__main__":
    main()
