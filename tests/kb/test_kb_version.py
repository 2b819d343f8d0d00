#!/usr/bin/env python3
"""The knowledge base's content is the content recorded for its version.

usage: test_kb_version.py [KB_DIR]

Fails when
  - the hash of kb/*.ini (tools/kb_hash.py) differs from the one kb/VERSIONS
    records for [knowledge_base] version: kb/ changed without a new version;
  - two versions record the same content (a version raised with no change);
  - kb/CHANGELOG.md has no "## VERSION (UPDATED)" entry for the version and
    its date;
  - status is approved without reviewed_by and reviewed_on (the loader
    refuses it too; here it is said in the knowledge base's own terms).
First it shows that it can fail: a copy of the knowledge base with one
character changed must not match.
"""
import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import kb_hash  # noqa: E402

KB = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "kb")
REFRESH = "raise version and updated in kb/profiles/default/profile.ini, add its kb/CHANGELOG.md entry, " \
          "then run tools/kb_hash.py --update"


def meta(kb):
    text = open(os.path.join(kb, "profiles", "default", "profile.ini"), encoding="utf-8").read()
    sec = text.split("[knowledge_base]", 1)[1].split("\n[", 1)[0]
    return {k: v.strip() for k, v in re.findall(r"^(\w+)\s*=[ \t]*(.*)$", sec, re.M)}


def problems(kb):
    bad = []
    v, h = kb_hash.version(kb), kb_hash.content_hash(kb)
    rec = kb_hash.recorded(kb)
    if v not in rec:
        bad.append("version %s has no line in kb/VERSIONS (%s)" % (v, REFRESH))
    elif rec[v] != h:
        bad.append("kb/ differs from the content recorded for version %s (recorded %s, now %s): %s"
                   % (v, rec[v][:12], h[:12], REFRESH))
    for other, oh in rec.items():
        if other != v and oh == rec.get(v):
            bad.append("versions %s and %s record the same content" % (other, v))
    m = meta(kb)
    log = open(os.path.join(kb, "CHANGELOG.md"), encoding="utf-8").read()
    if not re.search(r"^## %s \(%s\)" % (re.escape(v), re.escape(m.get("updated", "?"))), log, re.M):
        bad.append("kb/CHANGELOG.md has no entry '## %s (%s)'" % (v, m.get("updated")))
    if m.get("status") == "approved" and not (m.get("reviewed_by") and m.get("reviewed_on")):
        bad.append("status approved without reviewed_by and reviewed_on")
    return bad


def main():
    # a checker that cannot fail is a defect: one character changed is found
    tmp = tempfile.mkdtemp()
    try:
        copy = os.path.join(tmp, "kb")
        shutil.copytree(KB, copy)
        texts = os.path.join(copy, "common", "texts.ini")
        t = open(texts, encoding="utf-8").read()
        i = t.index("Osteoporosis treatment plan")
        open(texts, "w", encoding="utf-8").write(t[:i] + "o" + t[i + 1:])
        planted = problems(copy)
        print("one character changed in a copy -> %s" % planted)
        if not any("differs from the content recorded" in p for p in planted):
            print("FAIL: the changed copy was not found")
            return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    bad = problems(KB)
    for b in bad:
        print("FAIL " + b)
    print("knowledge base %s %s: %s" % (kb_hash.version(KB), kb_hash.content_hash(KB)[:12], "bad" if bad else "as recorded"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
