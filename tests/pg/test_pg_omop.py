#!/usr/bin/env python3
"""OMOP CDM 5.4 through SQL against `osteoplan screen --input omop`, on a
throwaway PostgreSQL 15 instance loading the extension staged next to the
binary (BUILD/pg-stage). The project's OMOP sample (tests/data/omop/
synthea27nj) and its traps (tests/data/omop/traps) are loaded into schemas
(tests/data/omop/cdm54.sql, COPY of the CSV files), then for several dates:

- every person's Bundle from osteoplan_omop_bundle(schema, as_of) equals,
  as parsed JSON, the one screen --input omop builds (tests/omop_bundles,
  the same C code): same resource ids, codings, values, dates, statuses;
- every plan osteoplan_assess_fhir_try(bundle, as_of) equals `osteoplan assess
  --input fhir --format json --as-of` on the command line's Bundle (NULL
  where the command gives no plan: dead by as_of, or born after it);
- osteoplan_omop_screen(schema, as_of) rows equal the lines of `osteoplan
  screen --input omop` (patient_id, risk, action, first_agent, gaps); its
  rows with an error are the persons the command counts as deceased or
  not mapped;
- traps: an alendronate concept id of another vocabulary release read as
  RxNorm 904419; a T-score only in value_source_value; "not done" read as
  no value; a measurement of a person not in person left out.

OSTEOPLAN_PG_WRONG=1 gives every check one wrong expectation: each must fail.

usage: test_pg_omop.py BUILD/osteoplan SRC [OMOP_BUNDLES]
(OMOP_BUNDLES: the omop_bundles program; default BUILD/tests/omop_bundles)
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgtmp  # noqa: E402

FAILS = []
WRONG = os.environ.get("OSTEOPLAN_PG_WRONG") == "1"
TABLES = ["person", "death", "measurement", "observation", "condition_occurrence", "drug_exposure",
          "procedure_occurrence", "concept"]
CASES = [("synthea27nj", "cdm", ["2010-06-01", "2019-01-01", "2022-09-01", "2023-01-01"]),
         ("traps", "traps", ["2024-01-01", "2024-06-01", "2024-06-02"])]


def check(ok, what):
    if WRONG:
        ok = not ok
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILS.append(what)


def load(server, db, data, schema, ddl):
    """The CSV files of data (NAME.csv or upper case) into schema, by their
    header's columns."""
    sql = [f"CREATE SCHEMA {schema}; SET search_path = {schema};", ddl]
    for t in TABLES:
        for name in (t + ".csv", t.upper() + ".csv"):
            path = os.path.join(data, name)
            if os.path.exists(path):
                with open(path, newline="", encoding="utf-8-sig") as f:
                    cols = next(csv.reader(f))
                sql.append(f"COPY {t} ({', '.join(cols)}) FROM '{path}' WITH (FORMAT csv, HEADER true);")
                break
    server.psql("\n".join(sql), db=db)


def sql_rows(server, db, sql):
    out = server.psql("SET search_path = osteoplan, public;\n" + sql, db=db, args=("-F", "\x02"))
    return [line.split("\x02") for line in out.splitlines() if line]


def cli_bundles(tool, data, as_of):
    r = subprocess.run([tool, data, as_of], capture_output=True, text=True, check=True)
    return {b["entry"][0]["resource"]["id"]: b for b in map(json.loads, r.stdout.splitlines())}


def cli_plan(bin_, bundle, as_of, work):
    path = os.path.join(work, "bundle.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(bundle, f)
    r = subprocess.run([bin_, "assess", "--input", "fhir", "--format", "json", "--as-of", as_of, path],
                       capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else None  # dead by as_of (3), not mapped (2)


def cli_screen(bin_, data, as_of):
    r = subprocess.run([bin_, "screen", "--input", "omop", "--threads", "1", "--as-of", as_of, data],
                       capture_output=True, text=True, check=True)
    rows = {}
    for d in map(json.loads, r.stdout.splitlines()):
        rows[d["patient_id"]] = (d["risk"], d["action"], d["first_agent"] or "", tuple(d["gaps"]))
    summary = [line for line in r.stderr.splitlines() if "OMOP:" in line][0]
    return rows, summary


def pg_array(text):
    return tuple(x for x in text.strip("{}").split(",") if x)


def one_date(server, db, bin_, tool, data, schema, as_of, work):
    what = f"{os.path.basename(data)} {as_of}"
    want = cli_bundles(tool, data, as_of)
    got = {pid: json.loads(b) for pid, b in
           sql_rows(server, db, f"SELECT person_id, bundle FROM osteoplan_omop_bundle('{schema}', '{as_of}');")}
    diff = [p for p in want if got.get(p) != want[p]]
    check(set(got) == set(want) and not diff, f"{what}: {len(want)} Bundles from SQL equal the command line's"
          + (f" (differ: {diff[:5]})" if diff else ""))
    plans = {pid: (json.loads(p) if p else None) for pid, p in
             sql_rows(server, db, f"SELECT b.person_id, (osteoplan_assess_fhir_try(b.bundle, '{as_of}')).plan "
                                  f"FROM osteoplan_omop_bundle('{schema}', '{as_of}') b;")}
    bad = [p for p in want if plans.get(p) != cli_plan(bin_, want[p], as_of, work)]
    check(not bad, f"{what}: every plan through SQL equals assess --input fhir on the command line's Bundle"
          + (f" (differ: {bad[:5]})" if bad else ""))
    cli, summary = cli_screen(bin_, data, as_of)
    rows = sql_rows(server, db, "SELECT person_id, risk, action, coalesce(first_agent, ''), gaps, coalesce(error, '') "
                                f"FROM osteoplan_omop_screen('{schema}', '{as_of}');")
    sql = {r[0]: (r[1], r[2], r[3], pg_array(r[4])) for r in rows if not r[5]}
    errors = sum(1 for r in rows if r[5])
    check(sql == cli, f"{what}: {len(cli)} screen rows through SQL equal screen --input omop")
    dead = int(summary.split(" deceased")[0].rsplit(" ", 1)[1])
    unmapped = int(summary.split(" not mapped")[0].rsplit(" ", 1)[1])
    check(errors == dead + unmapped, f"{what}: {errors} rows with an error = {dead} deceased + {unmapped} not mapped")
    return got


def traps(bundles):
    p1 = {e["resource"]["id"]: e["resource"] for e in bundles["1"]["entry"]}
    drug = p1.get("drug_exposure-1", {}).get("medicationCodeableConcept", {}).get("coding", [{}])[0]
    check(drug.get("code") == "904419" and drug.get("system", "").endswith("rxnorm"),
          f"traps: concept 40173592 read as RxNorm 904419: {drug}")
    check(p1.get("measurement-1", {}).get("valueQuantity", {}).get("value") == -2.8,
          "traps: the T-score only in value_source_value is the value")
    ids = [e["resource"]["id"] for b in bundles.values() for e in b["entry"]]
    notdone = [e["resource"] for b in bundles.values() for e in b["entry"]
               if "valueQuantity" not in e["resource"] and e["resource"]["resourceType"] == "Observation"]
    check(len(notdone) == 1, f"traps: 'not done' gives an Observation without a value: {notdone}")
    check("measurement-3" not in ids and "measurement-4" in ids and "99" not in bundles,
          f"traps: the row of person 99 (measurement 3; not in person) is left out: {sorted(ids)}")


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    pgtmp.drop_root()
    bin_, src = (os.path.abspath(a) for a in sys.argv[1:3])
    build = os.path.dirname(bin_)
    tool = os.path.abspath(sys.argv[3]) if len(sys.argv) == 4 else os.path.join(build, "tests", "omop_bundles")
    if not os.path.exists(tool):
        sys.exit(f"{tool}: not there (CMake target omop_bundles)")
    stage = os.path.join(build, "pg-stage")
    with open(os.path.join(src, "tests", "data", "omop", "cdm54.sql"), encoding="utf-8") as f:
        ddl = f.read()
    work = tempfile.mkdtemp(prefix="osteoplan-omop-")
    server = pgtmp.Server(work, stage)
    try:
        server.start()
        server.psql("CREATE DATABASE omop;")
        server.psql("CREATE EXTENSION osteoplan;", db="omop")
        for name, schema, dates in CASES:
            data = os.path.join(src, "tests", "data", "omop", name)
            load(server, "omop", data, schema, ddl)
            for as_of in dates:
                got = one_date(server, "omop", bin_, tool, data, schema, as_of, work)
            if name == "traps":
                traps(got)
    finally:
        server.stop()
        subprocess.run(["rm", "-rf", work])
    print(f"{len(FAILS)} checks failed" if FAILS else "all checks passed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
