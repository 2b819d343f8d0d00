#!/usr/bin/env python3
"""A broken copy of the knowledge base is refused, naming the file and the fault.

usage: test_kb_errors.py BINARY

Each case edits one file of a copy of kb/ (found by its name anywhere in
the copy) and runs `assess --kb COPY`: the run must fail (exit 2) with the
expected words. One case per check of the loaders (src/kb/kb.c,
src/kb/kb_fhir.c), so every refusal is run at least once. An edit that no
longer applies (the file changed) fails with its case named.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = sys.argv[1]
EX = os.path.join(ROOT, "examples", "patient.json")

BOM = "\ufeff"
MANY_SOURCES = "".join("\n[fhir.source.x%d]\ncites = x\n" % i for i in range(17))
MANY_UNITS = "".join("frax u%d = 1 | codes\n" % i for i in range(65))
MANY_GC = "".join("g%d = 1 | codes\n" % i for i in range(33))
MANY_LOCAL = "".join("form%s%s = f | codes\n" % (chr(97 + i // 26), chr(97 + i % 26)) for i in range(33))
MANY_OVERRIDES = "".join("r%d = reason %d | ehr\n" % (i, i) for i in range(9))
MANY_KB_SOURCES = "".join("\n[source.Z%03d]\nkind = guideline\ntitle = t\n" % i for i in range(80))
MANY_GAPS = "".join("\n[gap.g%d]\nclinician = g\nall = action:start\nsources = S000\n" % i for i in range(40))

# (file, old text, new text, words the refusal must hold); old None: append new
CASES = [
    # fhir.ini (src/kb/kb_fhir.c)
    ("fhir.ini", "46041 = agent alendronate | alendronate | ehr, codes", "46041 = agent alendronate | alendronate | ",
     "no sources"),
    ("fhir.ini", "46041 = agent alendronate | alendronate | ehr, codes", "46041 = agent alendronate | alendronate | ehr, nosuch",
     "unknown source 'nosuch'"),
    ("fhir.ini", "46041 = agent alendronate |", "46041 = agent |", "needs a kind and a code"),
    ("fhir.ini", "312617 = medication glucocorticoid prednisone 5 |", "312617 = medication glucocorticoid prednisone five |",
     "is not a positive number of mg"),
    ("fhir.ini", "46041 = agent alendronate |", "46041 = drug alendronate |", "unknown target kind 'drug'"),
    ("fhir.ini", "46041 = agent alendronate |", "46041 = agent alendronatex |", "is not a agent code"),
    ("fhir.ini", "46041 = agent alendronate |", "46041 = agent alendronate extra |", "has words too many"),
    ("fhir.ini", "46041 = agent alendronate | alendronate | ehr, codes", "46041 = agent alendronate",
     "expected 'targets | display | sources'"),
    ("fhir.ini", "46041 = agent alendronate |", "4" * 80 + " = agent alendronate |", "code too long"),
    ("fhir.ini", "46041 = agent alendronate | alendronate |", "46041 = agent alendronate |  |", "empty display"),
    ("fhir.ini", "46041 = agent alendronate |", "46041 = agent alendronate, agent alendronate, agent alendronate, agent alendronate |",
     "at most 3 targets"),
    ("fhir.ini", "risedronate = agent risedronate |", "Alendronate = agent risedronate |", "code given twice"),  # names: any case
    ("fhir.ini", "renewal_gap_months = 13 | ehr", "renewal_gap_months = 13", "expected 'number | sources'"),
    ("fhir.ini", "renewal_gap_months = 13 | ehr", "renewal_gap_months = -13 | ehr", "is not a positive number"),
    ("fhir.ini", "renewal_gap_months = 13 | ehr", "renewal_gap_months = 13.5 | ehr", "a whole number is expected"),
    ("fhir.ini", "renewal_gap_months = 13 | ehr", "renewal_gap_weeks = 13 | ehr", "unknown key"),
    ("fhir.ini", "same_fracture_days = 30 | ehr", "", "needs renewal_gap_months and same_fracture_days"),
    ("fhir.ini", "[fhir.source.ehr]\ncites =", "[fhir.source.ehr]\nsays =", "a source has one key, 'cites'"),
    ("fhir.ini", None, MANY_SOURCES, "more than 16 FHIR sources"),
    ("fhir.ini", "t_score {T-score} = 1 | cdsref", "weight kg = 1 | cdsref", "expected 'quantity UCUM-unit'"),
    ("fhir.ini", "frax % = 1 | codes\n", "frax % = 1 | codes\n" + MANY_UNITS, "more than 64 units"),
    ("fhir.ini", "prednisone = 1 | codes\n", "prednisone = 1 | codes\n" + MANY_GC, "more than 32 glucocorticoids"),
    ("fhir.ini", "topical = applied to the skin | omopsynthea", "topical = applied to the skin", "expected 'word = meaning | sources'"),
    ("fhir.ini", "topical = applied to the skin |", "topical cream = applied to the skin |", "a local form is one word of letters"),
    ("fhir.ini", "topical = applied to the skin | omopsynthea", "topical = applied to the skin | nosuch", "unknown source 'nosuch'"),
    ("fhir.ini", "otic = ear | rxforms\n", "otic = ear | rxforms\n" + MANY_LOCAL, "more than 32 local forms"),
    ("fhir.ini", "benefit_outweighs_risk = Benefit outweighs the risk for this patient | ehr",
     "benefit_outweighs_risk = Benefit outweighs the risk for this patient", "expected 'display | sources'"),
    ("fhir.ini", "benefit_outweighs_risk =", MANY_OVERRIDES + "benefit_outweighs_risk =", "at most 8 override reasons"),
    ("fhir.ini", "[fhir.atc]", "[fhir.atcx]", "unknown FHIR section"),
    # the INI reader and the other files (src/kb/kb.c)
    ("texts.ini", "", BOM, "byte-order mark"),
    ("texts.ini", "[finding.bmd_loss]", "[finding.bmd_loss", "a section header must look like [name]"),
    ("texts.ini", "[finding.bmd_loss]", "[finding.fracture_on_therapy]", "appears twice"),
    ("texts.ini", "", "stray = 1\n", "a key before any [section]"),
    ("texts.ini", "[finding.bmd_loss]\n", "[finding.bmd_loss]\n= 1\n", "empty key"),
    ("texts.ini", "clinician = fragility fracture on antiresorptive therapy (treatment failure)",
     "clinician = fragility fracture on {antiresorptive therapy (treatment failure)", "unclosed '{'"),
    ("rules.ini", "patient = This tool is made for women after menopause and for men {scope.min_age_men} and older.\n"
     "sources = S000, S003, S004\n",
     "patient = This tool is made for women after menopause and for men {scope.min_age_men} and older.\n",
     "every rule carries its sources"),
    ("sources.ini", "file = 000_76c98a5d24e03357.txt\n", "", "a seed needs its 'file'"),
    ("sources.ini", None, MANY_KB_SOURCES, "more than"),
    # an avoid list for an agent agents.ini does not define
    ("agents.ini", "[avoid.alendronate]", "[avoid.alendronatex]", "unknown section [avoid.alendronatex]"),
    ("agents.ini", "intent = antiresorptive\nroute = oral\ndose = 70 mg", "intent = sideways\nroute = oral\ndose = 70 mg",
     "intent must be anabolic or antiresorptive"),
    ("disagreements.ini", "[disagreement.frax_very_high_risk]", "[disagreement.frax_very_high_riskx]", "frax_very_high_risk"),
    ("disagreements.ini", "topic = FRAX threshold for very high risk\n",
     "topic = FRAX threshold for very high risk\nS002 = a\nS003 = b\nS004 = c\n", "at most 4 positions"),
    ("gaps.ini", None, MANY_GAPS, "care gaps"),
    ("gaps.ini", "[gap.untreated_high_risk]", "[gap.Untreated-High]", "lower_snake_case"),
    ("gaps.ini", "all = action:start\nsources = S000, S003, S004",
     "all = action:start, action:start, action:start, action:start, action:start, action:start, action:start, action:start, action:start\nsources = S000, S003, S004",
     "at most 8 codes"),
    ("gaps.ini", "all = action:start\nsources = S000, S003, S004", "all = action\nsources = S000, S003, S004", "is not kind:code"),
    ("gaps.ini", "all = action:start\nsources = S000, S003, S004", "sources = S000, S003, S004", "needs 'all' or 'any'"),
    ("profile.ini", "frax_major_very_high_pct = 30", "frax_major_very_high_pct = 10",
     "very-high FRAX thresholds must not be below the high ones"),
    ("profile.ini", "t_score_very_low = -3.0", "t_score_very_low = -2.0",
     "the very low T-score must be at or below the osteoporosis threshold"),
]


def find(root, name):
    for d, _, files in os.walk(root):
        if name in files:
            return os.path.join(d, name)
    return None


def main():
    tmp = tempfile.mkdtemp(prefix="osteoplan-kb-")
    failed = passed = 0
    try:
        for fname, old, new, want in CASES:
            d = os.path.join(tmp, "kb")
            shutil.rmtree(d, ignore_errors=True)
            shutil.copytree(os.path.join(ROOT, "kb"), d)
            path = find(d, fname)
            name = "%s: %s" % (fname, want)
            text = open(path, encoding="utf-8").read() if path else None
            if text is None or (old is not None and old not in text):
                print("FAIL %s: the edit no longer applies" % name)
                failed += 1
                continue
            text = text + new if old is None else (new + text if old == "" else text.replace(old, new, 1))
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            p = subprocess.run([BIN, "assess", "--kb", d, EX], capture_output=True, timeout=60)
            err = p.stderr.decode(errors="replace")
            if p.returncode == 2 and not p.stdout and want in err and fname in err:
                passed += 1
            else:
                print("FAIL %s: exit %d: %s" % (name, p.returncode, err.strip()[:300]))
                failed += 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or not passed else 0)


if __name__ == "__main__":
    main()
