"""Throwaway PostgreSQL 15 instances for the tests (standard library only).

Each Server is a fresh cluster (initdb) in its own directory, listening on
loopback only, on a free port, and is removed when stopped. Nothing is
installed system-wide: Debian's PostgreSQL has the setting
`extension_destdir`, a prefix the server looks under first for extension
control files, install scripts and modules, so a server started with
`extension_destdir = <stage>` finds the osteoplan extension staged by
`make install DESTDIR=<stage>` in the build directory.

PostgreSQL refuses to run as root, and CI runs as root: drop_root()
re-executes the calling script as the `postgres` user (which Debian's
postgresql-common creates) before anything else is done.
"""
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def pg_bindir():
    """The server's binaries (initdb, pg_ctl, postgres): pg_config's bindir."""
    out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def drop_root(user="postgres"):
    """When run as root, re-run this script as `user` (same arguments, same
    environment) and exit with its status; otherwise return at once. The
    script, its working directory and what it reads must be readable by
    that user; it writes only in directories it creates itself."""
    if os.geteuid() != 0:
        return
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        sys.exit(f"{sys.argv[0]}: running as root and there is no '{user}' user to run PostgreSQL as")
    env = dict(os.environ, HOME=pw.pw_dir, USER=user, LOGNAME=user)
    # root's own Python (under /root, say) may not be readable by user
    python = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable
    argv = [python, os.path.abspath(sys.argv[0])] + sys.argv[1:]
    rc = subprocess.call(["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups", "--"] + argv,
                         env=env)
    sys.exit(rc)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One throwaway cluster. workdir: a directory to create it in (None: a
    new temporary one, removed by stop()). stage: the extension's staging
    prefix (extension_destdir), or None. settings: more `-c name=value`."""

    def __init__(self, workdir=None, stage=None, settings=None, name="pg"):
        self.own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="osteoplan-pg-")
        self.datadir = os.path.join(self.workdir, name + "-data")
        self.log = os.path.join(self.workdir, name + ".log")
        self.sockdir = tempfile.mkdtemp(prefix="osteoplan-sock-")  # short path: sockets are limited to 107 bytes
        self.stage = os.path.abspath(stage) if stage else None
        self.settings = dict(settings or {})
        self.host = "127.0.0.1"
        self.port = None
        self.bindir = pg_bindir()
        self.user = pwd.getpwuid(os.geteuid()).pw_name
        self.running = False

    def _bin(self, name):
        return os.path.join(self.bindir, name)

    def start(self):
        """initdb, then start on a free loopback port (a few tries: another
        process may take the port between the probe and the start)."""
        subprocess.run([self._bin("initdb"), "-D", self.datadir, "-A", "trust", "-U", self.user, "-E", "UTF8",
                        "--locale=C", "--no-sync"], check=True, capture_output=True)
        opts = {"listen_addresses": self.host, "unix_socket_directories": self.sockdir, "fsync": "off",
                "synchronous_commit": "off", "full_page_writes": "off"}
        if self.stage:
            opts["extension_destdir"] = self.stage
        opts.update(self.settings)
        last = ""
        for _ in range(5):
            self.port = free_port()
            o = " ".join(f"-c {k}={v}" for k, v in dict(opts, port=self.port).items())
            r = subprocess.run([self._bin("pg_ctl"), "-D", self.datadir, "-l", self.log, "-o", o, "-w", "-t", "60",
                                "start"], capture_output=True, text=True)
            if r.returncode == 0:
                self.running = True
                return self
            last = r.stdout + r.stderr + self.log_tail()
        raise RuntimeError(f"PostgreSQL did not start: {last}")

    def log_tail(self, n=40):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def env(self):
        """Environment for libpq clients (psql, pg_regress) to reach this server."""
        return dict(os.environ, PGHOST=self.host, PGPORT=str(self.port), PGUSER=self.user)

    def psql(self, sql, db="postgres", check=True, args=()):
        """Runs sql through psql (unaligned, tuples only, stop on the first
        error); returns stdout. check: raise with stderr when psql fails."""
        r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db, *args],
                           input=sql, capture_output=True, text=True, env=self.env())
        if check and r.returncode != 0:
            raise RuntimeError(f"psql failed ({r.returncode}): {r.stderr.strip()}")
        return r.stdout if check else r

    def stop(self):
        if self.running:
            subprocess.run([self._bin("pg_ctl"), "-D", self.datadir, "-m", "immediate", "-w", "stop"],
                           capture_output=True)
            self.running = False
        shutil.rmtree(self.sockdir, ignore_errors=True)
        if self.own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


if __name__ == "__main__":
    # Self-check: start, query, stop.
    drop_root()
    t0 = time.time()
    with Server() as s:
        print(s.psql("select version();").strip())
    print(f"started and stopped in {time.time() - t0:.1f} s")
