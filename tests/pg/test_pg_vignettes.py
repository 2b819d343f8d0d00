#!/usr/bin/env python3
"""The extension against the command line, on a throwaway PostgreSQL 15
instance loading the extension staged next to the binary (BUILD/pg-stage):

- every case of tests/vignettes through osteoplan_assess(record, as_of)
  equals `osteoplan assess --format json --as-of AS_OF` (parsed JSON), for
  the record's own date and for a fixed one; the json overload too;
- osteoplan_screen rows equal `osteoplan screen --as-of` lines (patient_id,
  risk, action, first_agent, gaps) for the vignettes and synthetic records;
- the jsonb argument printed for the engine reads as the same text as json;
- concurrent sessions (4 at once over the same table, parallel workers
  allowed) give the rows of one session;
- a knowledge base directory with a second profile: osteoplan.profile
  switches to it and back, and each gives the command line's plan.

OSTEOPLAN_PG_WRONG=1 gives every check one wrong expectation: each must fail.

usage: test_pg_vignettes.py BUILD/osteoplan SRC
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgtmp  # noqa: E402

FIXED = "2026-12-01"
N_SYNTH = 3000
SESSIONS = 4
FAILS = []
WRONG = os.environ.get("OSTEOPLAN_PG_WRONG") == "1"


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILS.append(what)


def cli(bin_, args, data=None):
    r = subprocess.run([bin_, *args], input=data, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"osteoplan {' '.join(args)}: exit {r.returncode}: {r.stderr}")
    return r.stdout


def load_table(server, work, table, records):
    """records: [(name, record dict)] into TABLE(name text, record jsonb),
    through a file COPY reads (CSV with quote and delimiter bytes that JSON
    text never holds, so the JSON goes in byte for byte)."""
    path = os.path.join(work, table + ".csv")
    with open(path, "w", encoding="utf-8") as f:
        for name, rec in records:
            f.write(name + "\x02" + json.dumps(rec, ensure_ascii=False) + "\n")
    server.psql(f"CREATE TABLE {table} (name text, record jsonb);"
                f"COPY {table} FROM '{path}' WITH (FORMAT csv, DELIMITER e'\\x02', QUOTE e'\\x01');")


def sql_json_rows(server, sql):
    """Rows of (name, json text) from a query returning name and one jsonb/json."""
    out = server.psql("SET search_path = osteoplan, public;\n" + sql, args=("-F", "\x02"))
    rows = {}
    for line in out.splitlines():
        if line:
            name, value = line.split("\x02", 1)
            rows[name] = json.loads(value) if value else None
    return rows


def screen_key(row):
    # name and mrn: present in the command line's rows only when the record has them
    return (row["patient_id"], row["risk"], row["action"], row["first_agent"], tuple(row["gaps"]),
            row.get("name"), row.get("mrn"))


def sql_screen(server, table, as_of, extra=""):
    sql = (f"SET search_path = osteoplan, public;{extra}\n"
           f"SELECT t.name, to_jsonb(s) FROM {table} t, LATERAL osteoplan_screen(t.record, '{as_of}') s ORDER BY t.name;")
    out = server.psql(sql, args=("-F", "\x02"))
    return [(line.split("\x02", 1)[0], screen_key(json.loads(line.split("\x02", 1)[1])))
            for line in out.splitlines() if line]


def wrong(expected, kind):
    """OSTEOPLAN_PG_WRONG=1: every checker gets one wrong expectation (a
    plan's risk, a screen row's gap list, a concurrent session's row count,
    a profile's name), to show that each one fails."""
    if not WRONG:
        return expected
    if kind == "plan":
        e = json.loads(json.dumps(expected))
        e["risk"]["category"] = "low" if e["risk"]["category"] != "low" else "high"
        return e
    if kind == "screen":
        first = expected[0]
        return [(first[0], first[1][:4] + (first[1][4] + ("wrong_gap",),))] + expected[1:]
    if kind == "rows":
        return expected[1:]
    if kind == "count":
        return expected + 1
    return "wrong"


def vignettes(src):
    out = []
    for path in sorted(glob.glob(os.path.join(src, "tests", "vignettes", "*.json"))):
        with open(path, encoding="utf-8") as f:
            out.append((os.path.basename(path)[:-5], json.load(f)["patient"]))
    return out


def check_plans(server, bin_, work, cases):
    for label, date_sql, date_of in (("record's as_of", "(record->>'as_of')::date", lambda r: r.get("as_of", FIXED)),
                                     ("fixed date " + FIXED, f"'{FIXED}'::date", lambda r: FIXED)):
        sql_plans = sql_json_rows(server, f"SELECT name, osteoplan_assess(record, coalesce({date_sql}, '{FIXED}')) FROM vig;")
        bad = []
        for name, rec in cases:
            path = os.path.join(work, name + ".json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(rec, f)
            want = json.loads(cli(bin_, ["assess", "--format", "json", "--as-of", date_of(rec), path]))
            if name == cases[0][0]:
                want = wrong(want, "plan")
            if sql_plans.get(name) != want:
                bad.append(name)
        check(not bad and len(sql_plans) == len(cases),
              f"{len(cases)} vignettes, {label}: osteoplan_assess equals assess --format json" +
              (f" (differ: {bad})" if bad else ""))
    as_json = sql_json_rows(server, f"SELECT name, to_jsonb(osteoplan_assess(record::text::json, '{FIXED}') = "
                                    f"osteoplan_assess(record, '{FIXED}')) FROM vig;")
    check(len(as_json) == len(cases) and all(v == wrong(True, "bool") for v in as_json.values()),
          "the json overload gives the jsonb plans")


def check_screen(server, bin_, work, table, records, label):
    ndjson = "".join(json.dumps(r, ensure_ascii=False) + "\n" for _, r in records)
    lines = cli(bin_, ["screen", "--threads", "2", "--as-of", FIXED, "-"], ndjson).splitlines()
    want = wrong(sorted(zip((n for n, _ in records), (screen_key(json.loads(l)) for l in lines))), "screen")
    got = sql_screen(server, table, FIXED)
    diff = [a for a, b in zip(got, want) if a != b]
    check(len(lines) == len(records) and got == want,
          f"{label}: {len(got)} osteoplan_screen rows equal osteoplan screen's" + (f" (first differing: {diff[:2]})" if diff else ""))
    return got


def check_text_forms(server, table, n):
    """The jsonb argument printed for the engine (pg/osteoplan_pg_jsonb.c)
    reads as the record's text given as json, on every record."""
    out = server.psql(f"SET search_path = osteoplan, public; SELECT count(*) FROM {table} "
                      f"WHERE osteoplan_assess(record, '{FIXED}') = osteoplan_assess(record::text::json, '{FIXED}');")
    same = int(out.strip())
    check(same == wrong(n, "count"), f"{table}: {same} of {n} plans from jsonb equal those from the same text as json")


def check_concurrent(server, table, one):
    """SESSIONS sessions at once over the same table, with parallel workers
    allowed, each gives the rows of one session."""
    extra = ("SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;"
             "SET max_parallel_workers_per_gather = 2;")
    results = [None] * SESSIONS

    def run(i):
        try:
            results[i] = sql_screen(server, table, FIXED, extra)
        except Exception as e:  # noqa: BLE001 - reported as a failed check
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(SESSIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    one = wrong(one, "rows")
    check(all(r == one for r in results), f"{SESSIONS} concurrent sessions (parallel workers allowed) give one session's rows")


def check_profiles(server, bin_, src, work, cases):
    """A copy of kb/ with a second profile, alt (the default's numbers under
    another name and version): the setting switches between them."""
    kb = os.path.join(work, "kb2")
    shutil.copytree(os.path.join(src, "kb"), kb)
    alt = os.path.join(kb, "profiles", "alt")
    shutil.copytree(os.path.join(kb, "profiles", "default"), alt)
    ini = os.path.join(alt, "profile.ini")
    with open(ini, encoding="utf-8") as f:
        text = f.read()
    text = text.replace("profile = default", "profile = alt", 1)
    with open(ini, "w", encoding="utf-8") as f:
        f.write(text)
    name, rec = cases[0]
    path = os.path.join(work, "one.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(rec, f)
    for profile in ("alt", "default", "alt"):
        want = json.loads(cli(bin_, ["assess", "--format", "json", "--kb", kb, "--profile", profile,
                                     "--as-of", FIXED, path]))
        got = sql_json_rows(server, f"SET osteoplan.kb_dir = '{kb}'; SET osteoplan.profile = '{profile}';"
                                    f"SELECT name, osteoplan_assess(record, '{FIXED}') FROM vig WHERE name = '{name}';")
        check(got.get(name) == want and want.get("profile") == wrong(profile, "profile"),
              f"osteoplan.profile = {profile}: the plan of {name} is the command line's with --profile {profile}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    pgtmp.drop_root()
    bin_, src = (os.path.abspath(a) for a in sys.argv[1:3])
    stage = os.path.join(os.path.dirname(bin_), "pg-stage")
    if not os.path.isdir(stage):
        sys.exit(f"{stage}: not there: build the CMake target osteoplan_pg first")
    work = tempfile.mkdtemp(prefix="osteoplan-pgvig-")
    server = pgtmp.Server(work, stage)
    try:
        server.start()
        server.psql("CREATE EXTENSION osteoplan;")
        cases = vignettes(src)
        load_table(server, work, "vig", cases)
        check_plans(server, bin_, work, cases)
        check_screen(server, bin_, work, "vig", cases, "vignettes")
        # who the patient is: the vignettes with a name and identifiers (one MR),
        # so the name and mrn columns are compared too
        named = [(n, dict(r, name=f"Patient {n}", identifiers=[{"system": "urn:example:ssn", "value": "1"},
                                                             {"system": "urn:example:mrn", "value": f"MRN-{i:04d}",
                                                              "type": "MR"}]))
                 for i, (n, r) in enumerate(cases)]
        load_table(server, work, "named", named)
        check_screen(server, bin_, work, "named", named, "named vignettes")
        synth = [json.loads(l) for l in cli(bin_, ["synth", "--count", str(N_SYNTH), "--seed", "16"]).splitlines()]
        records = [(f"s{i:06d}", r) for i, r in enumerate(synth)]
        load_table(server, work, "synth", records)
        one = check_screen(server, bin_, work, "synth", records, f"{N_SYNTH} synthetic records")
        check_concurrent(server, "synth", one)
        check_text_forms(server, "synth", len(records))
        check_profiles(server, bin_, src, work, cases)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(FAILS) == 0 and 'all' or len(FAILS)} {'checks passed' if not FAILS else 'checks failed'}")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
