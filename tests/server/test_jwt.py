#!/usr/bin/env python3
"""The service's token checks over real HTTP on loopback, at their
boundaries: members named twice (directly and through escapes, in the
header and the claims, at any depth), the algorithm pinned per issuer,
crit, numbers out of range, the lifetime cap, exp against the skew, nbf,
the jti cache full (503, then recovery), keys read at start-up, /api/*
behind the token, and CORS only for listed origins.

usage: test_jwt.py OSTEOPLAN JWT_SIGN
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fhir_fixtures  # noqa: E402
from checks import check, failures  # noqa: E402
import serving  # noqa: E402
from serving import call  # noqa: E402

BIN, SIGN = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = os.path.join(HERE, "keys")
AS_OF = "2026-11-01"
ISS = "https://ehr.test"
PV = "/cds-services/osteoplan-patient-view"

BASE = """
[jwt]
required = true
skew_s = 30
@JWT@
[issuer.ehr]
iss = https://ehr.test
kid = ehr-1
public_key_file = @KEYS@/ehr-es384.pem
[issuer.ehr-rsa]
iss = https://ehr.test
kid = ehr-rsa
public_key_file = @KEYS@/ehr-rs384.pem
@MORE@
"""


def config(jwt="", more=""):
    return BASE.replace("@JWT@", jwt).replace("@MORE@", more).replace("@KEYS@", KEYS)


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def raw_token(header, claims, alg="ES384", key="ehr-es384.key"):
    """header and claims texts signed byte for byte."""
    t = subprocess.run([SIGN, "--raw", alg, os.path.join(KEYS, key), header, claims], capture_output=True,
                       text=True, check=True).stdout.strip()
    return {"Authorization": "Bearer " + t}


def hmac_token(header, claims, secret):
    """The forgery: HS256 with the issuer's public PEM as the secret."""
    si = "%s.%s" % (b64(header.encode()), b64(claims.encode()))
    sig = b64(hmac.new(secret, si.encode(), hashlib.sha256).digest())
    return {"Authorization": "Bearer %s.%s" % (si, sig)}


class Tokens:
    def __init__(self, port):
        self.port, self.n = port, 0

    def claims(self, path=PV, **kw):
        now = int(time.time())
        self.n += 1
        c = {"iss": ISS, "aud": "http://127.0.0.1:%d%s" % (self.port, path), "exp": now + 300, "iat": now,
             "jti": "t-%d-%f" % (self.n, time.time())}
        c.update(kw)
        return {k: v for k, v in c.items() if v is not None}

    def good(self, path=PV, alg="ES384", key="ehr-es384.key", kid="ehr-1", **kw):
        return raw_token(json.dumps({"alg": alg, "typ": "JWT", "kid": kid}), json.dumps(self.claims(path, **kw)),
                         alg, key)


def request_body():
    rec = {"id": "jwt-1", "sex": "female", "birth_date": "1952-04-12",
           "bmd": [{"site": "lumbar_spine", "t_score": -2.7, "date": "2026-05-04"}]}
    res = fhir_fixtures.to_fhir(rec)
    by = {}
    for r in res:
        by.setdefault(r["resourceType"], []).append(r)
    bundle = lambda t: {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in by.get(t, [])]}
    return {"hook": "patient-view", "hookInstance": "jwt-1",
            "context": {"userId": "Practitioner/1", "patientId": by["Patient"][0]["id"]},
            "prefetch": {"patient": by["Patient"][0], "observations": bundle("Observation"),
                         "conditions": bundle("Condition"), "medicationRequests": bundle("MedicationRequest"),
                         "medicationStatements": bundle("MedicationStatement")}}


REQ = request_body()


def expect(port, headers, want, what, path=PV):
    st, body = call(port, "POST" if path == PV else "GET", path, REQ if path == PV else None, headers)
    check(st == want, "%s: %d (got %s %s)" % (what, want, st, body if st != 200 else ""))
    return body


def duplicates(port, tk):
    pem = open(os.path.join(KEYS, "ehr-es384.pem"), "rb").read()
    c = json.dumps(tk.claims())
    expect(port, hmac_token('{"alg":"ES384","typ":"JWT","kid":"ehr-1","alg":"HS256"}', c, pem), 401,
           "alg twice, HMAC with the public key")
    c = json.dumps(tk.claims())
    expect(port, hmac_token('{"alg":"ES384","typ":"JWT","kid":"ehr-1","al\\u0067":"HS256"}', c, pem), 401,
           "alg twice through an escape, HMAC with the public key")
    hdr = '{"alg":"ES384","typ":"JWT","kid":"ehr-1"}'
    c = tk.claims()
    text = json.dumps(c)[:-1] + ', "iss": "https://evil.test"}'
    expect(port, raw_token(hdr, text), 401, "iss twice in signed claims")
    text = json.dumps(tk.claims())[:-1] + ', "j\\u0074i": "other"}'
    expect(port, raw_token(hdr, text), 401, "jti twice through an escape")
    text = json.dumps(tk.claims())[:-1] + ', "ext": {"a": {"b": 1, "\\u0062": 2}}}'
    expect(port, raw_token(hdr, text), 401, "a member twice three levels down")
    text = json.dumps(tk.claims())[:-1] + ', "ext": {"a": {"b": 1, "c": 2}}, "x": [{"b": 1}, {"b": 2}]}'
    expect(port, raw_token(hdr, text), 200, "the same names in different objects")
    hdr2 = '{"alg":"ES384","typ":"JWT","kid":"ehr-1","kid":"ehr-rsa"}'
    expect(port, raw_token(hdr2, json.dumps(tk.claims())), 401, "kid twice")


def algorithms(port, tk):
    expect(port, tk.good(alg="RS384", key="ehr-rs384.key", kid="ehr-rsa"), 200, "RS384, the RSA issuer's default")
    expect(port, tk.good(alg="RS256", key="ehr-rs384.key", kid="ehr-rsa"), 401, "RS256 for an RS384-pinned key")
    expect(port, tk.good(alg="RS384", key="ehr-rs384.key", kid="ehr-1"), 401, "an RSA token for the EC issuer")
    hdr = '{"alg":"ES384","typ":"JWT","kid":"ehr-1","crit":["exp"]}'
    expect(port, raw_token(hdr, json.dumps(tk.claims())), 401, "a crit header")
    hdr = '{"alg":"ES384","typ":"JWT","kid":"ehr-1","cr\\u0069t":["exp"]}'
    expect(port, raw_token(hdr, json.dumps(tk.claims())), 401, "a crit header written with an escape")
    hdr = '{"alg":"ES384","typ":"JWT","kid":"ehr-1"}'
    text = json.dumps(tk.claims())[:-1] + ', "n\\u0062f": %d}' % (int(time.time()) + 1000000)
    expect(port, raw_token(hdr, text), 401, "an nbf far ahead written with an escape")
    # an RS384 signature (256 bytes) ends in a character with 4 unused bits:
    # setting one gives another text for the same bytes, which is refused
    abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    t = tk.good(alg="RS384", key="ehr-rs384.key", kid="ehr-rsa")["Authorization"]
    sig = t.rsplit(".", 1)[1]
    check(len(sig) % 4 == 2, "an RS384 signature's text leaves 4 spare bits (%d characters)" % len(sig))
    expect(port, {"Authorization": t[:-1] + abc[abc.index(sig[-1]) ^ 1]}, 401,
           "a signature re-encoded with a nonzero spare bit")
    expect(port, {"Authorization": t}, 200, "the same token as signed")
    for bad in ("1e19", "10000000000000000000", "1e400", "-1", "1793491200.5", "17934912e2", "\"1793491200\"",
                "253402300800", "null", "[1]"):
        text = json.dumps(tk.claims(exp=None))[:-1] + ', "exp": %s}' % bad
        expect(port, raw_token(hdr, text), 401, "exp %s" % bad)
    for bad in ("1e19", "-1", "1.5"):
        text = json.dumps(tk.claims(iat=None))[:-1] + ', "iat": %s}' % bad
        expect(port, raw_token(hdr, text), 401, "iat %s" % bad)
        text = json.dumps(tk.claims())[:-1] + ', "nbf": %s}' % bad
        expect(port, raw_token(hdr, text), 401, "nbf %s" % bad)
    text = json.dumps(tk.claims())[:-1] + ', "other": 99999999999999999999}'
    expect(port, raw_token(hdr, text), 401, "an integer no 64-bit parser holds, anywhere in the claims")


def times(port, tk):
    now = int(time.time())
    expect(port, tk.good(iat=now - 10, exp=now - 10 + 300), 200, "lifetime exactly max_lifetime_s (300)")
    expect(port, tk.good(iat=now - 10, exp=now - 10 + 301), 401, "lifetime one second over max_lifetime_s")
    expect(port, tk.good(iat=now, exp=now + 3600), 401, "a one-hour token")
    expect(port, tk.good(iat=now - 100, exp=now - 20), 200, "exp 20 s past, within skew_s 30")
    expect(port, tk.good(iat=now - 100, exp=now - 40), 401, "exp 40 s past, beyond skew_s 30")
    expect(port, tk.good(nbf=now + 10), 200, "nbf 10 s ahead, within skew")
    expect(port, tk.good(nbf=now + 60), 401, "nbf 60 s ahead")
    expect(port, tk.good(iat=now + 60, exp=now + 100), 401, "iat 60 s ahead")
    expect(port, tk.good(iat=now, exp=now - 1), 401, "exp before iat")


def api_guard(port, tk):
    for path in ("/api/labels",):
        st, _ = call(port, "GET", path)
        check(st == 401, "%s without a token under [jwt] required: 401 (got %s)" % (path, st))
        st, _ = call(port, "GET", path, headers=tk.good(path=path))
        check(st == 200, "%s with a token for its URL: 200 (got %s)" % (path, st))
    rec = json.load(open(os.path.join(HERE, "..", "..", "examples", "patient.json")))
    st, _ = call(port, "POST", "/api/assess", rec)
    check(st == 401, "/api/assess without a token under [jwt] required: 401 (got %s)" % st)
    st, _ = call(port, "POST", "/api/assess", rec, tk.good(path="/api/assess"))
    check(st == 200, "/api/assess with a token: 200 (got %s)" % st)
    st, _ = call(port, "GET", "/healthz")
    check(st == 200, "/healthz needs no token")


def headers_of(port, method, path, headers):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path, headers=headers)
    r = c.getresponse()
    r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}


def cors(port, listed):
    st, h = headers_of(port, "GET", "/healthz", {"Origin": "https://evil.test"})
    check(st == 200 and "access-control-allow-origin" not in h, "no CORS header for an unlisted origin")
    st, h = headers_of(port, "GET", "/healthz", {})
    check("access-control-allow-origin" not in h, "no CORS header without an Origin")
    st, h = headers_of(port, "OPTIONS", PV, {"Origin": "https://evil.test", "Access-Control-Request-Method": "POST"})
    check("access-control-allow-origin" not in h, "no preflight grant for an unlisted origin")
    if listed:
        st, h = headers_of(port, "GET", "/healthz", {"Origin": listed})
        check(h.get("access-control-allow-origin") == listed and "Origin" in h.get("vary", ""),
              "a listed origin gets itself back, with Vary: Origin (%s)" % h)
        st, h = headers_of(port, "OPTIONS", PV, {"Origin": listed, "Access-Control-Request-Method": "POST"})
        check(st == 204 and h.get("access-control-allow-origin") == listed and
              "Authorization" in h.get("access-control-allow-headers", ""), "preflight of a listed origin")


def full_cache():
    proc, port, log = serving.start(BIN, AS_OF, config("replay_cache = 2").replace("skew_s = 30", "skew_s = 0"))
    tk = Tokens(port)
    if proc.poll() is not None:
        check(False, "the server starts with replay_cache = 2")
        return
    try:
        now = int(time.time())
        for i in (1, 2):
            expect(port, tk.good(iat=now, exp=now + 2), 200, "cache entry %d of 2" % i)
        body = expect(port, tk.good(iat=now, exp=now + 2), 503, "a new token when the jti cache is full")
        check("replay cache full" in str(body), "the 503 says why (%s)" % body)
        time.sleep(max(0.0, now + 3.2 - time.time()))
        now = int(time.time())
        expect(port, tk.good(iat=now, exp=now + 2), 200, "after the cached tokens expired")
    finally:
        text = serving.stop(proc, log)
    check("replay cache full" in text and "503" in text, "the full cache is logged")


def bad_keys():
    tmp = tempfile.mkdtemp()
    cases = [
        ("not a PEM", "[jwt]\nrequired = true\n[issuer.x]\niss = https://x\npublic_key_file = %s\n"
         % os.path.join(HERE, "jwt_sign.c")),
        ("ES256 pinned on a P-384 key", "[jwt]\nrequired = true\n[issuer.x]\niss = https://x\nalg = ES256\n"
         "public_key_file = %s/ehr-es384.pem\n" % KEYS),
        ("HS256 pinned", "[jwt]\nrequired = true\n[issuer.x]\niss = https://x\nalg = HS256\n"
         "public_key_file = %s/ehr-rs384.pem\n" % KEYS),
        ("ES384 pinned on an RSA key", "[jwt]\nrequired = true\n[issuer.x]\niss = https://x\nalg = ES384\n"
         "public_key_file = %s/ehr-rs384.pem\n" % KEYS),
        ("CORS *", "[server]\ncors_allow_origins = *\n"),
    ]
    for what, text in cases:
        cfg = os.path.join(tmp, "c.ini")
        open(cfg, "w").write(text)
        p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:%d" % serving.free_port(), "--config", cfg],
                             stderr=subprocess.PIPE, text=True)
        try:
            err = p.communicate(timeout=10)[1]
        except subprocess.TimeoutExpired:  # it started: the key is not read at start-up
            p.kill()
            err = p.communicate()[1]
        check(p.returncode not in (0, -9) and err.strip(), "%s: refused at start-up (rc %s, %s)" %
              (what, p.returncode, err.strip()[:200]))
        if what != "CORS *":
            check("issuer" in err or "alg" in err, "%s: the message names the issuer or alg" % what)


def served(cfg, fn):
    """fn(port) against a server started with cfg; a server that does not start is a failure."""
    proc, port, log = serving.start(BIN, AS_OF, cfg)
    try:
        if proc.poll() is not None:
            check(False, "the server starts with %r" % cfg)
            return
        fn(port)
    finally:
        if proc.poll() is None:
            serving.stop(proc, log)


def main():
    bad_keys()

    def closed(port):
        tk = Tokens(port)
        expect(port, tk.good(), 200, "a good ES384 token")
        duplicates(port, tk)
        algorithms(port, tk)
        times(port, tk)
        api_guard(port, tk)
        cors(port, "https://ehr.example.org" if "cors_allow" in cfg else None)
    cfg = config(more="[server]\ncors_allow_origins = https://ehr.example.org")
    served(os.environ.get("JWT_TEST_CONFIG", cfg), closed)

    def open_api(port):  # [api] open: the page's API without a token; CORS: nothing listed
        st, _ = call(port, "GET", "/api/labels")
        check(st == 200, "[api] open = true: /api/labels without a token (got %s)" % st)
        st, _ = call(port, "POST", PV, REQ)
        check(st == 401, "[api] open = true leaves the CDS services closed (got %s)" % st)
        cors(port, None)
    served(config(more="[api]\nopen = true"), open_api)
    full_cache()
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
