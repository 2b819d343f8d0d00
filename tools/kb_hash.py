#!/usr/bin/env python3
"""The knowledge base's content hash, recorded per version in kb/VERSIONS.

usage: tools/kb_hash.py [KB_DIR]            prints "VERSION SHA256" of KB_DIR (default kb/)
       tools/kb_hash.py --update [KB_DIR]   records it in KB_DIR/VERSIONS (the line of
                                            that version is replaced, or added)

The hash covers every .ini file under the knowledge base, in the order of
their paths relative to it ("common/agents.ini", ..., "profiles/default/rules.ini"):
sha256 over, for each file, its path, a NUL byte, its bytes, a NUL byte. The
version is [knowledge_base] version of profiles/default/profile.ini.
tests/kb/test_kb_version.py fails when the content differs from the hash
recorded for its version: a change to kb/ needs a new version, a
kb/CHANGELOG.md entry and this command (kb/README.md, "Changing something").
"""
import hashlib
import os
import re
import sys


def ini_files(kb):
    out = []
    for d, _, files in os.walk(kb):
        for f in files:
            if f.endswith(".ini"):
                out.append(os.path.relpath(os.path.join(d, f), kb).replace(os.sep, "/"))
    return sorted(out)


def content_hash(kb):
    h = hashlib.sha256()
    for rel in ini_files(kb):
        h.update(rel.encode() + b"\0")
        with open(os.path.join(kb, rel), "rb") as f:
            h.update(f.read() + b"\0")
    return h.hexdigest()


def version(kb):
    text = open(os.path.join(kb, "profiles", "default", "profile.ini"), encoding="utf-8").read()
    sec = text.split("[knowledge_base]", 1)[1].split("\n[", 1)[0]
    m = re.search(r"^version\s*=\s*(\S+)\s*$", sec, re.M)
    if not m:
        sys.exit("kb_hash: no [knowledge_base] version in profiles/default/profile.ini")
    return m.group(1)


def recorded(kb):
    """{version: hash} of KB/VERSIONS (comments and blank lines skipped)."""
    out = {}
    path = os.path.join(kb, "VERSIONS")
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            line = line.strip()
            if line and not line.startswith("#"):
                v, h = line.split()
                out[v] = h
    return out


def update(kb):
    v, h = version(kb), content_hash(kb)
    path = os.path.join(kb, "VERSIONS")
    lines = open(path, encoding="utf-8").read().splitlines() if os.path.exists(path) else [
        "# version sha256: the knowledge base's content for each version (tools/kb_hash.py)"]
    lines = [l for l in lines if l.startswith("#") or not l.strip() or l.split()[0] != v] + ["%s %s" % (v, h)]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return v, h


def main(argv):
    args = [a for a in argv if a != "--update"]
    kb = args[0] if args else os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "kb")
    if "--update" in argv:
        v, h = update(kb)
        print("recorded %s %s in %s" % (v, h, os.path.join(kb, "VERSIONS")))
    else:
        print(version(kb), content_hash(kb))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
