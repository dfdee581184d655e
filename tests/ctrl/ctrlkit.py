# SPDX-License-Identifier: BSD-3-Clause
"""Shared helpers of the sluiced / sluicectl tests (tests/ctrl/test_*.py).

- Kit: a unique temp dir, the processes this test started (stopped by PID at the end, also on
  failure or SIGTERM), sluiced started on a temp config, waiting for its API socket.
- api() / ApiConn: requests on the daemon's raw API socket (one JSON object per line).
- ctl(): sluicectl runs (--json parsed).
- Loopback servers the health checks probe: TcpTarget (a listener that can go down and come
  back), HttpTarget (http.server, switchable status, optional TLS that can be switched off),
  HangTarget (accepts, never answers).
- Prometheus text parsing and a format sanity check.
- Report: PASS / FAIL lines, every failure printed.

Only the standard library (and the openssl CLI for a runtime self-signed certificate).
"""

import http.server
import json
import os
import re
import shutil
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pylib.proc import stop_proc  # noqa: E402
from pylib.report import SKIP, Abort, Report  # noqa: E402,F401

SECRET_HEX = "000102030405060708090a0b0c0d0e0f"


# --- processes and temp files ---------------------------------------------------------------

class Kit:
    """One test's temp dir and child processes; cleanup() stops them by PID and removes it."""

    def __init__(self, sluiced, sluicectl, keep=False, prefix="sluice-ctrl-"):
        self.sluiced = os.path.abspath(sluiced)
        self.sluicectl = os.path.abspath(sluicectl)
        self.keep = keep
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.procs = []  # Daemon objects
        self.servers = []
        self._old = {}
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._old[sig] = signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, frame):
        print("INFO: signal %d: cleaning up" % signum, flush=True)
        self.cleanup()
        os._exit(1)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        p = self.path(name)
        with open(p + ".tmp", "w") as f:
            f.write(text)
        os.replace(p + ".tmp", p)  # a reload never reads a half-written file
        return p

    def daemon(self, config, name="sluiced", args=(), wrapper=()):
        d = Daemon(self, config, name, args, wrapper)
        self.procs.append(d)
        return d

    def ctl(self, sock, *args, json_out=True, timeout=15, env=None):
        return ctl(self.sluicectl, sock, *args, json_out=json_out, timeout=timeout, env=env)

    def cleanup(self):
        for d in self.procs:
            try:
                d.stop(signal.SIGTERM, timeout=5)
            except Exception as exc:  # keep cleaning up
                print("WARN: stopping %s: %s" % (d.name, exc), flush=True)
        for s in self.servers:
            try:
                s.stop()
            except Exception as exc:
                print("WARN: stopping server: %s" % exc, flush=True)
        self.servers = []
        if self.keep:
            print("INFO: kept %s" % self.dir, flush=True)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        for sig, old in self._old.items():
            signal.signal(sig, old)


class Daemon:
    """A sluiced started by this test: its log is DIR/NAME.log (stdout + stderr). wrapper: a
    command that execs the daemon in the same process (e.g. prlimit --nofile=256 --)."""

    def __init__(self, kit, config, name, args, wrapper=()):
        self.kit = kit
        self.config = config
        self.name = name
        self.args = list(args)
        self.wrapper = list(wrapper)
        self.proc = None
        self.logpath = kit.path(name + ".log")
        self.t_start = None

    def start(self):
        f = open(self.logpath, "ab")
        try:
            self.proc = subprocess.Popen(self.wrapper + [self.kit.sluiced, "--config", self.config]
                                         + self.args,
                                         stdout=f, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        finally:
            f.close()
        self.t_start = time.monotonic()
        return self

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            with open(self.logpath, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def wait_socket(self, sock, timeout=10):
        """True once `status` answers on sock; False if the daemon exits or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                return False
            try:
                r = api(sock, {"op": "status"}, timeout=2)
                if r.get("ok"):
                    return True
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        return False

    def wait_exit(self, timeout=10):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self, sig):
        """Send sig to our process (by PID) if it runs."""
        if self.running():
            os.kill(self.proc.pid, sig)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Signal our process by PID, wait; SIGKILL if it does not go. Its exit code."""
        return stop_proc(self.proc, self.name, sig, timeout) if self.proc else None


def run_daemon_test(kit, rep, body, socket_removed=True):
    """The frame of a test of one sluiced: body(st) runs the checks and puts the Daemon it
    started in st["daemon"]. An Abort or an exception is a failed check; after a failure the
    tail of sluiced's log is printed; a daemon still running must exit 0 on SIGTERM (and, with
    socket_removed, remove its API socket); the kit is cleaned up. The exit code."""
    st = {}
    rc = 1
    try:
        body(st)
    except Abort as exc:
        rep.check(False, "aborted: %s" % exc)
    except Exception:
        traceback.print_exc()
        rep.check(False, "unexpected exception (see the traceback)")
    finally:
        d = st.get("daemon")
        if d is not None and rep.failed:
            print("---- sluiced log (last 60 lines) ----")
            print("\n".join(d.log().rstrip().split("\n")[-60:]))
            print("----")
        if d is not None and d.running():
            code = d.stop()
            rep.check(code == 0, "sluiced exits 0 on SIGTERM", "exit %s" % code)
            if socket_removed:
                rep.check(not os.path.exists(kit.path("api.sock")),
                          "sluiced removes its API socket when it stops")
        kit.cleanup()
        rc = rep.summary()
    return rc


def run(cmd, timeout=30, env=None):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                          stdin=subprocess.DEVNULL)


def config_text(sock, metrics, dataplanes, groups_yaml, extra_top="", daemon_extra="",
                zones=None, ports=None):
    """A config sluiced accepts: one net_null port holding 127.0.0.1/8 (so every loopback
    target is on a connected subnet), the daemon section, and the given target_groups YAML
    (already indented as list items under `target_groups:`)."""
    lines = ["# sluice ctrl test config (generated)",
             "node: { zone: az1, cookie_secret: %s }" % SECRET_HEX]
    if zones:
        lines.append("zones: { %s }" % ", ".join("%s: %s" % kv for kv in zones.items()))
    lines.append("ports:")
    for p in (ports or ['{ name: lo, device: net_null0, addresses: [127.0.0.1/8] }']):
        lines.append("  - " + p)
    lines.append("daemon:")
    lines.append("  api_socket: %s" % sock)
    if metrics is not None:
        lines.append("  metrics_address: %s" % metrics)
    lines.append("  dataplanes: [%s]" % ", ".join(dataplanes))
    if daemon_extra:
        lines.extend("  " + l for l in daemon_extra.strip("\n").split("\n"))
    if extra_top:
        lines.extend(extra_top.strip("\n").split("\n"))
    lines.append("target_groups:")
    lines.extend(groups_yaml.strip("\n").split("\n"))
    return "\n".join(lines) + "\n"


def line_of(text, needle, nth=0):
    """1-based line number of the nth line of text containing needle."""
    hits = [i + 1 for i, l in enumerate(text.split("\n")) if needle in l]
    return hits[nth]


def free_port(addr="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((addr, 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --- the API on the raw socket --------------------------------------------------------------

_next_id = [1000]


def _req(obj):
    obj = dict(obj)
    obj.setdefault("v", 1)
    if "id" not in obj:
        _next_id[0] += 1
        obj["id"] = _next_id[0]
    return obj


class ApiConn:
    """One connection to the API socket; send lines, read reply lines."""

    def __init__(self, path, timeout=5):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        deadline = time.monotonic() + timeout
        while True:  # a full listen backlog gives EAGAIN on a Unix socket: retry
            try:
                self.s.connect(path)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self.s.close()
                    raise
                time.sleep(0.01)
        self.buf = b""
        self.eof = False

    def send_raw(self, data):
        self.s.sendall(data)

    def send(self, obj):
        self.send_raw(json.dumps(_req(obj)).encode() + b"\n")

    def readline(self, timeout=None):
        """One reply line (bytes, without the newline), or None at EOF."""
        if timeout is not None:
            self.s.settimeout(timeout)
        while b"\n" not in self.buf:
            if self.eof:
                return None
            try:
                d = self.s.recv(65536)
            except ConnectionResetError:
                d = b""
            if not d:
                self.eof = True
                if self.buf:
                    line, self.buf = self.buf, b""
                    return line
                return None
            self.buf += d
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def recv(self, timeout=None):
        """The next reply as a dict (ValueError if not JSON), None at EOF."""
        line = self.readline(timeout)
        if line is None:
            return None
        return json.loads(line.decode())

    def call(self, obj, timeout=None):
        self.send(obj)
        r = self.recv(timeout)
        if r is None:
            raise OSError("API connection closed without a reply")
        return r

    def closed_by_peer(self, timeout=2):
        """True if the daemon closes the connection (EOF) within timeout, nothing else read."""
        self.s.settimeout(timeout)
        try:
            while True:
                d = self.s.recv(65536)
                if not d:
                    return True
                self.buf += d
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def api(path, obj, timeout=5):
    c = ApiConn(path, timeout)
    try:
        return c.call(obj)
    finally:
        c.close()


def api_targets(path, group=None, timeout=5):
    req = {"op": "targets"}
    if group is not None:
        req["group"] = group
    r = api(path, req, timeout)
    if not r.get("ok"):
        raise ValueError("targets refused: %s" % r.get("error"))
    return r["targets"]


# The request member that names the target in register / deregister / drain / undrain:
# "target" (as sluicectl sends it: "id" is the request's own id in the envelope). The docs'
# table says `id`; detect_target_key() finds out what the daemon takes.
TARGET_KEY = ["target"]


def detect_target_key(path):
    """"target" if the daemon takes the target's id as "target", else "id" (the envelope's)."""
    r = api(path, {"op": "drain", "group": "nogroup-detect", "target": "x"})
    err = str(r.get("error", ""))
    if re.search(r"unknown member.*target|target.*unknown member|\"target\"", err, re.I) \
            and "group" not in err.lower():
        TARGET_KEY[0] = "id"
    else:
        TARGET_KEY[0] = "target"
    return TARGET_KEY[0], err


def treq(op, group, tid, **kw):
    """A register / deregister / drain / undrain request naming target tid of group."""
    r = {"op": op, "group": group}
    if TARGET_KEY[0] == "target":
        r["target"] = tid
    else:
        r["id"] = tid
    r.update(kw)
    return r


def by_key(targets):
    return {(t.get("group"), t.get("id")): t for t in targets}


# What a target list comparison looks at: everything but the members that move with time
# (check timing, counts in a row or in total, the drain countdown).
_STABLE_TOP = ("group", "id", "address", "port", "zone", "weight", "state", "reason", "source")
_STABLE_CHECK = ("protocol", "port", "path", "last_result")


def normalize_targets(targets):
    """Targets reduced to their stable members, sorted: for before/after comparisons."""
    out = []
    for t in targets:
        n = {k: t.get(k) for k in _STABLE_TOP}
        c = t.get("check")
        n["check"] = {k: c.get(k) for k in _STABLE_CHECK} if isinstance(c, dict) else c
        out.append(n)
    return sorted(out, key=lambda t: (str(t.get("group")), str(t.get("id"))))


def diff_targets(a, b):
    """A short description of how two normalized target lists differ ("" if equal)."""
    if a == b:
        return ""
    ka, kb = by_key(a), by_key(b)
    lines = []
    for k in sorted(set(ka) | set(kb), key=str):
        if k not in ka:
            lines.append("added %s/%s: %s" % (k[0], k[1], json.dumps(kb[k])))
        elif k not in kb:
            lines.append("removed %s/%s" % k)
        elif ka[k] != kb[k]:
            lines.append("%s/%s: %s -> %s" % (k[0], k[1], json.dumps(ka[k]), json.dumps(kb[k])))
    return "\n".join(lines) or "order differs"


# --- sluicectl ------------------------------------------------------------------------------

class CtlResult:
    def __init__(self, rc, out, err, elapsed):
        self.rc, self.out, self.err, self.elapsed = rc, out, err, elapsed
        self.data = None
        try:
            self.data = json.loads(out) if out.strip() else None
        except ValueError:
            pass

    def __repr__(self):
        return "rc=%s stdout=%r stderr=%r" % (self.rc, self.out[-800:], self.err[-800:])


def ctl(sluicectl, sock, *args, json_out=True, timeout=15, env=None):
    cmd = [sluicectl]
    if sock is not None:
        cmd += ["--socket", sock]
    if json_out:
        cmd.append("--json")
    cmd += [str(a) for a in args]
    t0 = time.monotonic()
    try:
        res = run(cmd, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        return CtlResult(None, (exc.stdout or b"").decode(errors="replace")
                         if isinstance(exc.stdout, bytes) else (exc.stdout or ""),
                         "timed out after %ss" % timeout, time.monotonic() - t0)
    return CtlResult(res.returncode, res.stdout, res.stderr, time.monotonic() - t0)


def ctl_targets_list(res):
    """The target list of a `sluicectl --json targets` reply (object with targets, or list)."""
    d = res.data
    if isinstance(d, dict) and isinstance(d.get("targets"), list):
        return d["targets"]
    if isinstance(d, list):
        return d
    return None


def parse_table(text):
    """An aligned table: (header names, [row dicts], problems). Column positions come from the
    header (a name starts at 0 or after two or more spaces). In every row a column's value is
    either left-aligned (starts where its header name starts) or right-aligned (ends where its
    header name ends, as numbers are), the same way in every row; a value ends at two spaces.
    Empty cells are allowed."""
    lines = [l.rstrip() for l in text.split("\n") if l.strip()]
    if not lines:
        return [], [], ["empty output"]
    head = lines[0]
    starts = [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", head)]
    names, ends = [], []
    for i, st in enumerate(starts):
        e = starts[i + 1] if i + 1 < len(starts) else len(head)
        names.append(head[st:e].strip())
        ends.append(st + len(names[-1]))
    rows, problems = [], []
    how = [set() for _ in names]
    for l in lines[1:]:
        row = {}
        for i, (st, en) in enumerate(zip(starts, ends)):
            at = lambda k: l[k] if 0 <= k < len(l) else " "  # noqa: E731
            left = at(st) != " " and at(st - 1) == " " if st > 0 else at(st) != " "
            right = at(en - 1) != " " and at(en) == " "
            if left:
                cell = re.split(r"  ", l[st:], maxsplit=1)[0]
                how[i].add("left" if not right else "both")
            elif right:
                cell = re.split(r"  ", l[:en])[-1].lstrip()
                how[i].add("right")
            else:
                lo = ends[i - 1] if i > 0 else 0
                hi = starts[i + 1] if i + 1 < len(starts) else len(l)
                if l[lo:hi].strip() and not (i + 1 == len(starts) and not l[st:].strip()):
                    problems.append("column %r: value neither left- nor right-aligned in %r"
                                    % (names[i], l))
                cell = ""
            row[names[i]] = cell.strip()
        rows.append(row)
    for i, h in enumerate(how):
        if "left" in h and "right" in h:
            problems.append("column %r: left-aligned in some rows, right-aligned in others"
                            % names[i])
    return names, rows, problems


# --- loopback servers -----------------------------------------------------------------------

class TcpTarget:
    """A TCP listener on (addr, port) that accepts and closes. down() closes the listening
    socket (connects are refused), up() listens again on the same port."""

    def __init__(self, kit, addr, port=0):
        self.addr, self.port = addr, port
        self.accepts = 0
        self.sock = None
        self.thread = None
        self.stopping = False
        kit.servers.append(self)
        self.up()

    def up(self):
        s = socket.socket(socket.AF_INET6 if ":" in self.addr else socket.AF_INET,
                          socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.addr, self.port))
        s.listen(64)
        s.settimeout(0.1)
        self.port = s.getsockname()[1]
        self.sock = s
        self.stopping = False
        self.thread = threading.Thread(target=self._loop, args=(s,), daemon=True)
        self.thread.start()

    def _loop(self, s):
        while not self.stopping:
            try:
                c, _ = s.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepts += 1
            c.close()

    def down(self):
        self.stopping = True
        if self.thread:
            self.thread.join(2)
        if self.sock:
            self.sock.close()
        self.sock = None

    stop = down


class _Acceptor:
    """A listening socket (self.s) whose connections a thread accepts into self.conns (counted
    in self.accepts) and hands to on_conn, until self.stopping; the kit stops it at cleanup."""

    def _accept_start(self, kit, s):
        self.s = s
        self.s.settimeout(0.1)
        self.conns = []
        self.accepts = 0
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        kit.servers.append(self)

    def _accept(self):
        while not self.stopping:
            try:
                c, _ = self.s.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepts += 1
            self.conns.append(c)
            self.on_conn(c)

    def on_conn(self, c):
        pass


class HangTarget(_Acceptor):
    """Accepts connections and never answers (holds them open)."""

    def __init__(self, kit, addr, port=0):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(64)
        self.addr, self.port = addr, s.getsockname()[1]
        self._accept_start(kit, s)

    def stop(self):
        self.stopping = True
        self.thread.join(2)
        self.s.close()
        for c in self.conns:
            c.close()


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        srv = self.server
        srv.hits += 1
        srv.paths.append(self.path)
        srv.hosts.append(self.headers.get("Host"))
        if srv.delay:
            time.sleep(srv.delay)
        status = srv.status
        body = b"status %d\n" % status
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", "/elsewhere")
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


class _HttpServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def finish_request(self, request, client_address):
        request.settimeout(5)
        if self.tls_ctx is not None and self.tls_on:
            try:
                request = self.tls_ctx.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                self.tls_failures += 1
                return
            try:
                self.RequestHandlerClass(request, client_address, self)
            finally:
                try:
                    request.close()
                except OSError:
                    pass
            return
        if self.tls_ctx is not None:
            # "TLS down": a plain HTTP answer at once (a TLS client reads a record that is no
            # TLS and fails its handshake, instead of waiting for a request line)
            try:
                request.sendall(b"HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                pass
            return
        self.RequestHandlerClass(request, client_address, self)


class HttpTarget:
    """http.server on (addr, port); set .status to switch the answer. With tls_ctx it speaks
    HTTPS; tls_on = False makes it answer plain HTTP on the same port (a TLS client then fails
    its handshake)."""

    def __init__(self, kit, addr, port=0, status=200, tls_ctx=None):
        self.srv = _HttpServer((addr, port), _Handler)
        self.srv.status = status
        self.srv.hits = 0
        self.srv.paths = []
        self.srv.hosts = []
        self.srv.tls_ctx = tls_ctx
        self.srv.tls_on = True
        self.srv.tls_failures = 0
        self.srv.delay = 0
        self.addr, self.port = addr, self.srv.server_address[1]
        self.thread = threading.Thread(target=self.srv.serve_forever, kwargs={"poll_interval": 0.1},
                                       daemon=True)
        self.thread.start()
        kit.servers.append(self)

    @property
    def status(self):
        return self.srv.status

    @status.setter
    def status(self, v):
        self.srv.status = v

    @property
    def tls_on(self):
        return self.srv.tls_on

    @tls_on.setter
    def tls_on(self, v):
        self.srv.tls_on = v

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


class FakeDP(_Acceptor):
    """A minimal dataplane on a Unix socket (docs/protocol.md, server side): answers hello,
    sync, update, state and stats at once; flows after .flows_delay seconds, or never while
    .hang_flows is set (that connection then stays silent). Records the ops it got."""

    def __init__(self, kit, path, groups=()):
        self.path = path
        self.groups = list(groups)
        self.flows_delay = 0.0
        self.hang_flows = False
        self.ops = []
        self.generation = 1
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(8)
        self._accept_start(kit, s)

    def on_conn(self, c):
        threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        buf = b""
        c.settimeout(0.2)
        try:
            while not self.stopping:
                try:
                    d = c.recv(65536)
                except socket.timeout:
                    continue
                if not d:
                    return
                buf += d
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    req = json.loads(line)
                    op = req.get("op")
                    self.ops.append(op)
                    r = {"v": 1, "id": req.get("id"), "ok": True}
                    if op == "hello":
                        r.update(protocol=1, dataplane="fake-dp", version="0",
                                 node={"zone": "az1"}, generation=self.generation,
                                 synced=False, groups=[{"name": g, "protocol": p,
                                                        "max_targets": 256}
                                                       for g, p in self.groups])
                    elif op in ("sync", "update"):
                        self.generation += 1
                        r["generation"] = self.generation
                    elif op == "stats":
                        r["stats"] = {}
                    elif op == "state":
                        r.update(generation=self.generation, groups=[])
                    elif op == "flows":
                        if self.hang_flows:
                            while not self.stopping:  # wedged: never answer again
                                time.sleep(0.1)
                            return
                        time.sleep(self.flows_delay)
                        r.update(total=0, truncated=False, flows=[], sessions=[])
                    else:
                        r = {"v": 1, "id": req.get("id"), "ok": False,
                             "error": "unknown op %r" % op}
                    c.sendall(json.dumps(r).encode() + b"\n")
        except (OSError, ValueError):
            return
        finally:
            c.close()

    def stop(self):
        if self.stopping:
            return
        self.stopping = True
        self.thread.join(2)
        self.s.close()
        for c in self.conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        try:
            os.unlink(self.path)
        except OSError:
            pass


def make_cert(kit, cn="127.0.0.1"):
    """A self-signed EC certificate made now with the openssl CLI: an SSLContext (server), or
    None if openssl is missing or fails."""
    if not shutil.which("openssl"):
        return None
    key, cert = kit.path("key.pem"), kit.path("cert.pem")
    res = run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
               "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
               "-days", "2", "-subj", "/CN=%s" % cn])
    if res.returncode != 0:
        print("INFO: openssl req failed: %s" % res.stderr.strip(), flush=True)
        return None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


# --- metrics --------------------------------------------------------------------------------

def scrape(addr, timeout=5):
    """(content type, body) of GET http://addr/metrics."""
    with urllib.request.urlopen("http://%s/metrics" % addr, timeout=timeout) as r:
        return r.headers.get("Content-Type", ""), r.read().decode()


_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$")
_PAIR = re.compile(r'\s*([^=,\s]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)')


def _labels(s):
    out, pos = {}, 0
    while pos < len(s):
        m = _PAIR.match(s, pos)
        if not m:
            raise ValueError("bad labels %r" % s)
        out[m.group(1)] = m.group(2).replace('\\"', '"').replace("\\n", "\n") \
            .replace("\\\\", "\\")
        pos = m.end()
    return out


def parse_prom(text):
    """(samples [(name, labels dict, value)], types {family: type}, problems [str])."""
    samples, types, problems, seen_series = [], {}, [], set()
    seen_samples_of = set()
    if text and not text.endswith("\n"):
        problems.append("the page does not end with a newline")
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] == "TYPE":
                fam = parts[2]
                typ = parts[3].strip() if len(parts) > 3 else ""
                if fam in types:
                    problems.append("line %d: second # TYPE for %s" % (n, fam))
                if fam in seen_samples_of:
                    problems.append("line %d: # TYPE %s after its samples" % (n, fam))
                if typ not in ("counter", "gauge", "histogram", "summary", "untyped"):
                    problems.append("line %d: unknown type %r" % (n, typ))
                if not _NAME.match(fam):
                    problems.append("line %d: bad metric name %r" % (n, fam))
                types[fam] = typ
            continue
        m = _SAMPLE.match(line)
        if not m:
            problems.append("line %d: not a sample: %r" % (n, line))
            continue
        name, lab, val = m.group(1), m.group(3) or "", m.group(4)
        try:
            labels = _labels(lab)
        except ValueError as exc:
            problems.append("line %d: %s" % (n, exc))
            continue
        for k in labels:
            if not _LABEL.match(k) or k.startswith("__"):
                problems.append("line %d: bad label name %r" % (n, k))
        try:
            value = float(val)
        except ValueError:
            problems.append("line %d: bad value %r" % (n, val))
            continue
        fam = name
        for suf in ("_bucket", "_sum", "_count"):
            if name.endswith(suf) and name[:-len(suf)] in types and \
                    types[name[:-len(suf)]] in ("histogram", "summary"):
                fam = name[:-len(suf)]
        seen_samples_of.add(fam)
        if fam not in types:
            problems.append("line %d: %s has no # TYPE line before it" % (n, name))
        elif types[fam] == "counter":
            if not name.endswith("_total"):
                problems.append("line %d: counter %s does not end in _total" % (n, name))
            if value < 0:
                problems.append("line %d: counter %s is negative" % (n, name))
        key = (name, tuple(sorted(labels.items())))
        if key in seen_series:
            problems.append("line %d: duplicate series %s%s" % (n, name, dict(labels)))
        seen_series.add(key)
        samples.append((name, labels, value))
    return samples, types, problems


def prom_get(samples, name, **labels):
    """Values of the samples of name whose labels include the given ones."""
    return [v for n, l, v in samples
            if n == name and all(l.get(k) == str(x) for k, x in labels.items())]


def wait_for(pred, timeout, step=0.1):
    """Poll pred() until it returns a true value; that value, or None after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            return None
        time.sleep(step)


def common_args(argv, doc):
    import argparse
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--sluiced", required=True)
    ap.add_argument("--sluicectl", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = ap.parse_args(argv)
    for b in (args.sluiced, args.sluicectl):
        if not (os.path.isfile(b) and os.access(b, os.X_OK)):
            print("FAIL: %s is not an executable (build it first)" % b)
            sys.exit(1)
    return args
