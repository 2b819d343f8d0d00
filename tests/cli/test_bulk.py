#!/usr/bin/env python3
"""screen over large and damaged input, through the real binary:
- a gzip file cut anywhere (header, data, trailer), with a bad checksum or
  length, garbage after the header or after a member, is an error naming the
  file and how far reading got, in NDJSON record input (file and pipe) and in
  FHIR Bulk Data files; a stream of several gzip members reads whole;
- screen --input fhir groups an export by patient through temporary files:
  the output is the same for any memory target (down to buckets split again
  and again), in the order of the Patient resources, every patient with his
  own data only, and peak memory does not grow with the export;
- temporary space that cannot be created or written is an error.

usage: test_bulk.py OSTEOPLAN [sanitize|valgrind]   (memory figures are
checked only without a sanitizer, which keeps freed memory on purpose)
"""
import gzip
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from checks import check, failures  # noqa: E402

BIN = sys.argv[1]
INSTRUMENTED = len(sys.argv) > 2 and sys.argv[2] in ("sanitize", "valgrind")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SYNTHEA = os.path.join(ROOT, "tests", "data", "fhir", "synthea-bulk-10")
AS_OF = "2026-11-01"
TMP = tempfile.mkdtemp(prefix="osteoplan-test-bulk-")
UUID = re.compile(rb"[0-9a-f]{8}(-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


def run(args, data=None, env=None, preexec=None):
    """(exit status, stdout, stderr) of one run."""
    e = dict(os.environ, **(env or {}))
    p = subprocess.run([BIN, *args], input=data, capture_output=True, env=e, preexec_fn=preexec, timeout=300)
    return p.returncode, p.stdout.decode(), p.stderr.decode(), 0


def peak_mib(args, env=None):
    """Exit status and the peak resident size that screen reports. The binary
    runs as the child of a shell that is not replaced by it: a process's peak
    counts the memory of the process it was exec'd from, and this one's
    parent (Python) is larger than what is measured."""
    e = dict(os.environ, **(env or {}))
    p = subprocess.run(["sh", "-c", '"$0" "$@"; exit $?', BIN, *args], capture_output=True, env=e, timeout=300)
    m = re.search(r"memory: peak resident ([0-9.]+) MiB", p.stderr.decode())
    return p.returncode, p.stdout.decode(), p.stderr.decode(), float(m.group(1)) if m else 0.0


def gz(data, mtime=0):
    return gzip.compress(data, mtime=mtime)


def cut_offsets(n):
    """The header byte by byte, some 60 places in the data, the last 24 bytes
    (the end of the deflate data and the 8-byte trailer) byte by byte."""
    step = max(1, (n - 60) // 60)
    return sorted(set(list(range(0, 30)) + list(range(30, n - 24, step)) + list(range(n - 24, n))))


def test_gzip_records():
    synth = subprocess.run([BIN, "synth", "--count", "400", "--seed", "5"], capture_output=True).stdout
    whole = gz(synth)
    path = os.path.join(TMP, "records.ndjson.gz")
    open(path, "wb").write(whole)
    rc, good, err, _ = run(["screen", "--threads", "2", path])
    check(rc == 0 and len(good.splitlines()) == 400, "whole gzip file: 400 lines (%s)" % err[-200:])
    bad = []
    for off in cut_offsets(len(whole)):
        p = os.path.join(TMP, "cut-%d.ndjson.gz" % off)
        open(p, "wb").write(whole[:off])
        rc, out, err, _ = run(["screen", "--threads", "2", p])
        if rc == 0 or p not in err or "gzip" not in err or "line" not in err:
            bad.append((off, rc, err[:160]))
        os.unlink(p)
    check(not bad, "every cut of a gzip file fails naming it and the line reached: %s" % bad[:5])
    # the same through a pipe, a few places (header, data, trailer)
    for off in (1, 15, len(whole) // 2, len(whole) - 5):
        rc, out, err, _ = run(["screen", "-"], whole[:off])
        check(rc != 0 and "standard input" in err and "gzip" in err, "gzip cut at %d on a pipe: an error" % off)
    rc, out, err, _ = run(["screen", "-"], whole[:len(whole) // 2])
    m = re.search(r"after line (\d+)", err)
    check(m and 0 < int(m.group(1)) < 400 and out.splitlines() == good.splitlines()[:int(m.group(1))],
          "a cut gzip file: how far it got is said, the lines before it were screened (%s)" % err[:200])
    # corrupt rather than cut
    crc = bytearray(whole)
    crc[-8] ^= 0x01
    size = bytearray(whole)
    size[-2] ^= 0x01
    data = bytearray(whole)
    data[len(whole) // 2] ^= 0xff
    cases = {"bad CRC-32": bytes(crc), "bad length": bytes(size), "flipped data byte": bytes(data),
             "garbage after the header": whole[:10] + bytes(random.Random(1).randrange(256) for _ in range(4000)),
             "garbage after a member": whole + b"garbage\n", "half a second member": whole + whole[:1],
             "gzip magic alone": b"\x1f", "empty .gz": b""}
    for what, blob in cases.items():
        p = os.path.join(TMP, "corrupt.ndjson.gz")
        open(p, "wb").write(blob)
        rc, out, err, _ = run(["screen", p])
        check(rc != 0 and p in err and "gzip" in err, "%s: an error naming the file (rc=%d %s)" % (what, rc, err[:160]))
    # several members are one stream (gzip allows it, cat a.gz b.gz makes it)
    half = len(synth) // 2
    nl = synth.index(b"\n", half) + 1
    p = os.path.join(TMP, "members.ndjson.gz")
    open(p, "wb").write(gz(synth[:nl]) + gz(synth[nl:]) + gz(b""))
    rc, out, err, _ = run(["screen", "--threads", "2", p])
    check(rc == 0 and out == good, "three gzip members read as one stream (%s)" % err[-200:])
    rc, out, err, _ = run(["screen", "-"], open(p, "rb").read())
    check(rc == 0 and out == good, "three gzip members on a pipe")


def test_gzip_fhir():
    d = os.path.join(TMP, "export-gz")
    os.makedirs(d)
    for name in os.listdir(SYNTHEA):
        if name.endswith(".ndjson") and name != "log.ndjson":
            open(os.path.join(d, name + ".gz"), "wb").write(gz(open(os.path.join(SYNTHEA, name), "rb").read()))
    rc, want, err, _ = run(["screen", "--input", "fhir", "--as-of", AS_OF, SYNTHEA])
    rc2, got, err2, _ = run(["screen", "--input", "fhir", "--as-of", AS_OF, d])
    check(rc == 0 and rc2 == 0 and got == want and len(want.splitlines()) == 10, "gzip export = plain export")
    target = os.path.join(d, "Condition.000.ndjson.gz")
    whole = open(target, "rb").read()
    bad = []
    for off in cut_offsets(len(whole))[::3] + [len(whole) - 1, len(whole) - 4, len(whole) - 8]:
        open(target, "wb").write(whole[:off])
        rc, out, err, _ = run(["screen", "--input", "fhir", "--as-of", AS_OF, d])
        if rc == 0 or target not in err or "gzip" not in err or out:
            bad.append((off, rc, err[:160]))
    check(not bad, "every cut of an export's gzip file fails, naming it, nothing planned: %s" % bad[:5])
    mid = whole[:len(whole) // 2]
    open(target, "wb").write(mid)
    rc, out, err, _ = run(["screen", "--input", "fhir", "--as-of", AS_OF, d])
    check(re.search(r"Condition\.000\.ndjson\.gz: truncated gzip: .* after \d+ bytes, \d+ lines read", err),
          "the message says how far the file was read (%s)" % err[:200])
    plain = open(os.path.join(SYNTHEA, "Condition.000.ndjson"), "rb").read()
    nl = plain.index(b"\n", len(plain) // 2) + 1
    open(target, "wb").write(gz(plain[:nl]) + gz(plain[nl:]))
    rc, out, err, _ = run(["screen", "--input", "fhir", "--as-of", AS_OF, d])
    check(rc == 0 and out == want, "an export file of two gzip members reads whole")


def make_export(copies, seed=7):
    """copies of the Synthea export under new ids (first 8 hex digits of every
    UUID), the Patient lines of all copies shuffled."""
    d = os.path.join(TMP, "export-%d" % copies)
    os.makedirs(d, exist_ok=True)
    for name in sorted(os.listdir(SYNTHEA)):
        if not name.endswith(".ndjson") or name == "log.ndjson":
            continue
        data = open(os.path.join(SYNTHEA, name), "rb").read()
        lines = []
        for k in range(copies):
            prefix = b"%08x" % (0x0a000000 + k)
            lines += UUID.sub(lambda m: prefix + m.group(1), data).splitlines(keepends=True)
        if name.startswith("Patient"):
            random.Random(seed).shuffle(lines)
        open(os.path.join(d, name), "wb").write(b"".join(lines))
    return d


def test_grouping():
    rc, base, err, _ = run(["screen", "--input", "fhir", "--as-of", AS_OF, SYNTHEA])
    def rest(line):  # the row but the copy's own ids (patient_id; the MRN is the id in Synthea)
        return {k: v for k, v in json.loads(line).items() if k not in ("patient_id", "mrn")}
    want = {json.loads(x)["patient_id"][8:]: rest(x) for x in base.splitlines()}
    d = make_export(6)
    patient_order = [json.loads(x)["id"] for x in open(os.path.join(d, "Patient.000.ndjson"))]
    outs = {}
    for target in (None, "65536", "2000", "1"):
        env = {"OSTEOPLAN_FHIR_BUCKET_BYTES": target} if target else {}
        rc, out, err, _ = run(["screen", "--input", "fhir", "--as-of", AS_OF, "--threads", "2", d], env=env)
        outs[target] = out
        check(rc == 0 and "78 patients, 18 deceased" in err and "memory: peak resident" in err and
              "temporary files:" in err, "export of 6 copies, memory target %s: read whole (%s)" % (target, err[-400:]))
    check(all(o == outs[None] for o in outs.values()), "the same output for every memory target")
    lines = outs[None].splitlines()
    ids = [json.loads(x)["patient_id"] for x in lines]
    check(len(ids) == 60 and ids == [p for p in patient_order if p in set(ids)],
          "output in the order of the Patient resources of the export")
    mixed = [x for x in lines if want.get(json.loads(x)["patient_id"][8:]) != rest(x)]
    check(not mixed, "every copy of a patient gets the plan of the original: nobody's data mixed (%s)" % mixed[:2])
    # orphans: a Condition of a patient the export does not have is counted
    cond = open(os.path.join(d, "Condition.000.ndjson"), "a")
    cond.write(json.dumps({"resourceType": "Condition", "id": "x", "subject": {"reference": "Patient/nobody"}}) + "\n")
    cond.close()
    rc, out, err, _ = run(["screen", "--input", "fhir", "--as-of", AS_OF, d], env={"OSTEOPLAN_FHIR_BUCKET_BYTES": "1"})
    check(rc == 0 and out == outs[None] and "1 resources of no known patient" in err, "an orphan is counted")


def test_memory():
    """Peak RSS must not follow the export's size: 1 copy (2.7 MB) against
    12 copies (32 MB), same memory target. Grouping it all in memory grew by
    about five times the export."""
    if INSTRUMENTED:
        print("memory figures skipped under a sanitizer or valgrind")
        return
    small, big = SYNTHEA, make_export(12)
    env = {"OSTEOPLAN_FHIR_BUCKET_BYTES": str(1 << 20)}
    rc1, _, err1, rss1 = peak_mib(["screen", "--input", "fhir", "--as-of", AS_OF, "--threads", "2", small], env)
    rc2, out2, err2, rss2 = peak_mib(["screen", "--input", "fhir", "--as-of", AS_OF, "--threads", "2", big], env)
    size = sum(os.path.getsize(os.path.join(big, n)) for n in os.listdir(big))
    print("peak RSS: %.1f MiB for 2.7 MB, %.1f MiB for %.1f MB" % (rss1, rss2, size / 1e6))
    check(rc1 == 0 and rc2 == 0 and len(out2.splitlines()) == 120 and rss1 > 0,
          "both exports screened (%s)" % err2[-300:])
    check(rss2 - rss1 < 12, "peak RSS grows by less than 12 MiB for a %.0f MB larger export (%.1f -> %.1f MiB)"
          % ((size - 2.7e6) / 1e6, rss1, rss2))


def test_temp_space():
    d = make_export(6)
    args = ["screen", "--input", "fhir", "--as-of", AS_OF, d]
    if not (len(sys.argv) > 2 and sys.argv[2] == "valgrind"):  # valgrind itself needs TMPDIR
        rc, out, err, _ = run(args, env={"TMPDIR": os.path.join(TMP, "no-such-dir")})
        check(rc == 1 and not out and "cannot create a temporary file in" in err and "no-such-dir" in err,
              "no temporary directory: an error naming it (rc=%d %s)" % (rc, err[:200]))

    def small_files():  # 1 MiB per file written; the write fails (EFBIG) instead of killing
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
    rc, out, err, _ = run(args, env={"OSTEOPLAN_FHIR_BUCKET_BYTES": "1"}, preexec=small_files)
    check(rc == 1 and not out and "cannot write a temporary file" in err,
          "temporary space full: an error, nothing planned (rc=%d %s)" % (rc, err[:200]))
    rc, out, err, _ = run(args, env={"OSTEOPLAN_FHIR_BUCKET_BYTES": "lots"})
    check(rc == 2 and "OSTEOPLAN_FHIR_BUCKET_BYTES" in err, "a bad memory target: a usage error")
    rc, out, err, _ = run(args, env={"OSTEOPLAN_FHIR_PATIENT_BYTES": "0"})
    check(rc == 2 and "OSTEOPLAN_FHIR_PATIENT_BYTES" in err, "a bad per-patient limit: a usage error")


def medref_export(d, pid, **order_drug):
    """Writes into d a Bulk export of one patient: a T-score of -2.8, an active
    MedicationRequest naming its drug by order_drug (a reference to
    Medication/med-1, in its R4 or R5 form) and that Medication (alendronate).
    Returns the Observation."""
    pat = {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1950-03-01"}
    obs = {"resourceType": "Observation", "id": "o1", "status": "final", "subject": {"reference": "Patient/" + pid},
           "code": {"coding": [{"system": "http://loinc.org", "code": "38267-1"}]},
           "valueQuantity": {"value": -2.8, "unit": "{T-score}"}, "effectiveDateTime": "2026-06-01"}
    order = dict({"resourceType": "MedicationRequest", "id": "mr1", "status": "active", "intent": "order",
                  "subject": {"reference": "Patient/" + pid}, "authoredOn": "2025-06-01"}, **order_drug)
    med = {"resourceType": "Medication", "id": "med-1",
           "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "46041"}]}}
    for name, res in (("Patient", pat), ("Observation", obs), ("MedicationRequest", order), ("Medication", med)):
        open(os.path.join(d, name + ".000.ndjson"), "w").write(json.dumps(res) + "\n")
    return obs


def test_medication_files():
    """A MedicationRequest that names its drug by medicationReference: the
    export's Medication file decides the plan (a current alendronate course),
    and without that file the order is not taken for a course of anything."""
    d = os.path.join(TMP, "medref")
    os.makedirs(d, exist_ok=True)
    pid = "p-medref"
    medref_export(d, pid, medicationReference={"reference": "Medication/med-1"})
    rc, out, err, _ = run(["screen", "--input", "fhir", "--as-of", AS_OF, d])
    with_med = json.loads(out) if rc == 0 and out.strip() else {}
    check(with_med.get("action") == "continue" and with_med.get("first_agent") == "alendronate",
          "an order by reference to the export's Medication file: a current alendronate course (%s %s)"
          % (out.strip(), err[-300:]))
    check("1 Medication resources" in err, "the Medication resource is counted (%s)" % err[-300:])
    os.remove(os.path.join(d, "Medication.000.ndjson"))
    rc, out, err, _ = run(["screen", "--input", "fhir", "--as-of", AS_OF, d])
    without = json.loads(out) if rc == 0 and out.strip() else {}
    check(without.get("action") not in (None, "continue"),
          "without the Medication file the order is not a course (%s)" % out.strip())


def rec_bytes(key, line):
    """What one resource costs a patient against the per-patient limit: the
    spilled record (16-byte header, the key, the line, a NUL)."""
    return 16 + len(key) + len(line) + 1


def test_patient_limit():
    """One patient's resources over the limit (OSTEOPLAN_FHIR_PATIENT_BYTES): that
    patient is reported as not screened, counted, nothing planned from part
    of the data, the others screened, and the run exits 1. At the limit
    exactly, the patient is screened. Types the mapper never reads are
    dropped in the first pass (counted) and do not count against the limit."""
    d = os.path.join(TMP, "big-patient")
    os.makedirs(d, exist_ok=True)
    big, lines, cost = "p-big", {"Patient": [], "Observation": [], "Encounter": []}, 0
    for pid in (big, "p-small-1", "p-small-2"):
        pat = json.dumps({"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1950-03-01"})
        lines["Patient"].append(pat)
        for k in range(40 if pid == big else 1):
            obs = json.dumps({"resourceType": "Observation", "id": "o%d" % k, "status": "final",
                              "subject": {"reference": "Patient/" + pid},
                              "code": {"coding": [{"system": "http://loinc.org", "code": "38267-1"}]},
                              "valueQuantity": {"value": -2.8, "unit": "{T-score}"},
                              "effectiveDateTime": "2026-06-%02d" % (k % 28 + 1)})
            lines["Observation"].append(obs)
            if pid == big:
                cost += rec_bytes(pid, obs)
        for k in range(50):  # large and useless to the mapper: dropped, never counted
            lines["Encounter"].append(json.dumps({"resourceType": "Encounter", "id": "e%d" % k, "pad": "x" * 400,
                                                  "subject": {"reference": "Patient/" + pid}}))
        if pid == big:
            cost += rec_bytes(pid, pat)
    for name, ls in lines.items():
        open(os.path.join(d, name + ".000.ndjson"), "w").write("".join(x + "\n" for x in ls))
    args = ["screen", "--input", "fhir", "--as-of", AS_OF, d]
    # at the limit: screened (a tiny memory target: split down to one patient)
    rc, out, err, _ = run(args, env={"OSTEOPLAN_FHIR_BUCKET_BYTES": "1", "OSTEOPLAN_FHIR_PATIENT_BYTES": str(cost)})
    ids = [json.loads(x)["patient_id"] for x in out.splitlines()]
    check(rc == 0 and ids == [big, "p-small-1", "p-small-2"] and "not screened" not in err,
          "a patient at the limit (%d bytes) is screened (rc=%d %s)" % (cost, rc, err[-400:]))
    check("150 resources of types not used (dropped)" in err, "unused types dropped and counted (%s)" % err[-400:])
    # one byte over: reported, counted, left out whole; the others screened; exit 1
    rc, out, err, _ = run(args, env={"OSTEOPLAN_FHIR_BUCKET_BYTES": "1", "OSTEOPLAN_FHIR_PATIENT_BYTES": str(cost - 1)})
    ids = [json.loads(x)["patient_id"] for x in out.splitlines()]
    check(rc == 1 and ids == ["p-small-1", "p-small-2"],
          "a patient over the limit is not screened, the others are, exit 1 (rc=%d %s %s)" % (rc, ids, err[-400:]))
    check(re.search(r"Patient/p-big: %d bytes of resources, over the limit of %d for one patient: not screened "
                    r"\(too much data\)" % (cost, cost - 1), err) and "1 patients not screened: too much data" in err,
          "the patient over the limit is named on the errors stream and counted (%s)" % err[-500:])
    # the memory target's buckets hold the big patient with others (1,000 more
    # patients in 64 buckets): the others of its bucket are still screened
    more = ["p-more-%04d" % k for k in range(1000)]
    open(os.path.join(d, "Patient.001.ndjson"), "w").write("".join(
        json.dumps({"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1950-03-01"}) + "\n"
        for pid in more))
    rc, out, err, _ = run(args, env={"OSTEOPLAN_FHIR_PATIENT_BYTES": str(cost - 1)})
    ids = [json.loads(x)["patient_id"] for x in out.splitlines()]
    check(rc == 1 and ids == ["p-small-1", "p-small-2"] + more and "1 patients not screened" in err,
          "in a bucket shared with others, only the patient over the limit is left out (rc=%d %d %s)"
          % (rc, len(ids), err[-300:]))


def test_directory_entries():
    """Files of the export directory that are not NDJSON are named, not
    silently skipped; an R5 MedicationRequest (medication.reference) reaches
    the export's Medication file."""
    d = os.path.join(TMP, "medref-r5")
    os.makedirs(d, exist_ok=True)
    pid = "p-r5"
    obs = medref_export(d, pid, medication={"reference": {"reference": "Medication/med-1"}})
    open(os.path.join(d, "Observation.001.json"), "w").write(json.dumps(obs) + "\n")
    rc, out, err, _ = run(["screen", "--input", "fhir", "--as-of", AS_OF, d])
    got = json.loads(out) if rc == 0 and out.strip() else {}
    check(got.get("action") == "continue" and got.get("first_agent") == "alendronate",
          "an R5 order (medication.reference) to the export's Medication file: a current course (%s %s)"
          % (out.strip(), err[-300:]))
    check("Observation.001.json: not named *.ndjson or *.ndjson.gz, not read" in err and
          "1 files not *.ndjson(.gz) (not read)" in err, "a file not read is named and counted (%s)" % err[-400:])


def main():
    try:
        test_patient_limit()
        test_directory_entries()
        test_gzip_records()
        test_gzip_fhir()
        test_grouping()
        test_memory()
        test_temp_space()
        test_medication_files()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
