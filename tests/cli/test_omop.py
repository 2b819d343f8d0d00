#!/usr/bin/env python3
"""`screen --input omop DIR`: OMOP CDM 5.4 tables as CSV files.

The Synthea27Nj sample (tests/data/omop/synthea27nj: its person, death,
measurement, observation, condition_occurrence, drug_exposure and
procedure_occurrence tables as shipped, and concept.csv cut down to the
concepts those rows reference), the sample's traps by hand
(tests/data/omop/traps) and damaged files (tests/data/omop/bad/CASE: files
laid over a copy of traps), which must fail naming the file and line with
no results at all.

usage: test_omop.py OSTEOPLAN
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from checks import check, failures  # noqa: E402

BIN = sys.argv[1]
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "omop")
SAMPLE = os.path.join(DATA, "synthea27nj")
TRAPS = os.path.join(DATA, "traps")


def screen(path, as_of, extra=()):
    args = [BIN, "screen", "--input", "omop", "--threads", "1", *extra]
    if as_of:
        args += ["--as-of", as_of]
    return subprocess.run(args + [path], capture_output=True, text=True)


def lines(r):
    return {d["patient_id"]: d for d in map(json.loads, r.stdout.splitlines())}


def sample():
    # 2019-01-01: the man (person 7, born 1938) is alive (he dies 2019-05-28),
    # with a closed hip fracture (2010: SNOMED CT 359817006, which the FHIR
    # tables do not know yet, so it is only noted), osteoporosis on the problem list and
    # a DXA T-score of -2.7 read from value_source_value (2018-08-14), and a
    # one-day alendronate exposure (2018-08-14, by RxNorm 904419 whose id
    # here is 40173590).
    r = screen(SAMPLE, "2019-01-01")
    check(r.returncode == 0, f"sample 2019: exit {r.returncode}: {r.stderr}")
    p = lines(r)
    m = p.get("7", {})
    check(m.get("risk") == "very_high", f"person 7 risk: {m}")
    check(m.get("action") == "start", f"person 7 action: {m}")
    check("untreated_high_risk" in m.get("gaps", []), f"person 7 gaps: {m}")
    # his hip fracture (SNOMED CT 359817006, a row of kb/common/fhir.ini)
    check("untreated_after_fracture" in m.get("gaps", []), f"person 7 hip fracture read: {m}")
    check("11" not in p and "23" not in p, "persons 11 and 23 died before 2019: no plan")
    check("28 persons, 2 deceased (no plan), 2 not mapped" in r.stderr, f"sample 2019 summary: {r.stderr}")
    check("person 15: not mapped: birth_date" in r.stderr, "person 15, born after as_of, reported")
    # people with no bone data: a young man out of scope, a woman of 50 with
    # nothing to act on
    check(p.get("1", {}).get("action") == "out_of_scope", f"person 1: {p.get('1')}")
    check(p.get("8", {}).get("action") == "no_drug_therapy" and p["8"].get("risk") == "unknown", f"person 8: {p.get('8')}")
    # the woman (person 20, born 1953): before her forearm fracture and DXA
    # (2022-09-14) a density test is due; after, the T-score -0.3 is read
    r = screen(SAMPLE, "2022-09-01")
    w = lines(r).get("20", {})
    check(w.get("action") == "assess" and "bone_density_test_needed" in w.get("gaps", []), f"person 20 before: {w}")
    r = screen(SAMPLE, "2023-01-01")
    p = lines(r)
    w = p.get("20", {})
    check(w.get("risk") == "low" and w.get("action") == "no_drug_therapy", f"person 20 after: {w}")
    check("7" not in p, "person 7 dead by 2023: no plan")
    check("28 persons, 3 deceased (no plan), 0 not mapped, 21144 rows read, 0 rows of persons not in" in r.stderr,
          f"sample 2023 summary: {r.stderr}")


def traps():
    # person 1: T-score only in value_source_value, alendronate under another
    # vocabulary version's concept id (40173592 -> RxNorm 904419); CRLF
    # person.csv, a quoted concept_name with a comma and doubled quotes.
    # person 2: T-score dated after as_of (skipped), death after as_of (a plan).
    # person 3: dead before as_of. measurement row of person 99: not used.
    r = screen(TRAPS, "2024-01-01")
    check(r.returncode == 0, f"traps: exit {r.returncode}: {r.stderr}")
    p = lines(r)
    a = p.get("1", {})
    check(a.get("risk") == "high" and a.get("action") == "continue" and a.get("first_agent") == "alendronate",
          f"traps person 1: {a}")
    b = p.get("2", {})
    check(b.get("action") == "assess" and "bone_density_test_needed" in b.get("gaps", []), f"traps person 2: {b}")
    check("3" not in p, "traps person 3 died in 2020: no plan")
    check("3 persons, 1 deceased (no plan), 0 not mapped, 7 rows read, 1 rows of persons not in person.csv" in r.stderr,
          f"traps summary: {r.stderr}")
    r = screen(TRAPS, None)
    check(r.returncode == 2 and "--as-of" in r.stderr, f"no --as-of: {r.returncode} {r.stderr}")
    r = screen(os.path.join(DATA, "no-such-dir"), "2024-01-01")
    check(r.returncode != 0 and "person.csv" in r.stderr and not r.stdout, f"no tables: {r.returncode} {r.stderr}")


BAD = {
    "cut": "person.csv:3: the last line has no line end",
    "quote": "concept.csv:3: a quote inside an unquoted field",
    "column": "measurement.csv:1: unknown column 't_score_site'",
    "fields": "drug_exposure.csv:3: the file ends inside a quoted field",
}


def bad():
    for case, want in BAD.items():
        with tempfile.TemporaryDirectory() as tmp:
            d = os.path.join(tmp, "db")
            shutil.copytree(TRAPS, d)
            src = os.path.join(DATA, "bad", case)
            for f in os.listdir(src):
                shutil.copy(os.path.join(src, f), d)
            r = screen(d, "2024-01-01")
            check(r.returncode == 1, f"bad {case}: exit {r.returncode}")
            check(want in r.stderr, f"bad {case}: expected '{want}' in: {r.stderr}")
            check(r.stdout == "", f"bad {case}: results written: {r.stdout[:200]}")


def kb_tables():
    # The vocabulary table is knowledge-base data (kb/common/omop.ini): a
    # copy without the LOINC row leaves person 1's T-score (LOINC 38265-5)
    # unread, so her risk is no longer high; a row citing an unknown source
    # is refused, naming omop.ini.
    kb = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "kb")
    with tempfile.TemporaryDirectory() as tmp:
        d = os.path.join(tmp, "kb")
        shutil.copytree(kb, d)
        ini = os.path.join(d, "common", "omop.ini")
        text = open(ini, encoding="utf-8").read()
        with open(ini, "w", encoding="utf-8") as f:
            f.write(text.replace("LOINC = http", "NotLOINC = http"))
        a = lines(screen(TRAPS, "2024-01-01", ["--kb", d])).get("1", {})
        check(a.get("risk") not in (None, "high"), f"kb without the LOINC row: the T-score is not read: {a}")
        with open(ini, "w", encoding="utf-8") as f:
            f.write(text.replace("| vocab, fhirterm", "| vocab, nosuch", 1))
        r = screen(TRAPS, "2024-01-01", ["--kb", d])
        check(r.returncode != 0 and "omop.ini" in r.stderr and "nosuch" in r.stderr,
              f"kb with an unknown source: refused naming omop.ini: {r.returncode} {r.stderr}")


def main():
    sample()
    traps()
    bad()
    kb_tables()
    if failures:
        print(f"{len(failures)} checks failed")
        return 1
    print("test_omop: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
