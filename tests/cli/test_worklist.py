#!/usr/bin/python3
"""osteoplan worklist: the rows, their order, the CSV, XLSX and write errors.

    /usr/bin/python3 test_worklist.py OSTEOPLAN KB_DIR [FHIR_EXPORT OMOP_DIR]

Run with Debian's python3 (it has openpyxl). The expected rows are made here,
independently of the C code: `osteoplan screen` gives each patient's codes,
the knowledge base's INI files give the words and the urgency order, and the
worklist's CSV and XLSX must say exactly that, in that order.
"""
import configparser
import csv
import io
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import datetime

import openpyxl

BIN, KB = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
FHIR = sys.argv[3] if len(sys.argv) > 3 else None
OMOP = sys.argv[4] if len(sys.argv) > 4 else None
failures = 0
checks = 0


def check(ok, what):
    global failures, checks
    checks += 1
    if not ok:
        failures += 1
        print("FAIL:", what)


def run(args, **kw):
    return subprocess.run([BIN] + args, capture_output=True, **kw)


def ini(path):
    c = configparser.ConfigParser(interpolation=None, comment_prefixes=("#", ";"), inline_comment_prefixes=None,
                                  strict=False)
    c.optionxform = str
    with open(path, encoding="utf-8") as f:
        c.read_file(f)
    return c


texts = ini(os.path.join(KB, "common", "texts.ini"))
gaps_ini = ini(os.path.join(KB, "profiles", "default", "gaps.ini"))
agents = ini(os.path.join(KB, "common", "agents.ini"))
GAP_CODES = [s[4:] for s in gaps_ini.sections() if s.startswith("gap.")]
GAP_WORDS = {g: gaps_ini["gap." + g]["clinician"] for g in GAP_CODES}
URGENCY = [x.strip() for x in gaps_ini["worklist"]["urgency"].split(",")]
RANK = {g: i for i, g in enumerate(URGENCY)}
WL = {s[9:]: texts[s]["clinician"] for s in texts.sections() if s.startswith("worklist.")}
HEADER = [WL[k] for k in ("patient_id", "name", "mrn", "age", "sex", "risk", "action", "first_agent", "next_due",
                          "gaps", "reason")]


def agent_name(code):
    return agents["agent." + code]["name"] if code else ""


def expected(records_path, extra=()):
    """The listed patients from screen's codes: {id: (risk words, action words, agent, gap words, rank)}."""
    p = run(["screen", "--threads", "2"] + list(extra) + [records_path])
    exp = {}
    import json
    for line in p.stdout.decode().splitlines():
        o = json.loads(line)
        if o["action"] == "out_of_scope" or not o["gaps"]:
            continue
        gaps = sorted(o["gaps"], key=lambda g: RANK[g])
        exp[o["patient_id"]] = (texts["risk." + o["risk"]]["clinician"], texts["action." + o["action"]]["clinician"],
                                agent_name(o.get("first_agent")),
                                (WL["gaps_join"] + " ").join(GAP_WORDS[g] for g in gaps), RANK[gaps[0]])
    return exp


def read_csv(path):
    raw = open(path, "rb").read()
    check(raw.startswith(b"\xef\xbb\xbf"), "CSV starts with a UTF-8 BOM")
    body = raw[3:]
    check(b"\r\n" in body and b"\n" not in body.replace(b"\r\n", b""), "CSV lines end in CRLF (no bare LF)")
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


def test_rows(tmp, records):
    out = os.path.join(tmp, "w.csv")
    p = run(["worklist", "--threads", "3", "-o", out, records])
    check(p.returncode == 0, f"worklist exits 0 ({p.returncode}: {p.stderr.decode()[-300:]})")
    rows = read_csv(out)
    check(rows[0] == HEADER, f"CSV header is the kb's words: {rows[0]}")
    body = rows[1:]
    exp = expected(records)
    got_ids = [r[0] for r in body]
    check(sorted(got_ids) == sorted(exp), f"listed = screen's in-scope patients with a gap ({len(got_ids)} vs {len(exp)})")
    for r in body:
        e = exp.get(r[0])
        if not e:
            continue
        check((r[5], r[6], r[7], r[9]) == e[:4], f"row {r[0]}: {r[5:10]} != {e[:4]}")
    keys = [(exp[r[0]][4], r[8] or "9999", r[0]) for r in body if r[0] in exp]
    check(keys == sorted(keys), "rows ordered by urgency, next due date, patient id")
    check(all(len(r[8]) in (0, 10) and (not r[8] or r[8][4] == "-") for r in body), "dates are YYYY-MM-DD")
    check(all(r[10] and "\n" not in r[10] for r in body), "every row has its one-line reason")
    # the counts screen reports on standard error, for the listed patients
    import re
    m = re.search(rb"(\d+) listed, (\d+) not listed", p.stderr)
    check(m and int(m.group(1)) == len(body), "the summary's listed count is the number of rows")
    one = run(["worklist", "--threads", "1", records]).stdout
    check(one == open(out, "rb").read() and run(["worklist", "--threads", "5", records]).stdout == one,
          "the same bytes whatever the number of threads")
    # bad lines reported as screen reports them
    e1, e2 = os.path.join(tmp, "e1"), os.path.join(tmp, "e2")
    run(["worklist", "--threads", "4", "--errors", e1, "-o", os.path.join(tmp, "x.csv"), records])
    run(["screen", "--errors", e2, records])
    a, b = open(e1).read(), open(e2).read()
    check(a == b and a.count("\n") > 5, "bad lines reported as screen reports them, in line order")
    return out, body


def test_xlsx(tmp, records, body):
    out = os.path.join(tmp, "w.xlsx")
    p = run(["worklist", "--format", "xlsx", "-o", out, records])
    check(p.returncode == 0, f"xlsx exits 0 ({p.stderr.decode()[-300:]})")
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    check(ws.freeze_panes == "A2", f"header row frozen ({ws.freeze_panes})")
    check(ws.auto_filter.ref == f"A1:K{len(body) + 1}", f"autofilter over the table ({ws.auto_filter.ref})")
    check(all((ws.column_dimensions[c].width or 0) > 5 for c in "ABCDEFGHIJK"), "column widths set")
    vals = list(ws.iter_rows(values_only=True))
    check(list(vals[0]) == HEADER, "XLSX header")
    dates_ok = True
    for r, x in zip(body, vals[1:]):
        due = x[8]
        if r[8]:
            dates_ok &= isinstance(due, datetime.datetime) and due.strftime("%Y-%m-%d") == r[8]
        want = [r[0], r[1] or None, r[2] or None, int(r[3]) if r[3] else None, r[4] or None, r[5], r[6], r[7] or None,
                None, r[9], r[10]]
        got = list(x)
        got[8] = None
        if got != want:
            check(False, f"XLSX row equals the CSV's: {got} != {want}")
            break
    check(len(vals) - 1 == len(body), "XLSX has the CSV's rows")
    check(dates_ok, "next due is a real Excel date, equal to the CSV's")
    cell = ws.cell(row=2, column=9)
    check(not body[0][8] or "yy" in cell.number_format, f"the date has a date format ({cell.number_format})")


HOSTILE = ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", 'a,"b"\r\nc', "<b>x</b>"]


NAMES = [("=HYPERLINK(\"http://x\",\"y\")", "+0012345"), ("Zoë Ünïcödé, Jr.", "0012345"),
         ("<script>alert(1)</script>", "@MR-1"), ('O"Brien', "-7")]


def test_hostile(tmp, base_record):
    import json
    path = os.path.join(tmp, "hostile.ndjson")
    with open(path, "w") as f:
        for i, h in enumerate(HOSTILE):
            o = dict(base_record, id=h)
            if i < len(NAMES):
                o["name"] = NAMES[i][0]
                o["identifiers"] = [{"system": "urn:oid:1.2.3", "value": NAMES[i][1], "type": "MR"}]
            f.write(json.dumps(o) + "\n")
        # a bad line that carries a name and an MRN: neither may be in the report
        f.write(json.dumps(dict(base_record, id="bad-1", name="Secret Person", sxe="x",
                                identifiers=[{"system": "urn:x", "value": "MRN-SECRET", "type": "MR"}])) + "\n")
    out = os.path.join(tmp, "h.csv")
    p = run(["worklist", "-o", out, path])
    check(p.returncode == 0, f"hostile ids: exit 0 ({p.stderr.decode()[-300:]})")
    check(b"Secret" not in p.stderr and b"MRN-SECRET" not in p.stderr and b"line 8:" in p.stderr,
          "a bad line is reported without its name or MRN")
    for n, m in NAMES:
        check(n.encode() not in p.stderr and m.encode() not in p.stderr, "names and MRNs never on stderr")
    rows = read_csv(out)[1:]
    safe = lambda h: "'" + h if h[0] in "=+-@\t\r" else h
    ids = sorted(r[0] for r in rows)
    want = sorted(safe(h) for h in HOSTILE)
    check(ids == want, f"formula cells get a leading ' and quoting keeps commas, quotes, CR LF: {ids} != {want}")
    got_names = sorted((r[1], r[2]) for r in rows if r[1])
    check(got_names == sorted((safe(n), safe(m)) for n, m in NAMES), f"names and MRNs, formula-safe: {got_names}")
    xl = os.path.join(tmp, "h.xlsx")
    run(["worklist", "--format", "xlsx", "-o", xl, path])
    ws = openpyxl.load_workbook(xl).active
    cells = [ws.cell(row=r, column=1) for r in range(2, ws.max_row + 1)]
    # a CR is stored as the OOXML escape _x000D_, which Excel reads back as CR (openpyxl does not decode it)
    check(sorted(c.value.replace("_x000D_", "\r") for c in cells) == sorted(HOSTILE) and all(c.data_type == "s" for c in cells),
          "XLSX keeps hostile ids as text, never formulas")
    nm = sorted((ws.cell(row=r, column=2).value, ws.cell(row=r, column=3).value) for r in range(2, ws.max_row + 1)
                if ws.cell(row=r, column=2).value)
    check(nm == sorted(NAMES), f"XLSX names and MRNs as text (leading zeros kept, no formulas): {nm}")


def test_write_errors(tmp, records):
    p = subprocess.run([BIN, "worklist", records], stdout=open("/dev/full", "w"), stderr=subprocess.PIPE)
    check(p.returncode == 1 and b"cannot write standard output" in p.stderr, f"stdout on /dev/full: 1 and a message ({p.returncode})")
    for fmt in ("csv", "html", "xlsx"):
        p = run(["worklist", "--format", fmt, "-o", "/dev/full", records])
        check(p.returncode == 1 and b"cannot write /dev/full" in p.stderr, f"-o /dev/full ({fmt}): 1 and a message")
    # a disk that fills part way: the file size limit stops the writes
    d = os.path.join(tmp, "full")
    os.mkdir(d)
    target = os.path.join(d, "out")
    with open(target, "w") as f:
        f.write("previous\n")

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))

    for fmt in ("csv", "html", "xlsx"):
        p = subprocess.run([BIN, "worklist", "--format", fmt, "-o", target, records], capture_output=True, preexec_fn=limit)
        check(p.returncode == 1 and b"nothing was left" in p.stderr, f"{fmt} cut short: exit 1 and a message ({p.returncode} {p.stderr[-200:]})")
        check(open(target, "rb").read() == b"previous\n", f"{fmt} cut short: the previous file is intact")
        check(sorted(os.listdir(d)) == ["out"], f"{fmt} cut short: no temporary file left ({os.listdir(d)})")
    p = run(["worklist", "-o", os.path.join(tmp, "no", "such", "dir.csv"), records])
    check(p.returncode == 1, "a folder that does not exist: exit 1")
    p = run(["worklist", "--format", "xlsx", records])
    check(p.returncode == 2, "xlsx without -o: a usage error")


def test_kb_urgency(tmp, records):
    k = os.path.join(tmp, "kb")
    shutil.copytree(KB, k)
    g = os.path.join(k, "profiles", "default", "gaps.ini")
    s = open(g).read()
    open(g, "w").write(s.replace("urgency = unsafe_current_drug, ", "urgency = "))
    p = run(["worklist", "--kb", k, records])
    check(p.returncode == 2 and b"unsafe_current_drug' has no rank" in p.stderr, "a gap left out of the urgency order: kb rejected")
    open(g, "w").write(s.replace("urgency = unsafe_current_drug, ", "urgency = unsafe_current_drug, unsafe_current_drug, "))
    p = run(["worklist", "--kb", k, records])
    check(p.returncode == 2 and b"named twice" in p.stderr, "a gap ranked twice: kb rejected")


def test_inputs(tmp):
    if FHIR:
        p = run(["worklist", "--input", "fhir", "--as-of", "2026-06-01", "-o", os.path.join(tmp, "f.csv"), FHIR])
        q = run(["screen", "--input", "fhir", "--as-of", "2026-06-01", "--gaps-only", FHIR])
        import json
        want = sorted(json.loads(l)["patient_id"] for l in q.stdout.decode().splitlines()
                      if json.loads(l)["action"] != "out_of_scope")
        got = sorted(r[0] for r in read_csv(os.path.join(tmp, "f.csv"))[1:]) if p.returncode == 0 else None
        check(got == want, f"--input fhir lists screen's patients ({p.returncode})")
    if OMOP:
        p = run(["worklist", "--input", "omop", "--as-of", "2026-06-01", "-o", os.path.join(tmp, "o.csv"), OMOP])
        check(p.returncode == 0, f"--input omop exits 0 ({p.stderr.decode()[-200:]})")
    p = run(["worklist", "--input", "omop", "x"])
    check(p.returncode == 2, "--input omop without --as-of: usage error")


def main():
    tmp = tempfile.mkdtemp(prefix="osteo-worklist-")
    try:
        records = os.path.join(tmp, "r.ndjson")
        with open(records, "wb") as f:
            f.write(run(["synth", "--count", "3000", "--seed", "17", "--bad-rate", "0.01"]).stdout)
        out, body = test_rows(tmp, records)
        test_xlsx(tmp, records, body)
        import json
        first = next(json.loads(l) for l in open(records) if l.startswith("{") and json.loads(l).get("id") == body[0][0])
        test_hostile(tmp, first)
        test_write_errors(tmp, records)
        test_kb_urgency(tmp, records)
        test_inputs(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{checks - failures}/{checks} checks passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
