#!/usr/bin/env python3
"""The server under abuse, on loopback, with bounded loops: clients that
disconnect mid-request, slow senders, thousands of idle connections,
oversize headers and bodies, pipelined requests. Throughout, a well-behaved
client (the probe) keeps asking for a plan; every probe must be answered,
correctly, and the server's memory must stay bounded. The probe's latencies
are printed (the latency target itself is bench/serve.sh's business; this
test only bounds them loosely, so that a stalled server fails).

usage: test_faults.py OSTEOPLAN
"""
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serving  # noqa: E402
from checks import check, failures  # noqa: E402

BIN = sys.argv[1]
AS_OF = "2026-11-01"
RECORD = {"id": "probe", "sex": "female", "birth_date": "1950-03-01",
          "bmd": [{"site": "total_hip", "t_score": -2.7, "date": "2026-05-01"}]}
STALL = float(os.environ.get("FAULTS_STALL", "2.0"))  # seconds: a probe slower than this means the server stalled
IDLE = int(os.environ.get("FAULTS_IDLE", "3000"))  # idle connections held at once
TIMEOUT = 2  # the server's connection timeout in this test (seconds)


class Probe(threading.Thread):
    """Asks for the same plan again and again until stopped."""

    def __init__(self, port, want):
        super().__init__(daemon=True)
        self.port, self.want = port, want
        self.lat, self.bad = [], []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            t = time.monotonic()
            try:
                status, body = serving.call(self.port, "POST", "/api/assess", RECORD, timeout=10)
                ok = status == 200 and body.get("risk") == self.want.get("risk") and body.get("decision") == self.want.get("decision")
            except OSError as e:
                ok, body = False, str(e)
            self.lat.append(time.monotonic() - t)
            if not ok:
                self.bad.append(str(body)[:200])
            time.sleep(0.02)

    def finish(self, what):
        self.stop.set()
        self.join()
        lat = sorted(self.lat)
        worst = lat[-1] if lat else 0
        p99 = lat[int(len(lat) * 0.99)] if lat else 0
        print("  %-44s probe: %4d answers, p50 %.1f ms, p99 %.1f ms, worst %.1f ms" %
              (what, len(lat), lat[len(lat) // 2] * 1000 if lat else 0, p99 * 1000, worst * 1000))
        check(len(lat) >= 3, what + ": the probe was answered (%d)" % len(lat))
        check(not self.bad, what + ": every probe answered correctly: %s" % self.bad[:2])
        check(worst < STALL, what + ": no probe waited %.1f s or more (worst %.2f s)" % (STALL, worst))


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def head(path, length=None, extra=""):
    h = "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n%s" % (path, extra)
    if length is not None:
        h += "Content-Length: %d\r\n" % length
    return (h + "\r\n").encode()


def read_response(s, deadline=10):
    """One HTTP/1.1 response (status, body bytes) read off s."""
    s.settimeout(deadline)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise OSError("closed before a response")
        data += chunk
    hdr, rest = data.split(b"\r\n\r\n", 1)
    lines = hdr.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    n = 0
    for l in lines[1:]:
        k, _, v = l.partition(":")
        if k.strip().lower() == "content-length":
            n = int(v)
    while len(rest) < n:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, rest[:n], rest[n:]


def scenario(port, pid, what, fn, want):
    before = rss_mb(pid)
    p = Probe(port, want)
    p.start()
    time.sleep(0.1)
    fn()
    p.finish(what)
    after = rss_mb(pid)
    print("  %-44s server RSS %.0f MB -> %.0f MB" % ("", before, after))
    check(after < 256, what + ": server memory bounded (%.0f MB)" % after)


def disconnects(port):
    body = json.dumps(RECORD).encode()
    for i in range(300):
        s = connect(port)
        kind = i % 4
        if kind == 0:
            s.sendall(b"POST /api/assess HTTP/1.1\r\nHost: x\r\nContent-Le")  # mid-header
        elif kind == 1:
            s.sendall(head("/api/assess", len(body)) + body[: len(body) // 2])  # mid-body
        elif kind == 2:
            s.sendall(head("/api/assess", len(body)) + body)  # whole request, gone before the answer
        else:
            s.sendall(head("/cds-services/osteoplan-patient-view", 50000) + b"{" * 1000)
        if i % 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST
        s.close()


def slow_senders(port):
    """Slowloris: 100 clients send their headers a few bytes at a time, for
    3 s (bounded); a second wave goes silent mid-header and must be closed
    by the server at its connection timeout."""
    conns = [connect(port) for _ in range(100)]
    text = head("/api/assess", 2)[:-2]
    for step in range(12):
        for s in conns:
            try:
                s.sendall(text[step * 3: step * 3 + 3] or b"X-A: b\r\n")
            except OSError:
                pass
        time.sleep(0.25)
    for s in conns:
        s.close()
    silent = [connect(port) for _ in range(50)]
    for s in silent:
        s.sendall(b"POST /api/assess HTTP/1.1\r\nHost: x\r\n")
    t = time.monotonic()
    closed = 0
    for s in silent:
        s.settimeout(TIMEOUT * 3 + 5 - (time.monotonic() - t))
        try:
            closed += s.recv(100) == b""
        except (socket.timeout, OSError) as e:
            closed += isinstance(e, ConnectionResetError)
        s.close()
    dt = time.monotonic() - t
    check(closed == len(silent), "silent senders closed by the server (%d of %d in %.1f s)" % (closed, len(silent), dt))


def idle_flood(port):
    """IDLE connections opened and held without a byte sent, while the probe
    runs; they end at the server's timeout."""
    conns = []
    refused = 0
    for _ in range(IDLE):
        try:
            conns.append(connect(port))
        except OSError:
            refused += 1
    time.sleep(1.0)
    # the server must still accept and answer with all of them open
    alive = sum(1 for s in conns if s.fileno() >= 0)
    print("  idle connections held: %d (refused %d)" % (alive, refused))
    check(refused == 0, "thousands of idle connections accepted (%d refused)" % refused)
    time.sleep(TIMEOUT + 1.5)
    closed = 0
    for s in conns:
        s.setblocking(False)
        try:
            closed += s.recv(1) == b""
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        s.close()
    check(closed >= len(conns) * 0.95, "idle connections closed at the timeout (%d of %d)" % (closed, len(conns)))


def exchange(port, send, deadline=10):
    """(status, body, seconds) of one connection on which send(sock) writes;
    status 0 when the server closed it without an answer."""
    s = connect(port)
    t = time.monotonic()
    try:
        send(s)
        status, body, _ = read_response(s, deadline)
    except OSError:
        status, body = 0, b""
    s.close()
    return status, body, time.monotonic() - t


def oversize(port):
    # a header line of 200 KB, and 5,000 header lines (closed without an answer is also a refusal)
    for extra in ("X-Big: " + "a" * 200000 + "\r\n", "".join("X-%d: v\r\n" % i for i in range(5000))):
        status, _, _ = exchange(port, lambda s: s.sendall(head("/api/assess", 2, extra) + b"{}"))
        check(status in (0, 413, 431), "oversize headers refused (%d)" % status)
    # bodies over the limit, declared or sent chunked
    big = b'{"id":"' + b"x" * (2 << 20) + b'"}'
    status, body, _ = exchange(port, lambda s: s.sendall(head("/api/assess", len(big)) + big))
    check(status == 413 and b"error" in body, "declared oversize body: 413 JSON (%d %r)" % (status, body[:80]))

    def chunked(s):
        s.sendall(head("/api/assess", None, "Transfer-Encoding: chunked\r\n"))
        for _ in range(40):
            s.sendall(b"10000\r\n" + b"x" * 0x10000 + b"\r\n")
        s.sendall(b"0\r\n\r\n")
    status, body, _ = exchange(port, chunked)
    check(status == 413 and b"error" in body, "chunked oversize body: 413 JSON (%d %r)" % (status, body[:80]))
    # a client that waits for "100 Continue" before a 1 TB body: 413 at once
    status, _, dt = exchange(port, lambda s: s.sendall(head("/api/assess", 10 ** 12, "Expect: 100-continue\r\n")),
                             deadline=TIMEOUT * 3)
    check(status == 413 and dt < TIMEOUT, "Expect: 100-continue with 1 TB: 413 at once (%d, %.1f s)" % (status, dt))
    # the same without Expect and nothing sent: the connection ends at the idle timeout
    status, _, dt = exchange(port, lambda s: s.sendall(head("/api/assess", 10 ** 12)), deadline=TIMEOUT * 4)
    check(status == 0 and dt < TIMEOUT * 3, "1 TB declared, nothing sent: closed at the timeout (%d, %.1f s)" % (status, dt))


def pipelined(port, want):
    """20 requests in one write on one connection, answered in order."""
    records = []
    for i in range(20):
        r = dict(RECORD, id="pipe-%d" % i)
        if i % 3 == 0:
            r["bmd"] = [{"site": "total_hip", "t_score": -1.0, "date": "2026-05-01"}]
        records.append(r)
    data = b""
    for i, r in enumerate(records):
        if i % 5 == 4:
            data += b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        else:
            b = json.dumps(r).encode()
            data += head("/api/assess", len(b)) + b
    s = connect(port)
    s.sendall(data)
    buf = b""
    got = []
    s.settimeout(10)
    for i, r in enumerate(records):
        # read_response with what is left over from the previous one
        while b"\r\n\r\n" not in buf:
            c = s.recv(65536)
            if not c:
                break
            buf += c
        if b"\r\n\r\n" not in buf:
            break
        hdr, rest = buf.split(b"\r\n\r\n", 1)
        n = int([l.split(b":")[1] for l in hdr.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
        while len(rest) < n:
            rest += s.recv(65536)
        body, buf = json.loads(rest[:n]), rest[n:]
        got.append(body)
    s.close()
    check(len(got) == len(records), "pipelined: %d answers of %d" % (len(got), len(records)))
    for i, (r, b) in enumerate(zip(records, got)):
        if i % 5 == 4:
            check(b == {"status": "ok"}, "pipelined %d: healthz" % i)
        else:
            check(b.get("patient_id") == r["id"], "pipelined %d: answer for %s (got %s)" % (i, r["id"], b.get("patient_id")))
    check(got and got[1].get("risk") == want.get("risk"), "pipelined: same plan as alone")


def per_ip_limit(low):
    """max_connections_per_ip: one address cannot hold more than its share."""
    proc, port, log = serving.start(BIN, AS_OF, "[server]\nmax_connections_per_ip = 4\n", preexec_fn=low)
    try:
        # four connections, each answered once and kept alive, so the server
        # has surely accepted them before the fifth arrives (a connect()
        # returns at the kernel's handshake, before the server's accept). A
        # connection of serving.start's readiness probe may still count for
        # a moment after it closed: one refused then is tried again.
        held = []
        for _ in range(40):
            if len(held) == 4:
                break
            s = connect(port)
            try:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                read_response(s)
                held.append(s)
            except OSError:
                s.close()
                time.sleep(0.1)
        check(len(held) == 4, "four connections from one address held (%d)" % len(held))
        extra = connect(port)
        extra.settimeout(5)
        try:
            refused = extra.recv(1) == b""
        except OSError as e:
            refused = isinstance(e, ConnectionResetError)
        extra.close()
        check(refused, "a fifth connection from one address is closed at once")
        for s in held:
            s.close()
        time.sleep(0.2)
        status, _ = serving.call(port, "GET", "/healthz")
        check(status == 200, "answered again once the address holds fewer (%d)" % status)
    finally:
        serving.stop(proc, log)


def stop_under_traffic(rounds):
    """SIGTERM while clients keep connecting and asking: every stop must be a
    clean one (exit 0, "stopped" logged), never an abort inside the HTTP
    library's shutdown (a race there once ended such a stop with SIGABRT)."""
    bad = []
    for i in range(rounds):
        proc, port, log = serving.start(BIN, AS_OF)
        stop = threading.Event()

        def hammer():
            while not stop.is_set():
                try:
                    serving.call(port, "POST", "/api/assess", RECORD, timeout=5)
                except Exception:  # noqa: BLE001 -- refused or cut once the server stops: expected
                    time.sleep(0.001)

        threads = [threading.Thread(target=hammer, daemon=True) for _ in range(6)]
        for t in threads:
            t.start()
        time.sleep(0.05 + 0.03 * (i % 8))
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = "hung"
        stop.set()
        for t in threads:
            t.join()
        log.seek(0)
        text = log.read()
        if rc != 0 or "osteoplan serve: stopped" not in text:
            bad.append("round %d: exit %s, log ends %r" % (i, rc, text[-300:]))
    print("  stopped under traffic %d times: %d unclean" % (rounds, len(bad)))
    check(not bad, "every stop under traffic is clean: %s" % bad[:2])


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # the server starts with the usual soft limit of descriptors, as from a
    # login shell, and must raise it itself to hold thousands of clients
    low = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 1024), hard))
    cfg = "[server]\nconnection_timeout_s = %d\n" % TIMEOUT
    proc, port, log = serving.start(BIN, AS_OF, cfg, preexec_fn=low)
    try:
        status, want = serving.call(port, "POST", "/api/assess", RECORD)
        check(status == 200, "probe record answered (%d)" % status)
        pid = proc.pid
        scenario(port, pid, "clients disconnecting mid-request", lambda: disconnects(port), want)
        scenario(port, pid, "slow senders (slowloris)", lambda: slow_senders(port), want)
        scenario(port, pid, "%d idle connections" % IDLE, lambda: idle_flood(port), want)
        scenario(port, pid, "oversize headers and bodies", lambda: oversize(port), want)
        scenario(port, pid, "pipelined requests", lambda: pipelined(port, want), want)
        check(proc.poll() is None, "the server is still running")
    finally:
        text = serving.stop(proc, log)
    per_ip_limit(low)
    stop_under_traffic(int(os.environ.get("FAULTS_STOPS", "20")))
    check("probe" not in text and "pipe-" not in text, "no patient data in the server log")
    print("%d failed checks" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
