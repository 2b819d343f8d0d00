"""Starting `osteoplan serve` on a free loopback port for the end-to-end
scripts, and one HTTP call to it."""
import http.client
import json
import os
import socket
import subprocess
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start(binary, as_of, config_text=None, extra=(), threads=2, preexec_fn=None):
    """Returns (process, port, log file); the server is accepting when it returns."""
    port = free_port()
    tmp = tempfile.mkdtemp()
    args = [binary, "serve", "--listen", "127.0.0.1:%d" % port, "--threads", str(threads), "--as-of", as_of]
    if config_text is not None:
        cfg = os.path.join(tmp, "serve.ini")
        with open(cfg, "w") as f:
            f.write(config_text)
        args += ["--config", cfg]
    log = open(os.path.join(tmp, "log"), "w+")
    p = subprocess.Popen(args + list(extra), stderr=log, preexec_fn=preexec_fn)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return p, port, log


def without_ids(x):
    """x with every "uuid" (card and suggestion ids: random per answer) as "-",
    for comparing two answers."""
    if isinstance(x, dict):
        return {k: "-" if k == "uuid" else without_ids(v) for k, v in x.items()}
    if isinstance(x, list):
        return [without_ids(v) for v in x]
    return x


def stop(proc, log):
    """Stops the server (SIGTERM) and returns its log."""
    proc.terminate()
    proc.wait(timeout=30)
    log.seek(0)
    return log.read()


def call(port, method, path, body=None, headers=None, raw=None, timeout=20):
    """(status, parsed JSON or the raw bytes)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    try:
        c.request(method, path, body=data, headers=h)
    except (BrokenPipeError, ConnectionResetError):
        pass  # answered before the whole body was sent (413): read the answer
    r = c.getresponse()
    text = r.read()
    c.close()
    try:
        return r.status, json.loads(text)
    except ValueError:
        return r.status, text
