#!/usr/bin/env python3
"""The command line as Unix users expect, and its documentation.

usage: test_options.py BINARY [--build DIR --cmake CMAKE]
       test_options.py --self-test

- every option that takes a value works as --opt=value as well as --opt value
  (the same output), for every command; -o FILE and -oFILE;
- -- ends the options (an operand that starts with '-');
- errors name the argument at fault: a bad value names its option and the
  value (a bad --as-of is not blamed on the record file), an unknown option,
  a missing value, a flag given a value, an ambiguous prefix; a file an
  option names that cannot be opened names the option;
- --help of every command names the formats and where they are documented;
  serve --help names the web page;
- docs/osteoplan.1 lists every subcommand and every option that --help
  lists, with every value --help lists for it, and every option in the
  commands' option tables (src/cli/cmd_*.c) is in --help: an option added to
  the code but not to --help or the man page fails here;
- the man page is well formed: groff -man -ww without a warning when groff
  is installed (else man -l; and always a check of the macros and sections);
- cmake --install (with --build) puts the man page and the reference pages
  in place;
- docs/record.md names every field and code the record reader accepts (asked
  of the reader itself, through its "allowed here" and "expected one of"
  messages) and docs/plan.md every member and code the plans of the
  vignettes carry.

--self-test runs the documentation checkers on wrong inputs and fails
unless each of them reports the fault.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DOCS = os.path.join(ROOT, "docs")
MAN = os.path.join(DOCS, "osteoplan.1")
EXAMPLE = os.path.join(ROOT, "examples", "patient.json")
TMP = tempfile.mkdtemp(prefix="osteoplan-options-")
BIN = None

passed = 0
failed = 0


def check(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL %s: %s" % (name, why))


def run(args, stdin=None, cwd=None, timeout=120):
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True, timeout=timeout, cwd=cwd)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def path(name):
    return os.path.join(TMP, name)


# ---- --opt=value ------------------------------------------------------------

def ndjson():
    """A small population: 40 synthetic records, 3 broken on purpose."""
    p = path("pop.ndjson")
    if not os.path.exists(p):
        rc, out, err = run(["synth", "--count", "40", "--seed", "11", "--bad-rate", "0.1"])
        assert rc == 0, err
        with open(p, "wb") as f:
            f.write(out)
    return p


def same(name, spaced, joined, files=()):
    """Runs both argument lists; the exit status, output and each of files
    (written by the run, compared after each) must be the same."""
    got = []
    for args in (spaced, joined):
        for f in files:
            if os.path.exists(f):
                os.remove(f)
        rc, out, err = run(args)
        contents = [open(f, "rb").read() if os.path.exists(f) else None for f in files]
        got.append((rc, out, contents, err))
    (rc1, out1, c1, err1), (rc2, out2, c2, err2) = got
    check(name, rc1 == 0 and rc2 == 0 and out1 == out2 and c1 == c2 and all(c is not None for c in c1),
          "spaced: %d %r; joined: %d %r" % (rc1, err1[-200:], rc2, err2[-200:]))


def group_equals():
    kb = os.path.join(ROOT, "kb")
    ex = EXAMPLE
    a = ["assess"]
    same("assess --format=", a + ["--format", "markdown", ex], a + ["--format=markdown", ex])
    same("assess --audience=", a + ["--format", "text", "--audience", "patient", ex],
         a + ["--format=text", "--audience=patient", ex])
    same("assess --as-of=", a + ["--format", "json", "--as-of", "2027-06-01", ex], a + ["--format=json", "--as-of=2027-06-01", ex])
    same("assess --input=", a + ["--format", "json", "--input", "record", ex], a + ["--format=json", "--input=record", ex])
    same("assess --kb= --profile=", a + ["--format", "json", "--kb", kb, "--profile", "default", ex],
         a + ["--format=json", "--kb=" + kb, "--profile=default", ex])
    same("assess: operand before the options", a + ["--format", "json", ex], a + [ex, "--format=json"])
    # a long option shortened to an unambiguous prefix (GNU)
    same("assess --form=json (a prefix)", a + ["--format", "json", ex], a + ["--form=json", ex])
    pop = ndjson()
    s = ["screen"]
    e1, e2 = path("e1.txt"), path("e2.txt")
    same("screen --format= --threads= --as-of= --input=", s + ["--format", "csv", "--threads", "2", "--as-of", "2027-01-01",
                                                               "--input", "record", pop],
         s + ["--format=csv", "--threads=2", "--as-of=2027-01-01", "--input=record", pop])
    rc, out, err = run(s + ["--errors=" + e1, "--kb=" + kb, "--profile=default", pop])
    rc2, out2, err2 = run(s + ["--errors", e2, "--kb", kb, "--profile", "default", pop])
    check("screen --errors= --kb= --profile=", rc == 0 and rc2 == 0 and out == out2 and os.path.getsize(e1) > 0 and
          open(e1, "rb").read() == open(e2, "rb").read(), err[-300:])
    w = ["worklist"]
    o = path("wl.csv")
    same("worklist --format= --as-of= --threads= --input=", w + ["--format", "csv", "--as-of", "2027-01-01", "--threads", "2",
                                                                 "--input", "ndjson", "-o", o, pop],
         w + ["--format=csv", "--as-of=2027-01-01", "--threads=2", "--input=ndjson", "-o" + o, pop], files=[o])
    same("worklist --output=FILE and -o FILE", w + ["--format", "html", "--as-of", "2027-01-01", "-o", o, pop],
         w + ["--format=html", "--as-of=2027-01-01", "--output=" + o, pop], files=[o])
    same("worklist --errors= --kb= --profile=", w + ["--errors", e1, "--kb", kb, "--profile", "default", "-o", o, pop],
         w + ["--errors=" + e1, "--kb=" + kb, "--profile=default", "-o", o, pop], files=[o, e1])
    db = path("runs.sqlite")
    rc, out, err = run(w + ["--db=" + db, "-o", o, pop])
    if rc == 1 and "built without" in err:
        print("note: worklist --db= not checked: built without the run history")
    else:
        check("worklist --db=FILE", rc == 0 and os.path.getsize(db) > 0, err[-300:])
    same("synth --count= --seed= --bad-rate= --as-of=", ["synth", "--count", "20", "--seed", "3", "--bad-rate", "0.2",
                                                        "--as-of", "2026-10-01"],
         ["synth", "--count=20", "--seed=3", "--bad-rate=0.2", "--as-of=2026-10-01"])
    serve_equals()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def serve_equals():
    """serve with every value option in the --opt=value form answers."""
    cfg = path("serve.ini")
    with open(cfg, "w") as f:
        f.write("[server]\n")
    port = free_port()
    args = [BIN, "serve", "--listen=127.0.0.1:%d" % port, "--threads=1", "--as-of=2026-11-01", "--config=" + cfg,
            "--kb=" + os.path.join(ROOT, "kb"), "--profile=default"]
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    body = None
    try:
        for _ in range(300):
            if p.poll() is not None:
                break
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=2) as r:
                    body = r.status
                break
            except OSError:
                time.sleep(0.1)
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            _, err = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
    check("serve --listen= --threads= --as-of= --config= --kb= --profile=", body == 200 and p.returncode == 0,
          "status %r, exit %r: %s" % (body, p.returncode, err.decode("utf-8", "replace")[-300:]))


# ---- -- ---------------------------------------------------------------------

def group_dashdash():
    d = path("dd")
    os.makedirs(d, exist_ok=True)
    shutil.copy(EXAMPLE, os.path.join(d, "-p.json"))
    rc, out, err = run(["assess", "--format", "json", "--", "-p.json"], cwd=d)
    check("-- then an operand starting with '-'", rc == 0 and json.loads(out)["patient_id"] == "p-001", err)
    rc, out, err = run(["assess", "--format", "json", "-p.json"], cwd=d)
    check("without --, '-p.json' is an option", rc == 2 and "unknown option '-p'" in err, err)
    rc, out, err = run(["assess", "--format", "json", "--", "--as-of"], cwd=d)
    check("after --, '--as-of' is a file name", rc == 2 and "--as-of: No such file" in err and out == b"", err)
    rc, out, err = run(["assess", "--", EXAMPLE, EXAMPLE])
    check("-- and two operands", rc == 2 and "unexpected argument" in err, err)
    rc, out, err = run(["assess", "--format", "json", "--", "-"], stdin=open(EXAMPLE, "rb").read())
    check("-- then - (standard input)", rc == 0 and json.loads(out)["patient_id"] == "p-001", err)
    pop = ndjson()
    rc, out, err = run(["screen", "--", pop])
    check("screen -- FILE", rc == 0 and out.count(b"\n") == 40 - len(re.findall(r"line \d+", err)), err[-300:])
    rc, out, err = run(["synth", "--count", "1", "--seed", "1", "--", "x"])
    check("synth takes no operand, even after --", rc == 2 and "unexpected argument 'x'" in err, err)


# ---- errors name the argument ----------------------------------------------

def fails_naming(name, args, needles, stdin=None, absent=()):
    rc, out, err = run(args, stdin=stdin)
    ok = rc == 2 and out == b"" and all(n in err for n in needles) and not any(a in err for a in absent)
    ok = ok and err.count("\n") == 1  # one line: the fault, not a cascade
    check(name, ok, "exit %d: %r" % (rc, err))


def group_errors():
    ex = EXAMPLE
    good = os.path.basename(ex)
    # the case: a bad --as-of with a good record file
    fails_naming("assess: bad --as-of names the option, not the file", ["assess", "--as-of", "2026-13-01", ex],
                 ["osteoplan assess: --as-of: '2026-13-01' is not a date (YYYY-MM-DD)"], absent=[good, "invalid record"])
    fails_naming("assess: --as-of=bad", ["assess", "--as-of=2026-02-30", ex], ["--as-of: '2026-02-30' is not a date"],
                 absent=[good])
    fails_naming("assess: --as-of past the last plan date", ["assess", "--as-of", "9950-01-01", ex],
                 ["--as-of: '9950-01-01' is after 9899-12-31"], absent=[good])
    fails_naming("assess: empty --as-of=", ["assess", "--as-of=", ex], ["--as-of: '' is not a date"])
    fails_naming("assess: bad --format", ["assess", "--format=yaml", ex], ["--format: 'yaml' is not one of text, json"])
    fails_naming("assess: bad --audience", ["assess", "--audience", "family", ex], ["--audience: 'family' is not one of"])
    fails_naming("assess: bad --input", ["assess", "--input=hl7", ex], ["--input: 'hl7' is not one of record, fhir"])
    fails_naming("assess: --kb that cannot be read", ["assess", "--kb", path("nokb"), ex], ["--kb", "nokb"])
    fails_naming("assess: unknown --profile", ["assess", "--profile=nope", ex], ["--profile", "nope"])
    fails_naming("assess: unknown option", ["assess", "--colour", ex], ["unknown option '--colour'"])
    fails_naming("assess: unknown option with a value", ["assess", "--frobnicate=3", ex], ["unknown option '--frobnicate'"])
    fails_naming("assess: unknown short option", ["assess", "-q", ex], ["unknown option '-q'"])
    fails_naming("assess: missing value", ["assess", ex, "--as-of"], ["--as-of needs a value"])
    fails_naming("assess: a flag given a value", ["assess", "--color=yes", ex], ["--color takes no value", "--color=yes"])
    fails_naming("assess: --help given a value", ["assess", "--help=x"], ["--help takes no value"])
    fails_naming("assess: ambiguous prefix", ["assess", "--a", "x", ex], ["'--a' is ambiguous", "--audience", "--as-of"])
    fails_naming("assess: missing file names it", ["assess", path("absent.json")], ["absent.json", "No such file"])
    pop = ndjson()
    s = ["screen"]
    fails_naming("screen: bad --as-of", s + ["--as-of", "2026-13-01", pop], ["screen: --as-of: '2026-13-01' is not a date"],
                 absent=["pop.ndjson"])
    fails_naming("screen: bad --threads", s + ["--threads=0", pop], ["--threads: '0' is not a whole number from 1 to 256"])
    fails_naming("screen: --threads not a number", s + ["--threads", "4x", pop], ["--threads: '4x'"])
    fails_naming("screen: bad --format", s + ["--format", "xml", pop], ["--format: 'xml' is not one of ndjson, csv"])
    fails_naming("screen: bad --input", s + ["--input=hl7", pop], ["--input: 'hl7' is not one of record, fhir, omop"])
    fails_naming("screen: --errors that cannot be opened", s + ["--errors", path("no/dir/e.txt"), pop],
                 ["--errors: '%s'" % path("no/dir/e.txt"), "No such file"])
    fails_naming("screen: a flag given a value", s + ["--gaps-only=yes", pop], ["--gaps-only takes no value"])
    fails_naming("screen: --input omop without --as-of", s + ["--input", "omop", TMP], ["--input omop needs --as-of"])
    w = ["worklist"]
    fails_naming("worklist: bad --as-of", w + ["--as-of=2026-00-10", pop], ["worklist: --as-of: '2026-00-10' is not a date"])
    fails_naming("worklist: bad --threads", w + ["--threads", "999", pop], ["--threads: '999' is not a whole number"])
    fails_naming("worklist: bad --format", w + ["--format=pdf", pop], ["--format: 'pdf' is not one of csv, xlsx, html"])
    fails_naming("worklist: bad --input", w + ["--input", "x", pop], ["--input: 'x' is not one of"])
    fails_naming("worklist: -o without a value", w + [pop, "-o"], ["-o needs a value"])
    fails_naming("worklist: --errors that cannot be opened", w + ["--errors=" + path("no/e.txt"), "-o", path("w.csv"), pop],
                 ["--errors: '%s'" % path("no/e.txt")])
    fails_naming("worklist: a flag given a value", w + ["--changes=1"], ["--changes takes no value"])
    y = ["synth"]
    fails_naming("synth: bad --count", y + ["--count=ten", "--seed", "1"], ["--count: 'ten' is not a whole number"])
    fails_naming("synth: bad --seed", y + ["--count", "1", "--seed=-4"], ["--seed: '-4' is not a whole number"])
    fails_naming("synth: bad --bad-rate", y + ["--count", "1", "--seed", "1", "--bad-rate=2"],
                 ["--bad-rate: '2' is not a number from 0 to 1"])
    fails_naming("synth: bad --as-of", y + ["--count", "1", "--seed", "1", "--as-of", "01/02/2026"],
                 ["synth: --as-of: '01/02/2026' is not a date (YYYY-MM-DD)"])
    fails_naming("synth: --count missing", y + ["--seed", "1"], ["--count is required"])
    v = ["serve"]
    fails_naming("serve: bad --as-of", v + ["--as-of", "2026-13-01"], ["serve: --as-of: '2026-13-01' is not a date"])
    fails_naming("serve: bad --threads", v + ["--threads=-1"], ["--threads: '-1' is not a whole number"])
    fails_naming("serve: bad --listen", v + ["--listen=localhost"], ["--listen: 'localhost' is not ADDR:PORT"])
    fails_naming("serve: --config that cannot be read", v + ["--config", path("none.ini")], ["--config", "none.ini"])
    fails_naming("serve: --kb that cannot be read", v + ["--kb=" + path("nokb")], ["--kb", "nokb"])
    fails_naming("serve: takes no operand", v + ["x.json"], ["unexpected argument 'x.json'"])
    # a bad record still names the record and the field (the argument at fault)
    bad = path("bad.json")
    with open(bad, "w") as f:
        f.write('{"sex":"female","birth_date":"1950-13-01"}')
    fails_naming("assess: a bad record names the file and the field", ["assess", "--as-of", "2026-11-01", bad],
                 ["bad.json", "birth_date"], absent=["--as-of"])


# ---- --help -------------------------------------------------------------------

def help_text(cmd):
    rc, out, err = run(([cmd] if cmd else []) + ["--help"])
    assert rc == 0, (cmd, err)
    return out.decode()


def commands():
    """The subcommands osteoplan --help lists."""
    text = help_text(None)
    block = text.split("commands", 1)[1].split("\noptions:", 1)[0]
    return re.findall(r"^  ([a-z]+)  ", block, re.M)


OPT_RE = re.compile(r"(?<![\w-])(--?[a-z][a-z-]*)")


def help_options(text):
    """{option: set of values} from a --help text's option lines (lines that
    start with spaces and '-', or a continuation naming a form like --no-x)."""
    opts = {}
    for line in text.splitlines():
        m = re.match(r"^  +(-.*)$", line)
        if not m:
            continue
        tag = re.split(r"\s{2,}", m.group(1).strip())[0]
        for part in re.split(r",\s*|\s+/\s+", tag):
            words = part.split()
            if not words or not OPT_RE.fullmatch(words[0]):
                continue
            values = set()
            if len(words) > 1 and "|" in words[1]:
                values = set(words[1].split("|"))
            opts.setdefault(words[0], set()).update(values)
    return opts


def code_options(cmd):
    """The option names in the cli_opt table of src/cli/cmd_CMD.c."""
    p = os.path.join(ROOT, "src", "cli", "cmd_%s.c" % cmd)
    if not os.path.exists(p):
        return None
    return set(re.findall(r'\{"(--?[a-z][a-z-]*)",', open(p).read()))


def group_help():
    cmds = commands()
    check("osteoplan --help lists the commands", {"assess", "screen", "worklist", "serve", "synth"} <= set(cmds), cmds)
    files = sorted(f[4:-2] for f in os.listdir(os.path.join(ROOT, "src", "cli")) if re.match(r"cmd_\w+\.c$", f))
    check("every cmd_*.c is a command --help lists", set(files) <= set(cmds), "%s vs %s" % (files, cmds))
    for cmd in [None] + cmds:
        text = help_text(cmd)
        label = "osteoplan %s--help" % (cmd + " " if cmd else "")
        for needle in ("record.md", "plan.md", "osteoplan(1)", "--opt=VALUE"):
            check(label + " names " + needle, needle in text, text[-400:])
        if cmd is None:
            continue
        code = code_options(cmd)
        documented = set(help_options(text))
        if code is not None:
            check(label + " lists every option of the code", code <= documented, "not in --help: %s" % sorted(code - documented))
        check(label + " lists -h/--help", "--help" in documented)
    serve = help_text("serve")
    check("serve --help names the web page", "web page at /" in serve and "http://" in serve, serve[:400])
    check("osteoplan --help names the web page", "web page" in help_text(None))


# ---- the man page --------------------------------------------------------------

def deroff(line):
    line = line.replace("\\-", "-").replace("\\(aq", "'").replace("\\e", "\\")
    line = re.sub(r"\\f[BIRP]", "", line)
    return line


def man_sections(text):
    """{command or '': [tag lines]} for the .SS sections of COMMANDS (the
    key is the command's name; '' for "osteoplan --help | --version"), and
    the set of .SH headings and the SYNOPSIS lines."""
    lines = text.splitlines()
    sh, ss, tags, synopsis = set(), None, {}, []
    in_commands = in_synopsis = False
    for i, line in enumerate(lines):
        if line.startswith(".SH "):
            name = line[4:].strip().strip('"')
            sh.add(name)
            in_commands, in_synopsis, ss = name == "COMMANDS", name == "SYNOPSIS", None
            continue
        if in_synopsis and not line.startswith(".br"):
            synopsis.append(deroff(line))
        if in_commands and line.startswith(".SS "):
            words = deroff(line[4:]).strip('"').split()
            ss = words[1] if len(words) > 1 and not words[1].startswith("-") else ""
            tags.setdefault(ss, [])
        if in_commands and ss is not None and line.startswith(".TP") and i + 1 < len(lines):
            tags[ss].append(deroff(lines[i + 1]))
    return sh, tags, synopsis


def man_options(tag_lines):
    """{option: set of values} from the .TP tags of one section."""
    opts = {}
    for tag in tag_lines:
        words = re.sub(r'^\.\w+\s*', "", tag).replace('"', " ").replace(",", " ").split()
        last = None
        for w in words:
            if OPT_RE.fullmatch(w):
                last = w
                opts.setdefault(w, set())
            elif last and w not in ("|",):
                opts[last].update(v for v in w.split("|") if v)
    return opts


def man_problems(text, expected):
    """What the man page lacks: expected is {command: {option: values}}
    ('' for the program's own options)."""
    problems = []
    sh, tags, synopsis = man_sections(text)
    for s in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "FILES", "EXIT STATUS", "EXAMPLES", "SEE ALSO"):
        if s not in sh:
            problems.append("no section %s" % s)
    syn = " ".join(synopsis)
    for cmd, opts in expected.items():
        if cmd and not re.search(r"osteoplan %s\b" % cmd, syn):
            problems.append("SYNOPSIS lacks %s" % cmd)
        if cmd not in tags:
            problems.append("no section for %r" % (cmd or "osteoplan --help"))
            continue
        have = man_options(tags[cmd])
        for opt, values in sorted(opts.items()):
            if opt not in have:
                problems.append("%s: %s not in the man page" % (cmd or "osteoplan", opt))
            elif not values <= have[opt]:
                problems.append("%s %s: values %s not in the man page" % (cmd, opt, sorted(values - have[opt])))
    if "record.md" not in text or "plan.md" not in text:
        problems.append("the reference pages are not named")
    return problems


KNOWN_MACROS = {"TH", "SH", "SS", "TP", "PP", "P", "LP", "IP", "RS", "RE", "B", "I", "BI", "IB", "BR", "RB", "IR", "RI",
                "nf", "fi", "br", "sp", "HP", "SM", "SB", "EX", "EE", "UR", "UE", "MT", "ME", "in", "ti", "ad", "na"}


def macro_problems(text):
    """A check of the macros when neither groff nor man is installed."""
    problems = []
    lines = text.splitlines()
    first = next((l for l in lines if not l.startswith('.\\"')), "")
    if not first.startswith(".TH OSTEOPLAN 1 "):
        problems.append("the first line is not .TH OSTEOPLAN 1")
    depth = 0
    for n, line in enumerate(lines, 1):
        if line.startswith('.\\"'):
            continue
        if not line.startswith("."):
            if re.search(r"(?<!\\)\\(?![-fe(\\&])", line):
                problems.append("line %d: unknown escape" % n)
            continue
        macro = line[1:].split()[0] if line[1:].split() else ""
        if macro not in KNOWN_MACROS:
            problems.append("line %d: macro .%s not in man(7)" % (n, macro))
        depth += macro == "RS"
        depth -= macro == "RE"
        if depth < 0:
            problems.append("line %d: .RE without .RS" % n)
    if depth:
        problems.append(".RS without .RE")
    return problems


def group_man():
    text = open(MAN).read()
    expected = {}
    for cmd in commands():
        expected[cmd] = help_options(help_text(cmd))
    top = help_options(help_text(None))
    expected[""] = top
    check("osteoplan --help's options read", {"--help", "--version"} <= set(top), top)
    check("assess --help's --format values read", "json" in expected["assess"].get("--format", set()), expected["assess"])
    problems = man_problems(text, expected)
    check("the man page lists every command, option and value --help lists", not problems, "; ".join(problems))
    problems = macro_problems(text)
    check("the man page's macros are man(7)'s", not problems, "; ".join(problems))
    groff, man = shutil.which("groff"), shutil.which("man")
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80")
    if groff:
        p = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", MAN], capture_output=True, env=env)
        check("groff -man -ww: no warning", p.returncode == 0 and not p.stderr, p.stderr.decode()[:500])
        print("note: the man page checked with groff -man -Tutf8 -ww")
    elif man:
        p = subprocess.run([man, "-l", MAN], capture_output=True, env=env)
        check("man -l formats it", p.returncode == 0 and b"osteoplan" in p.stdout, p.stderr.decode()[:500])
        print("note: groff not installed: the man page checked with man -l and the macro check")
    else:
        print("note: neither groff nor man installed: only the macro check")


def group_install(build, cmake):
    prefix = path("prefix")
    p = subprocess.run([cmake, "--install", build, "--prefix", prefix], capture_output=True, timeout=120)
    check("cmake --install", p.returncode == 0, p.stderr.decode()[-500:])
    for rel, src in (("share/man/man1/osteoplan.1", MAN), ("share/doc/osteoplan/record.md", os.path.join(DOCS, "record.md")),
                     ("share/doc/osteoplan/plan.md", os.path.join(DOCS, "plan.md"))):
        f = os.path.join(prefix, rel)
        check("installed " + rel, os.path.exists(f) and open(f, "rb").read() == open(src, "rb").read())
    exe = os.path.join(prefix, "bin", "osteoplan")
    ok = os.access(exe, os.X_OK) and subprocess.run([exe, "--version"], capture_output=True).returncode == 0
    check("installed bin/osteoplan runs", ok)
    man = shutil.which("man")
    if man:
        p = subprocess.run([man, "-M", os.path.join(prefix, "share", "man"), "osteoplan"], capture_output=True,
                           env=dict(os.environ, MANPAGER="cat", PAGER="cat", MANWIDTH="80", LC_ALL="C.UTF-8"))
        check("man -M PREFIX/share/man osteoplan finds it", p.returncode == 0 and b"worklist" in p.stdout, p.stderr.decode())


# ---- the reference pages against the code ---------------------------------------

BASE = '"sex":"female","birth_date":"1950-01-01","as_of":"2026-11-01"'
# (where, a record with an unknown member or code there)
PROBES = [
    ("top level", "{%s,\"zz\":1}" % BASE),
    ("bmd", "{%s,\"bmd\":[{\"zz\":1}]}" % BASE),
    ("frax", "{%s,\"frax\":{\"zz\":1}}" % BASE),
    ("fractures", "{%s,\"fractures\":[{\"zz\":1}]}" % BASE),
    ("therapies", "{%s,\"therapies\":[{\"zz\":1}]}" % BASE),
    ("medications", "{%s,\"medications\":[{\"zz\":1}]}" % BASE),
    ("conditions", "{%s,\"conditions\":[{\"zz\":1}]}" % BASE),
    ("labs", "{%s,\"labs\":{\"zz\":1}}" % BASE),
    ("labs.p1np", "{%s,\"labs\":{\"p1np\":[{\"zz\":1}]}}" % BASE),
    ("lifestyle", "{%s,\"lifestyle\":{\"zz\":1}}" % BASE),
    ("identifiers", "{%s,\"identifiers\":[{\"zz\":1}]}" % BASE),
    ("sex", "{\"sex\":\"zz\",\"age\":70}"),
    ("menopause", "{%s,\"menopause\":\"zz\"}" % BASE),
    ("bmd site", "{%s,\"bmd\":[{\"site\":\"zz\"}]}" % BASE),
    ("fracture site", "{%s,\"fractures\":[{\"site\":\"zz\"}]}" % BASE),
    ("mechanism", "{%s,\"fractures\":[{\"site\":\"hip\",\"year\":2000,\"mechanism\":\"zz\"}]}" % BASE),
    ("agent", "{%s,\"therapies\":[{\"agent\":\"zz\"}]}" % BASE),
    ("stop_reason", "{%s,\"therapies\":[{\"agent\":\"denosumab\",\"start\":\"2020-01-01\",\"stop_reason\":\"zz\"}]}" % BASE),
    ("adherence", "{%s,\"therapies\":[{\"agent\":\"denosumab\",\"start\":\"2020-01-01\",\"adherence\":\"zz\"}]}" % BASE),
    ("medication class", "{%s,\"medications\":[{\"class\":\"zz\"}]}" % BASE),
    ("condition code", "{%s,\"conditions\":[{\"code\":\"zz\"}]}" % BASE),
]


def reader_names():
    """{where: [names]} as the record reader states them."""
    out = {}
    for where, rec in PROBES:
        rc, _, err = run(["assess", "--format", "json", "-"], stdin=rec.encode())
        m = re.search(r"\((?:allowed here: )([^)]*)\)|expected one of (.*?)(, got .*)?$", err.strip())
        names = [n.strip() for n in (m.group(1) or m.group(2)).split(",")] if rc == 2 and m else None
        if names and m.group(2) and not m.group(3):
            names = names[:-1]  # the reader's message was cut short: its last name may be partial
        out[where] = names
    return out


def record_problems(doc, names):
    problems = []
    for where, ns in names.items():
        if ns is None:
            problems.append("%s: the reader did not say what it allows" % where)
            continue
        problems += ["%s: `%s` not in record.md" % (where, n) for n in ns if "`%s`" % n not in doc]
    return problems


def plan_terms(plan, prefix=""):
    """Every member name and every code value (lower_snake_case strings of
    the coded members) of a plan."""
    coded = {"diagnosis", "category", "code", "status", "action", "intent", "severity", "indicator", "rule", "site",
             "agent", "reasons", "lifestyle", "care_gaps", "audiences", "schema", "profile", "kind"}
    terms = set()

    def walk(o, key):
        if isinstance(o, dict):
            for k, v in o.items():
                if key != "sources" or not isinstance(v, dict):
                    terms.add(k)
                if k != "diagnosis_codes":  # ICD codes, not the plan's own
                    walk(v, k)
        elif isinstance(o, list):
            for v in o:
                walk(v, key)
        elif isinstance(o, str) and key in coded and key not in ("rule", "site", "agent"):
            terms.add(o)
    walk(plan, "")
    return terms


def plans():
    vdir = os.path.join(ROOT, "tests", "vignettes")
    records = []
    for f in sorted(os.listdir(vdir)):
        if f.endswith(".json"):
            records.append(json.dumps(json.load(open(os.path.join(vdir, f)))["patient"]).encode())
    out = []
    for rec in records:
        rc, o, err = run(["assess", "--format", "json", "-"], stdin=rec)
        if rc == 0:
            out.append(json.loads(o))
    return out


def plan_problems(doc, terms):
    return sorted("`%s` not in plan.md" % t for t in terms if "`%s`" % t not in doc)


def group_reference():
    record = open(os.path.join(DOCS, "record.md")).read()
    problems = record_problems(record, reader_names())
    check("record.md names every field and code the reader accepts", not problems, "; ".join(problems))
    ps = plans()
    check("the vignettes give plans", len(ps) >= 30, len(ps))
    terms = set()
    for p in ps:
        terms |= plan_terms(p)
    check("plans have the terms checked", {"treatment", "phases", "start", "critical", "care_gaps"} <= terms, sorted(terms))
    problems = plan_problems(open(os.path.join(DOCS, "plan.md")).read(), terms)
    check("plan.md names every member and code the plans carry", not problems, "; ".join(problems))


# ---- self-test -----------------------------------------------------------------

def self_test():
    """Each documentation checker must report a page that lacks something."""
    text = open(MAN).read()
    # a value, an option and a command the page cannot have
    expected = {"assess": {"--format": {"json", "yaml"}, "--as-of": set(), "--brand-new": set()},
                "nosuchcmd": {"--db": set()}, "": {"--version": set()}}
    problems = man_problems(text, expected)
    want = ["assess: --brand-new not in the man page", "assess --format: values ['yaml'] not in the man page",
            "SYNOPSIS lacks nosuchcmd", "no section for 'nosuchcmd'"]
    for w in want:
        check("self-test: man checker reports %r" % w, w in problems, problems)
    check("self-test: man checker passes what is there",
          not man_problems(text, {"assess": {"--format": {"json"}}, "": {"--version": set()}}))
    cut = text.replace(".SH EXIT STATUS", ".SH EXIT").replace(".TP\n.BI \\-\\-seed", ".TP\n.BI \\-\\-sede")
    problems = man_problems(cut, {"synth": {"--seed": set()}})
    check("self-test: a missing section and a misspelt option are reported",
          "no section EXIT STATUS" in problems and "synth: --seed not in the man page" in problems, problems)
    check("self-test: macro check reports a bad macro", macro_problems(text + ".XX oops\n") != [])
    check("self-test: macro check reports an unbalanced .RS", macro_problems(text + ".RS\n") != [])
    check("self-test: macro check passes the page", macro_problems(text) == [], macro_problems(text))
    opts = help_options("options:\n  --format text|json\n                  x\n  -o, --output FILE  y\n  --color / --no-color\n")
    check("self-test: --help options read", opts == {"--format": {"text", "json"}, "-o": set(), "--output": set(),
                                                     "--color": set(), "--no-color": set()}, opts)
    record = open(os.path.join(DOCS, "record.md")).read()
    problems = record_problems(record.replace("`one_third_radius`", "one third radius"),
                               {"bmd site": ["lumbar_spine", "one_third_radius"], "x": None})
    check("self-test: record checker reports a code left out and a silent reader",
          problems == ["bmd site: `one_third_radius` not in record.md", "x: the reader did not say what it allows"], problems)
    plan = open(os.path.join(DOCS, "plan.md")).read()
    problems = plan_problems(plan, plan_terms({"treatment": {"action": "start", "brand_new_member": 1}}))
    check("self-test: plan checker reports a new member", problems == ["`brand_new_member` not in plan.md"], problems)


def main():
    global BIN
    args = sys.argv[1:]
    if args and args[0] == "--self-test":
        self_test()
    else:
        BIN = os.path.abspath(args[0]) if os.sep in args[0] else args[0]
        build = args[args.index("--build") + 1] if "--build" in args else None
        cmake = args[args.index("--cmake") + 1] if "--cmake" in args else shutil.which("cmake")
        group_equals()
        group_dashdash()
        group_errors()
        group_help()
        group_man()
        group_reference()
        if build:
            group_install(build, cmake)
        else:
            print("note: cmake --install not checked (no --build DIR)")
    shutil.rmtree(TMP, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
