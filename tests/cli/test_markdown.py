#!/usr/bin/env python3
"""Markdown stays inert whatever a record holds.

Each hostile string goes into every free text of a record that can reach the
Markdown (the patient id; a medication's name; through FHIR, a Patient id and
a resource id quoted in an input note), is rendered by `assess --format
markdown` and by a CDS card's `detail`, and the Markdown is turned into HTML
by a real CommonMark implementation with raw HTML allowed (`cmark --unsafe`).
The HTML may hold only the tags the plan's own layout makes, none with an
attribute (so no javascript: link, no on*= handler), and the hostile string
must be there as text (control characters shown as \\u00XX).

usage: test_markdown.py OSTEOPLAN CMARK
"""
import html
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
import serving  # noqa: E402
from checks import check, failures  # noqa: E402

BIN, CMARK = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp()
AS_OF = "2026-11-01"
LAYOUT_TAGS = {"h1", "h2", "p", "ul", "li", "strong", "hr"}

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<div onmouseover=\"alert(1)\">x</div>",
    "[click](javascript:alert(1))",
    "![img](javascript:alert(1))",
    "<javascript:alert(1)>",
    "<http://evil.example/>",
    "\\<script>alert(1)\\</script>",
    "\\\\<b>x</b>",
    "\\[x\\](javascript:alert(1))",
    "\\\\[x\\\\](javascript:alert(1))",
    "&#x3C;script&#x3E;alert(1)&#x3C;/script&#x3E;",
    "&#60;img src=x onerror=alert(1)&#62;",
    "&lt;b&gt;x&amp;y",
    "[x]: javascript:alert(1)",
    "x\n\n[y]: javascript:alert(1)\n\n[y]",
    "```\n<script>alert(1)</script>\n```",
    "~~~html\n<b>x</b>\n~~~",
    "- <b>list</b>",
    "1. <i>x</i>",
    "2) x",
    "=== <b>x</b>",
    "---",
    "***",
    "# <h1>x</h1>",
    "x\n# heading\n<b>y</b>",
    "    <pre>indented</pre>",
    "*em* _em_ **strong** `code`",
    "<!-- comment --><![CDATA[x]]><?php x ?>",
    "| a | b |\n|---|---|\n| <b>c</b> | d |",
    "x\\",
    "a\x1b[31mred\x1b[0m\r\nb\x7f\u009b2J\u0085c",
]


def visible(s):
    """The text a reader should see: control characters as \\u00XX."""
    return re.sub("[\x00-\x1f\x7f\u0080-\u009f]", lambda m: "\\u%04x" % ord(m.group()), s)


def to_html(md):
    p = subprocess.run([CMARK, "--unsafe"], input=md.encode(), capture_output=True, check=True)
    return p.stdout.decode()


def check_inert(md, hostile, name, whole=True):
    out = to_html(md)
    tags = set(t.lower() for t in re.findall(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9-]*)", out))
    check(tags <= LAYOUT_TAGS, "%s: only layout tags, got %s for %r" % (name, sorted(tags - LAYOUT_TAGS), hostile))
    check(not re.search(r"<[a-zA-Z][a-zA-Z0-9]*\s+[^/>\s]", out), "%s: no tag with an attribute for %r" % (name, hostile))
    check(not re.search(r"<[^>]*javascript:", out, re.I), "%s: no javascript: in a tag for %r" % (name, hostile))
    check(not re.search(r"<[^>]*\son\w+\s*=", out, re.I), "%s: no on*= handler for %r" % (name, hostile))
    text = html.unescape(re.sub(r"<[^>]*>", "", out))
    shown = visible(hostile) if whole else visible(hostile)[:40]  # a quote may be cut short
    check(shown in text, "%s: %r is there as text:\n%s" % (name, hostile, text[:600]))


def record(hostile):
    return {"id": hostile, "as_of": AS_OF, "sex": "female", "birth_date": "1950-03-01",
            "bmd": [{"site": "total_hip", "t_score": -2.7, "date": "2026-09-01"}],
            "medications": [{"class": "glucocorticoid", "dose_mg_per_day": 7.5, "start": "2025-01-01",
                             "name": hostile}]}


def fhir_bundle(hostile, pid=None):
    pid = hostile if pid is None else pid
    pat = {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1950-03-01"}
    subj = {"reference": "Patient/" + pid}
    obs = {"resourceType": "Observation", "id": hostile, "status": "preliminary", "subject": subj,
           "code": {"coding": [{"system": "http://loinc.org", "code": "80948-1"}], "text": hostile},
           "effectiveDateTime": "2026-09-01",
           "valueQuantity": {"value": -2.7, "unit": "{T-score}", "system": "http://unitsofmeasure.org",
                             "code": "{T-score}"}}
    cond = {"resourceType": "Condition", "id": "c-" + hostile, "subject": subj,
            "code": {"coding": [{"system": "http://example.org/none", "code": hostile, "display": hostile}],
                     "text": hostile}}
    return [pat, obs, cond]


def assess_markdown(hostile):
    path = os.path.join(TMP, "r.json")
    with open(path, "w") as f:
        json.dump(record(hostile), f)
    p = subprocess.run([BIN, "assess", "--format", "markdown", path], capture_output=True, text=True)
    check(p.returncode == 0, "assess --format markdown: exit 0 for %r: %s" % (hostile, p.stderr[:200]))
    check_inert(p.stdout, hostile, "assess markdown")


def assess_fhir_markdown(hostile):
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": r} for r in fhir_bundle(hostile)]}
    p = subprocess.run([BIN, "assess", "--input", "fhir", "--format", "markdown", "--as-of", AS_OF, "-"],
                       input=json.dumps(bundle), capture_output=True, text=True)
    if p.returncode != 0:  # a FHIR id the reader refuses never reaches the Markdown
        check(p.stdout == "", "assess --input fhir: nothing written for a refused %r" % hostile)
        return 0
    check_inert(p.stdout, hostile, "assess --input fhir markdown")
    return 1


def cds_detail(port, hostile):
    res = fhir_bundle(hostile, "p1")  # the service takes only FHIR ids as patientId: the rest carries it
    bundle = lambda t: {"resourceType": "Bundle", "type": "searchset",
                        "entry": [{"resource": r} for r in res if r["resourceType"] == t]}
    body = {"hook": "patient-view", "hookInstance": "inst-md", "fhirServer": None,
            "context": {"userId": "Practitioner/dr-1", "patientId": "p1"},
            "prefetch": {"patient": res[0], "observations": bundle("Observation"), "conditions": bundle("Condition"),
                         "medicationRequests": bundle("MedicationRequest"),
                         "medicationStatements": bundle("MedicationStatement")}}
    del body["fhirServer"]
    st, out = serving.call(port, "POST", "/cds-services/osteoplan-patient-view", body=body)
    if st != 200:
        check(st in (400, 422), "CDS: %r answered 200 or refused (got %d)" % (hostile, st))
        return 0
    details = [c.get("detail", "") for c in out.get("cards", [])]
    check(details, "CDS: a card for %r" % hostile)
    for d in details:
        check_inert(d, hostile, "CDS detail")
    return 1


def cds_no_plan_detail(port, hostile):
    """The no-plan card quotes the record (here Patient.gender): its detail stays text too."""
    pat = {"resourceType": "Patient", "id": "p1", "gender": hostile, "birthDate": "1950-03-01"}
    body = {"hook": "patient-view", "hookInstance": "inst-np", "context": {"userId": "Practitioner/dr-1", "patientId": "p1"},
            "prefetch": {"patient": pat}}
    for k in ("observations", "conditions", "medicationRequests", "medicationStatements"):
        body["prefetch"][k] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    st, out = serving.call(port, "POST", "/cds-services/osteoplan-patient-view", body=body)
    check(st == 200, "CDS no plan: 200 for gender %r (got %d)" % (hostile, st))
    details = [c.get("detail", "") for c in out.get("cards", [])] if st == 200 else []
    check(details, "CDS no plan: a card for gender %r" % hostile)
    for d in details:
        check_inert(d, hostile, "CDS no-plan detail", whole=False)


def main():
    fhir_ok = cds_ok = 0
    for h in HOSTILE:
        assess_markdown(h)
        fhir_ok += assess_fhir_markdown(h)
    proc, port, log = serving.start(BIN, AS_OF)
    try:
        for h in HOSTILE:
            cds_ok += cds_detail(port, h)
        for h in HOSTILE + ["<img src=x onerror=alert(1)> [click](javascript:alert(2))"]:
            cds_no_plan_detail(port, h)
    finally:
        serving.stop(proc, log)
    # most hostile ids must get through the FHIR readers, or the test says nothing
    check(fhir_ok >= len(HOSTILE) // 2, "FHIR: %d of %d hostile strings reached the Markdown" % (fhir_ok, len(HOSTILE)))
    check(cds_ok >= len(HOSTILE) // 2, "CDS: %d of %d hostile strings reached a card" % (cds_ok, len(HOSTILE)))
    print("%d hostile strings; FHIR %d, CDS %d rendered; %d failed checks"
          % (len(HOSTILE), fhir_ok, cds_ok, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
