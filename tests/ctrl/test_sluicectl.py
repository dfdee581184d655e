#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""test_sluicectl.py - sluicectl against fake_sluiced.py (the API of docs/daemon.md, canned).

Every command in human and --json mode; the human tables are checked for alignment (left
columns start at their header, number columns end at theirs, two spaces between columns, no
trailing spaces, "-" for missing values); the request lines sluicectl sends are checked member by
member; exit status 1 (daemon refused, bad reply), 2 (usage errors, nothing sent) and 3 (no
daemon, no reply within --timeout, connection closed).

    test_sluicectl.py --sluicectl PATH [--sluiced PATH] [--keep]

With --sluiced, a short session against the real daemon follows (loopback targets, no
dataplane connected, no root needed).

Exit 0 all passed, 1 a check failed, 77 skipped (no Unix sockets here).
"""
import argparse
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pylib.report import SKIP, Report  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "fake_sluiced.py")
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

_spec = importlib.util.spec_from_file_location("fake_sluiced", FAKE)
fake = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fake)


class Fake:
    """One fake_sluiced.py process on its own socket, stopped by its PID."""

    def __init__(self, tmp, name, mode="normal"):
        self.sock = os.path.join(tmp, name + ".sock")
        self.log = os.path.join(tmp, name + ".log")
        open(self.log, "w").close()
        self.proc = subprocess.Popen([PY, FAKE, "--socket", self.sock, "--log", self.log,
                                      "--mode", mode])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.sock)
                s.close()
                return
            except OSError:
                time.sleep(0.05)
            if self.proc.poll() is not None:
                break
        raise RuntimeError("fake_sluiced.py (%s) did not come up" % mode)

    def requests(self):
        with open(self.log, "rb") as f:
            return [json.loads(l) for l in f.read().split(b"\n") if l]

    def nreq(self):
        return len(self.requests())

    def last(self):
        r = self.requests()
        return r[-1] if r else None

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class Ctl:
    def __init__(self, path):
        self.path = path

    def __call__(self, *args, sock=None, env_sock=None, timeout=30):
        env = dict(os.environ)
        env.pop("SLUICE_SOCKET", None)
        env.pop("POSIXLY_CORRECT", None)
        if env_sock is not None:
            env["SLUICE_SOCKET"] = env_sock
        cmd = [self.path] + (["--socket", sock] if sock else []) + [str(a) for a in args]
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
        return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


# --- tables -------------------------------------------------------------------------------------

def blocks(text):
    """Blank-line separated blocks of lines."""
    out, cur = [], []
    for l in text.split("\n"):
        if l == "":
            if cur:
                out.append(cur)
            cur = []
        else:
            cur.append(l)
    if cur:
        out.append(cur)
    return out


def find_table(text, first):
    for b in blocks(text):
        if b[0].split()[:1] == [first]:
            return b
    return None


def parse_table(lines, right):
    """(names, rows as dicts, problems). Left columns must start at their header's start,
    columns in `right` (numbers) end at their header's end; cells are separated by at least
    two spaces; no trailing spaces."""
    problems = []
    if not lines:
        return [], [], ["no table"]
    head = lines[0]
    names = head.split()
    cols, pos = [], 0
    for n in names:
        i = head.index(n, pos)
        cols.append((n, i, i + len(n)))
        pos = i + len(n)
    for n in right:
        if n not in names:
            problems.append("no column %s" % n)
    for i in range(1, len(cols)):
        if head[cols[i][1] - 2:cols[i][1]] != "  ":
            problems.append("header: less than two spaces before %s" % cols[i][0])
    rows = []
    for l in lines:
        if l != l.rstrip() or "\t" in l:
            problems.append("trailing space or tab in %r" % l)
    for l in lines[1:]:
        starts = []
        for n, lo, hi in cols:
            if n in right:
                if hi > len(l) or l[hi - 1] == " " or (hi < len(l) and l[hi] != " "):
                    problems.append("column %s does not end at its header in %r" % (n, l))
                    starts.append(None)
                    continue
                starts.append(l.rfind(" ", 0, hi) + 1)
            else:
                if lo >= len(l) or l[lo] == " " or (lo > 0 and l[lo - 1] != " "):
                    problems.append("column %s does not start at its header in %r" % (n, l))
                    starts.append(None)
                    continue
                starts.append(lo)
        if None in starts:
            continue
        row = {}
        for i, (n, lo, hi) in enumerate(cols):
            if i + 1 < len(cols):
                nxt = starts[i + 1]
                if nxt - starts[i] < 2 or l[nxt - 2:nxt] != "  ":
                    problems.append("less than two spaces before %s in %r" % (cols[i + 1][0],
                                                                             l))
                cell = l[starts[i]:nxt].rstrip()
            else:
                cell = l[starts[i]:]
            if not cell:
                problems.append("empty cell %s in %r" % (n, l))
            row[n] = cell
        rows.append(row)
    return names, rows, problems


def table_ok(rep, text, first, right, what, nrows=None):
    """Check one table of text (found by its first header); returns {first-col: row}."""
    t = find_table(text, first)
    if not rep.check(t is not None, "%s: table with %s" % (what, first), text):
        return {}, []
    names, rows, problems = parse_table(t, right)
    rep.check(not problems, "%s: columns aligned (numbers right)" % what,
              "\n".join(problems[:8]) + "\n" + "\n".join(t))
    if nrows is not None:
        rep.check(len(rows) == nrows, "%s: %d rows" % (what, nrows), "\n".join(t))
    return rows, names


def no_trailing(rep, text, what):
    bad = [l for l in text.split("\n") if l != l.rstrip()]
    rep.check(not bad, "%s: no trailing spaces" % what, bad[:3])


def dp_table_end(rep, ctl, f, out, what, listing):
    """Table `what` (text out) ends with where its counters come from and has no trailing
    spaces; `sluicectl --json what` gives listing and the dataplane."""
    rep.check(out.endswith("\n\ncounters from dataplane /run/sluice/dp.sock\n"),
              "%s: where the counters come from" % what, out)
    no_trailing(rep, out, what)
    rc, out, err, _ = ctl("--json", what, sock=f.sock)
    rep.check(rc == 0 and json.loads(out) == {"ok": True, what: listing,
                                              "dataplane": "/run/sluice/dp.sock"},
              "--json %s" % what, out + err)


# --- the tests ------------------------------------------------------------------------------

def strip_env(d):
    return {k: v for k, v in d.items() if k not in ("v", "id")}


def test_help(rep, ctl):
    rc, out, err, _ = ctl("--help")
    rep.check(rc == 0 and not err, "--help exits 0", err)
    for word in ("SYNOPSIS", "COMMANDS", "ENVIRONMENT", "SLUICE_SOCKET", "EXIT STATUS",
                 "EXAMPLES", "--socket", "--json", "--timeout", "--zone", "--port", "--weight",
                 "--group", "--target", "--limit", "--dataplane", "--all", "/run/sluice/sluiced.sock"):
        rep.check(word in out, "--help mentions %s" % word)
    for c in ("status", "targets [GROUP]", "register GROUP ID ADDRESS", "deregister GROUP ID",
              "drain GROUP ID", "undrain GROUP ID", "flows", "counters", "listeners",
              "attachments", "dataplanes", "reload"):
        rep.check("\n  " + c in out, "--help lists %s" % c)
    for code in ("0", "1", "2", "3"):
        rep.check("\n  %s  " % code in out, "--help explains exit status %s" % code)
    rep.check(max(len(l) for l in out.split("\n")) <= 80, "--help fits 80 columns")
    no_trailing(rep, out, "--help")
    rc2, out2, _, _ = ctl("help")
    rep.check(rc2 == 0 and out2 == out, "'sluicectl help' = --help")
    rc, out, err, _ = ctl("help", "register")
    rep.check(rc == 0 and out.startswith("usage: sluicectl [OPTIONS] register GROUP ID ADDRESS"),
              "help register: its synopsis", out + err)
    rc, out, err, _ = ctl("targets", "--help")
    rep.check(rc == 0 and "targets [GROUP]" in out, "targets --help exits 0 with the synopsis",
              out + err)
    rc, out, err, _ = ctl("--version")
    rep.check(rc == 0 and out.startswith("sluicectl "), "--version", out + err)


def test_status(rep, ctl, f):
    rc, out, err, _ = ctl("status", sock=f.sock)
    rep.check(rc == 0 and not err, "status exits 0", err)
    rep.check(f.last() == {"v": 1, "id": 1, "op": "status"}, "status: request line",
              f.last())
    for line in ("version     0.1.0", "config      /etc/sluice/sluice.yaml",
                 "uptime      1h02m", "zone        az1", "dataplanes  1 of 2 connected"):
        rep.check(line in out.split("\n"), "status shows %r" % line, out)
    rows, names = table_ok(rep, out, "SOCKET", {"GENERATION"}, "status dataplanes", 2)
    rep.check(names == ["SOCKET", "CONNECTED", "STATE", "DATAPLANE", "GENERATION", "LAST-SYNC",
                        "LAST-ERROR"], "status: dataplane columns", names)
    if len(rows) == 2:
        rep.check(rows[0]["CONNECTED"] == "yes" and rows[0]["LAST-SYNC"] == "12s ago"
                  and rows[0]["LAST-ERROR"] == "-" and rows[0]["STATE"] == "synced"
                  and rows[0]["DATAPLANE"] == "sluice-dp 0.1.0",
                  "status: connected dataplane row", rows[0])
        rep.check(rows[1]["CONNECTED"] == "no" and rows[1]["GENERATION"] == "-"
                  and rows[1]["LAST-ERROR"] == "connect: No such file or directory",
                  "status: missing values as '-', the last error", rows[1])
    no_trailing(rep, out, "status")
    rc, out, err, _ = ctl("--json", "status", sock=f.sock)
    want = dict(fake.STATUS, ok=True, dataplanes=fake.DATAPLANES)
    rep.check(rc == 0 and json.loads(out) == want, "--json status: the reply minus v/id",
              out + err)
    rep.check(out.startswith("{\n  \""), "--json output is indented", out[:40])


def test_targets(rep, ctl, f):
    rc, out, err, _ = ctl("targets", sock=f.sock)
    rep.check(rc == 0 and not err, "targets exits 0", err)
    rep.check(f.last() == {"v": 1, "id": 1, "op": "targets"}, "targets: request line", f.last())
    rows, names = table_ok(rep, out, "GROUP", {"PORT", "WEIGHT"}, "targets", 5)
    rep.check(names == ["GROUP", "ID", "ADDRESS", "PORT", "ZONE", "WEIGHT", "STATE",
                        "LAST-CHECK", "REASON", "LAST-FAILURE"], "targets: columns", names)
    r = {x.get("ID"): x for x in rows}
    want = {
        "fw-a": ("healthy", "pass 3ms 4s ago", "-", "connect: Connection refused"),
        "fw-b": ("unhealthy", "fail 5000ms 2s ago", "timeout after 5 s", "timeout after 5 s"),
        "fw-c": ("unused", "-", "zone az2 not served", "-"),
        "web-a": ("draining", "pass <1ms 1m01s ago", "deregistered (4m05s left)", "-"),
        "web-b": ("initial", "fail 12ms 1h02m ago", "-", "http: status 503 (expected 200-399)"),
    }
    for k, (st, lc, reason, last) in want.items():
        got = r.get(k, {})
        rep.check((got.get("STATE"), got.get("LAST-CHECK"), got.get("REASON"),
                   got.get("LAST-FAILURE")) == (st, lc, reason, last),
                  "targets: %s state, last check, reason, last failure" % k, got)
    rep.check(r.get("web-a", {}).get("PORT") == "8443" and r.get("fw-b", {}).get("WEIGHT") ==
              "2", "targets: port and weight", rows)
    no_trailing(rep, out, "targets")

    rc, out, err, _ = ctl("--json", "targets", "firewalls", sock=f.sock)
    rep.check(f.last() == {"v": 1, "id": 1, "op": "targets", "group": "firewalls"},
              "targets GROUP: request has group", f.last())
    want = {"ok": True, "targets": [t for t in fake.TARGETS if t["group"] == "firewalls"]}
    rep.check(rc == 0 and json.loads(out) == want, "--json targets firewalls: the reply",
              out + err)
    rc, out, err, _ = ctl("targets", "web", "--json", sock=f.sock)
    rep.check(rc == 0 and len(json.loads(out)["targets"]) == 2,
              "targets web --json (option after the command)", out + err)
    rc, out, err, _ = ctl("targets", "web", sock=f.sock)
    table_ok(rep, out, "GROUP", {"PORT", "WEIGHT"}, "targets web", 2)

    n = f.nreq()
    rc, out, err, _ = ctl("targets", "nope", sock=f.sock)
    rep.check(rc == 1 and err == 'sluicectl: targets: unknown group "nope"\n' and out == "",
              "daemon error: exit 1, 'sluicectl: <error>' on stderr", (rc, out, err))
    rep.check(f.nreq() == n + 1, "one request per run")
    rc, out, err, _ = ctl("--json", "targets", "nope", sock=f.sock)
    rep.check(rc == 1 and "unknown group" in err and out == "",
              "daemon error with --json: exit 1, message on stderr", (rc, out, err))


def test_target_ops(rep, ctl, f):
    rc, out, err, _ = ctl("register", "firewalls", "fw-d", "192.168.50.14", "--zone", "az1",
                          "--port", "0", "--weight", "3", sock=f.sock)
    rep.check(rc == 0 and out == "firewalls/fw-d registered: initial\n",
              "register: one-line result", (rc, out, err))
    rep.check(f.last() == {"v": 1, "id": 1, "op": "register", "group": "firewalls",
                           "target": "fw-d", "address": "192.168.50.14", "zone": "az1",
                           "port": 0, "weight": 3},
              "register: request members (integers as integers)", f.last())
    rc, out, err, _ = ctl("register", "--weight", "2", "firewalls", "fw-e", "192.168.50.15",
                          sock=f.sock)
    rep.check(rc == 0 and out == "firewalls/fw-e registered: initial\n",
              "register: options before the arguments", (rc, out, err))
    rep.check(f.last() == {"v": 1, "id": 1, "op": "register", "group": "firewalls",
                           "target": "fw-e", "address": "192.168.50.15", "weight": 2},
              "register: options not given are not sent", f.last())
    rc, out, err, _ = ctl("--json", "register", "web", "web-c", "10.0.2.23", "--port", "8443",
                          sock=f.sock)
    d = json.loads(out) if rc == 0 else {}
    rep.check(rc == 0 and d.get("ok") is True and d.get("target", {}).get("id") == "web-c"
              and d["target"].get("port") == 8443 and "v" not in d and "id" not in d,
              "--json register: the target", out + err)
    rc, out, err, _ = ctl("register", "firewalls", "fw-d", "192.168.50.14", sock=f.sock)
    rep.check(rc == 1 and "already" in err and err.startswith("sluicectl: "),
              "register twice: exit 1 with the daemon's message", (rc, err))

    cases = [
        (("drain", "firewalls", "fw-a"), "firewalls/fw-a drained: draining (5m00s left)\n"),
        (("undrain", "firewalls", "fw-a"), "firewalls/fw-a undrained: initial\n"),
        (("deregister", "web", "web-b"), "web/web-b deregistered: draining (30s left)\n"),
    ]
    for args, want in cases:
        rc, out, err, _ = ctl(*args, sock=f.sock)
        rep.check(rc == 0 and out == want, "%s: %r" % (" ".join(args), want.strip()),
                  (rc, out, err))
        rep.check(f.last() == {"v": 1, "id": 1, "op": args[0], "group": args[1],
                               "target": args[2]}, "%s: request members" % args[0], f.last())
    rc, out, err, _ = ctl("undrain", "web", "web-b", sock=f.sock)
    rep.check(rc == 1 and "not drained" in err, "undrain a deregistered target: exit 1", err)
    rc, out, err, _ = ctl("--json", "drain", "firewalls", "fw-b", sock=f.sock)
    d = json.loads(out) if rc == 0 else {}
    rep.check(rc == 0 and d.get("target", {}).get("state") == "draining",
              "--json drain: the target", out + err)
    rc, out, err, _ = ctl("targets", "web", sock=f.sock)
    rows, _ = table_ok(rep, out, "GROUP", {"PORT", "WEIGHT"}, "targets after changes", 3)
    r = {x.get("ID"): x for x in rows}
    rep.check(r.get("web-b", {}).get("REASON") == "deregistered (30s left)"
              and r.get("web-c", {}).get("LAST-CHECK") == "-",
              "targets after changes: draining reason, never-checked '-'", out)


def test_flows(rep, ctl, f):
    rc, out, err, _ = ctl("flows", sock=f.sock)
    rep.check(rc == 0 and not err, "flows exits 0", err)
    rep.check(f.last() == {"v": 1, "id": 1, "op": "flows"}, "flows: request line", f.last())
    rows, _ = table_ok(rep, out, "GROUP", {"SPORT", "DPORT", "IDLE"}, "flows table", 2)
    rep.check([r.get("IDLE") for r in rows] == ["1.2s", "5m12s"]
              and rows and rows[1].get("SRC") == "2001:db8:a::2", "flows: values", rows)
    rows, _ = table_ok(rep, out, "LISTENER", {"CPORT", "VPORT", "TPORT", "IDLE"},
                       "sessions table", 1)
    rep.check(rows and rows[0].get("TARGET-ADDRESS") == "10.0.2.21"
              and rows[0].get("TPORT") == "8443" and rows[0].get("IDLE") == "0.4s",
              "sessions: values", rows)
    rep.check(out.rstrip("\n").split("\n")[-1] ==
              "2 flows, 1 session on dataplane /run/sluice/dp.sock", "flows: summary line",
              out)
    no_trailing(rep, out, "flows")
    rc, out, err, _ = ctl("flows", "--group", "firewalls", "--target", "fw-a", "--limit", "5",
                          "--dataplane", "/run/sluice/dp.sock", sock=f.sock)
    rep.check(f.last() == {"v": 1, "id": 1, "op": "flows", "group": "firewalls",
                           "target": "fw-a", "limit": 5, "dataplane": "/run/sluice/dp.sock"},
              "flows options: request members", f.last())
    rep.check(rc == 0 and find_table(out, "LISTENER") is None and
              len(find_table(out, "GROUP") or []) == 2, "flows filtered: one flow, no sessions",
              out + err)
    rc, out, err, _ = ctl("flows", "--limit", "1", sock=f.sock)
    rep.check(rc == 0 and "(of 3; raise --limit to see more)" in out,
              "flows --limit 1: says there are more", out)
    rc, out, err, _ = ctl("--json", "flows", sock=f.sock)
    d = json.loads(out) if rc == 0 else {}
    rep.check(d.get("dataplane") == "/run/sluice/dp.sock" and d.get("flows") == fake.FLOWS["flows"]
              and d.get("sessions") == fake.FLOWS["sessions"] and d.get("total") == 3,
              "--json flows: the reply", out + err)
    rc, out, err, _ = ctl("flows", "--dataplane", "/run/sluice/dp-xdp.sock", sock=f.sock)
    rep.check(rc == 1 and "not connected" in err, "flows on an unconnected dataplane: exit 1",
              (rc, err))
    rc, out, err, _ = ctl("flows", "--group", "web", "--target", "nobody", sock=f.sock)
    rep.check(rc == 0 and out.startswith("0 flows, 0 sessions"), "flows: none",
              (rc, out, err))


def test_counters(rep, ctl, f):
    rc, out, err, _ = ctl("counters", sock=f.sock)
    rep.check(rc == 0 and not err, "counters exits 0", err)
    rep.check(out.split("\n")[0] ==
              "dataplane /run/sluice/dp.sock: active flows 2, NLB sessions 1",
              "counters: first line", out)
    ports = {"RX-PACKETS", "RX-BYTES", "TX-PACKETS", "TX-BYTES"}
    rows, _ = table_ok(rep, out, "PORT", ports, "counters ports", 2)
    rep.check(rows and rows[0] == {"PORT": "outside", "RX-PACKETS": "1234567",
                                   "RX-BYTES": "987654321", "TX-PACKETS": "1200000",
                                   "TX-BYTES": "900000000"}, "counters: port row", rows)
    rows, _ = table_ok(rep, out, "DROP", {"COUNT"}, "counters drops")
    rep.check({r["DROP"]: r["COUNT"] for r in rows} == {"no_route": "17",
                                                        "geneve_bad_cookie": "2"},
              "counters: non-zero drops only", rows)
    rows, _ = table_ok(rep, out, "EVENT", {"COUNT"}, "counters events")
    rep.check({r["EVENT"]: r["COUNT"] for r in rows} ==
              {"geneve_encap": "1200000", "geneve_decap": "1199990", "arp_reply": "4"},
              "counters: non-zero events only", rows)
    rows, _ = table_ok(rep, out, "GROUP", {"PACKETS", "BYTES", "NEW-FLOWS", "RETURNS",
                                           "ACTIVE-FLOWS"}, "counters targets", 3)
    rep.check(rows and rows[0].get("ACTIVE-FLOWS") == "-" and rows[2].get("ACTIVE-FLOWS") == "1"
              and rows[0].get("RETURNS") == "799990" and rows[2].get("RETURNS") == "-",
              "counters: target rows (RETURNS for geneve targets, ACTIVE-FLOWS for NLB)", rows)
    no_trailing(rep, out, "counters")
    rc, out, err, _ = ctl("counters", "--all", "--dataplane", "/run/sluice/dp.sock",
                          sock=f.sock)
    rep.check(f.last() == {"v": 1, "id": 1, "op": "counters",
                           "dataplane": "/run/sluice/dp.sock"},
              "counters --dataplane: request members", f.last())
    rows, _ = table_ok(rep, out, "DROP", {"COUNT"}, "counters --all drops", 4)
    rep.check([r["DROP"] for r in rows] == list(fake.STATS["drops"]),
              "counters --all: zero drops too, in the daemon's order", rows)
    rows, _ = table_ok(rep, out, "EVENT", {"COUNT"}, "counters --all events", 4)
    rc, out, err, _ = ctl("--json", "counters", sock=f.sock)
    rep.check(rc == 0 and json.loads(out) == {"ok": True, "dataplane": "/run/sluice/dp.sock",
                                              "stats": fake.STATS},
              "--json counters: the reply", out + err)


def test_lists(rep, ctl, f):
    rc, out, err, _ = ctl("listeners", sock=f.sock)
    rows, names = table_ok(rep, out, "NAME", {"PORT", "PACKETS", "BYTES", "NEW-FLOWS",
                                              "ACTIVE-FLOWS", "DROPS"}, "listeners", 2)
    rep.check(names[:5] == ["NAME", "PROTOCOL", "PORT", "GROUP", "INSPECT"],
              "listeners: columns", names)
    rep.check(len(rows) == 2 and rows[0].get("DROPS") == "3" and rows[1].get("INSPECT") == "-"
              and rows[1].get("PACKETS") == "-", "listeners: counters, '-' for none", rows)
    dp_table_end(rep, ctl, f, out, "listeners", fake.LISTENERS)

    rc, out, err, _ = ctl("attachments", sock=f.sock)
    rows, names = table_ok(rep, out, "NAME", set(), "attachments", 2)
    rep.check(names == ["NAME", "ENDPOINT-ID", "ATTACHMENT-ID", "FROM", "CHAIN"],
              "attachments: columns", names)
    rep.check(len(rows) == 2 and rows[0].get("CHAIN") == "firewalls,ids"
              and rows[0].get("FROM") == "outside,outside2"
              and rows[0].get("ENDPOINT-ID") == "0x0a0b0c0d01020304"
              and rows[1].get("ATTACHMENT-ID") == "0x0000000000000002",
              "attachments: chain, from, ids", rows)
    rows, names = table_ok(rep, out, "ATTACHMENT", {"PACKETS", "BYTES", "NEW-FLOWS"},
                           "attachment chain counters", 2)
    rep.check([(r.get("ATTACHMENT"), r.get("GROUP"), r.get("PACKETS")) for r in rows] ==
              [("ingress", "firewalls", "800000"), ("ingress", "ids", "0")],
              "attachments: counters per chain group", rows)
    dp_table_end(rep, ctl, f, out, "attachments", fake.ATTACHMENTS)

    rc, out, err, _ = ctl("dataplanes", sock=f.sock)
    table_ok(rep, out, "SOCKET", {"GENERATION"}, "dataplanes", 2)
    rc, out, err, _ = ctl("--json", "dataplanes", sock=f.sock)
    rep.check(rc == 0 and json.loads(out) == {"ok": True, "dataplanes": fake.DATAPLANES},
              "--json dataplanes", out + err)


def test_reload(rep, ctl, f):
    rc, out, err, _ = ctl("reload", sock=f.sock)
    rep.check(rc == 0 and out == "added    firewalls/fw-d\nremoved  firewalls/fw-c\n"
              "changed  web/web-b\nchanged  web/web-c\n", "reload: the changes", out + err)
    rc, out, err, _ = ctl("reload", sock=f.sock)
    rep.check(rc == 0 and out == "no changes\n", "reload: no changes", out + err)
    rc, out, err, _ = ctl("--json", "reload", sock=f.sock)
    rep.check(rc == 0 and json.loads(out) == {"ok": True, "added": [], "removed": [],
                                              "changed": []}, "--json reload", out + err)


def test_socket_choice(rep, ctl, f, tmp):
    rc, out, err, _ = ctl("status", env_sock=f.sock)
    rep.check(rc == 0, "$SLUICE_SOCKET is used without --socket", err)
    rc, out, err, _ = ctl("status", sock=f.sock, env_sock=os.path.join(tmp, "nothing.sock"))
    rep.check(rc == 0, "--socket wins over $SLUICE_SOCKET", err)
    rc, out, err, _ = ctl("status", "--socket", f.sock)
    rep.check(rc == 0, "--socket after the command", err)


def test_unreachable(rep, ctl, tmp):
    path = os.path.join(tmp, "nothing.sock")
    rc, out, err, _ = ctl("status", sock=path)
    rep.check(rc == 3 and err == "sluicectl: cannot reach sluiced at %s: No such file or "
              "directory (is it running? --socket)\n" % path and out == "",
              "no socket: exit 3 with the message", (rc, err))
    dead = os.path.join(tmp, "dead.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(dead)
    s.close()  # bound, never listened: refused
    rc, out, err, _ = ctl("targets", sock=dead)
    rep.check(rc == 3 and "Connection refused" in err and "(is it running? --socket)" in err,
              "stale socket: exit 3, connection refused", (rc, err))


def test_bad_daemons(rep, ctl, tmp):
    for mode, code, phrase, extra in (("silent", 3, "within 0.5 s", ["--timeout", "0.5"]),
                                      ("close", 3, "closed the connection", []),
                                      ("garbage", 1, "bad reply", []),
                                      ("huge", 1, "longer than 4194304 bytes", []),
                                      ("badid", 1, "bad reply", [])):
        f = Fake(tmp, mode, mode)
        try:
            rc, out, err, el = ctl(*(extra + ["status"]), sock=f.sock)
            rep.check(rc == code and phrase in err and out == "",
                      "daemon %s: exit %d (%s)" % (mode, code, phrase), (rc, out[:200], err))
            if mode == "silent":
                rep.check(0.4 <= el < 3, "--timeout 0.5 is kept (%.2f s)" % el)
        finally:
            f.stop()


def test_usage(rep, ctl, f):
    long_id = "x" * 64
    cases = [
        ((), "no command"),
        (("frobnicate",), "unknown command"),
        (("--frob", "status"), "unknown or ambiguous option '--frob'"),
        (("--json=1", "status"), "takes no value"),
        (("counters", "--all=yes"), "takes no value"),
        (("flows", "--t", "x"), "ambiguous"),
        (("flows", "--dataplane", "\udcff"), "UTF-8"),
        (("-q", "status"), "unknown option"),
        (("--socket",), "needs a value"),
        (("targets", "a", "b"), "unexpected argument"),
        (("targets", "bad name"), "bad name"),
        (("targets", "--frob"), "unknown or ambiguous option"),
        (("status", "extra"), "unexpected argument"),
        (("register", "firewalls"), "missing"),
        (("register", "firewalls", "fw-x"), "missing ADDRESS"),
        (("register", "firewalls", "fw-x", "300.1.1.1"), "not an IPv4 or IPv6 address"),
        (("register", "firewalls", "fw-x", "2001:db8::zz"), "not an IPv4 or IPv6 address"),
        (("register", "firewalls", "fw-x", "1.2.3.4", "--port", "65536"), "--port"),
        (("register", "firewalls", "fw-x", "1.2.3.4", "--port", "-1"), "--port"),
        (("register", "firewalls", "fw-x", "1.2.3.4", "--port", "12x"), "--port"),
        (("register", "firewalls", "fw-x", "1.2.3.4", "--port", " 1"), "--port"),
        (("register", "firewalls", "fw-x", "1.2.3.4", "--weight", "1001"), "--weight"),
        (("register", "firewalls", "fw-x", "1.2.3.4", "--weight", ""), "--weight"),
        (("register", "firewalls", "fw-x", "1.2.3.4", "--zone"), "needs a value"),
        (("register", "firewalls", "fw-x", "1.2.3.4", "--zone", "a/b"), "bad name"),
        (("register", "firewalls", "", "1.2.3.4"), "bad name"),
        (("register", "firewalls", long_id, "1.2.3.4"), "bad name"),
        (("register", "firewalls", "fw-x", "1.2.3.4", "extra"), "unexpected argument"),
        (("deregister", "firewalls"), "missing ID"),
        (("drain",), "missing GROUP and ID"),
        (("undrain", "a", "b", "c"), "unexpected argument"),
        (("flows", "--limit", "0"), "--limit"),
        (("flows", "--limit", "10001"), "--limit"),
        (("flows", "--limit", "abc"), "--limit"),
        (("flows", "--group", "a b"), "bad name"),
        (("flows", "--dataplane", ""), "--dataplane"),
        (("flows", "x"), "unexpected argument"),
        (("counters", "--bogus"), "unknown or ambiguous option"),
        (("counters", "x"), "unexpected argument"),
        (("listeners", "x"), "unexpected argument"),
        (("attachments", "x"), "unexpected argument"),
        (("dataplanes", "x"), "unexpected argument"),
        (("reload", "now"), "unexpected argument"),
        (("--timeout", "0", "status"), "--timeout"),
        (("--timeout", "-1", "status"), "--timeout"),
        (("--timeout", "abc", "status"), "--timeout"),
        (("--timeout", "nan", "status"), "--timeout"),
        (("status", "--timeout", "1e9"), "--timeout"),
        (("help", "nosuch"), "unknown command"),
    ]
    n = f.nreq()
    for args, phrase in cases:
        rc, out, err, _ = ctl(*args, sock=f.sock)
        rep.check(rc == 2 and phrase in err and "usage: sluicectl" in err and out == "",
                  "usage error exits 2: %s" % " ".join(repr(a) for a in args),
                  (rc, out, err))
    rep.check(f.nreq() == n, "usage errors send nothing", f.requests()[n:])


REAL_CONFIG = """\
# test_sluicectl.py: sluiced with loopback targets and no dataplane
node: { zone: az1, cookie_secret: 000102030405060708090a0b0c0d0e0f }
zones: { az1: 127.0.0.1, az2: 127.0.0.2 }
ports:
  - { name: lo, device: net_null0, addresses: [127.0.0.1/8] }
daemon:
  api_socket: %(sock)s
  metrics_address: "off"
  dataplanes: [%(dp)s]
target_groups:
  - name: fw
    protocol: geneve
    health_check: { protocol: tcp, port: %(port)d, interval: 2, timeout: 1 }
    targets:
      - { id: fw-a, address: 127.0.0.11, zone: az1 }
      - { id: fw-b, address: 127.0.0.12, zone: az2, weight: 2 }
%(more)s  - name: web
    protocol: tcp
    health_check: { protocol: http, port: %(port)d, path: /healthz, interval: 2, timeout: 1 }
    targets:
      - { id: web-a, address: 127.0.0.21, port: 8443, zone: az1 }
inspection:
  - { name: ingress, endpoint_id: 0x0a0b0c0d01020304, from: lo, chain: [fw] }
listeners:
  - { name: www, protocol: tcp, port: 443, target_group: web, inspect: ingress }
"""


def test_real(rep, ctl, sluiced, tmp):
    """sluicectl against the real sluiced: every command, human and --json."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there: checks fail fast with "Connection refused"
    sock, cfg = os.path.join(tmp, "real.sock"), os.path.join(tmp, "real.yaml")
    conf = {"sock": sock, "dp": os.path.join(tmp, "nodp.sock"), "port": port, "more": ""}
    with open(cfg, "w") as fh:
        fh.write(REAL_CONFIG % conf)
    log = open(os.path.join(tmp, "sluiced.log"), "w")
    proc = subprocess.Popen([sluiced, "--config", cfg, "--log-level", "debug"], stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        up = False
        while time.monotonic() < deadline and proc.poll() is None and not up:
            try:
                c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                c.connect(sock)
                c.close()
                up = True
            except OSError:
                time.sleep(0.05)
        if not rep.check(up, "real sluiced: API socket up"):
            return
        rc, out, err, _ = ctl("status", sock=sock)
        rep.check(rc == 0 and "zone        az1" in out and "dataplanes  0 of 1 connected" in out,
                  "real: status", out + err)
        table_ok(rep, out, "SOCKET", {"GENERATION"}, "real: status dataplanes", 1)
        rc, out, err, _ = ctl("--json", "status", sock=sock)
        d = json.loads(out) if rc == 0 else {}
        rep.check(d.get("ok") is True and d.get("zone") == "az1" and "v" not in d
                  and "id" not in d, "real: --json status", out + err)

        rc, out, err, _ = ctl("--json", "targets", sock=sock)
        api = json.loads(out)["targets"] if rc == 0 else []
        rep.check(rc == 0 and len(api) == 3, "real: --json targets", out + err)
        rc, out, err, _ = ctl("targets", sock=sock)
        rows, _ = table_ok(rep, out, "GROUP", {"PORT", "WEIGHT"}, "real: targets", 3)
        want = {(t["group"], t["id"]): t["state"] for t in api}
        got = {(r.get("GROUP"), r.get("ID")): r.get("STATE") for r in rows}
        rep.check(got == want or set(got) == set(want), "real: targets rows = the API's",
                  (got, want))
        r = {r.get("ID"): r for r in rows}
        rep.check(r.get("fw-b", {}).get("STATE") == "unused"
                  and r.get("fw-b", {}).get("LAST-CHECK") == "-",
                  "real: the other zone's target unused, never checked", out)
        rc, out, err, _ = ctl("targets", "nope", sock=sock)
        rep.check(rc == 1 and err.startswith("sluicectl: targets: ") and "nope" in err,
                  "real: unknown group: exit 1", (rc, err))

        for args, want in ((("register", "fw", "fw-c", "127.0.0.13", "--weight", "3"),
                            "fw/fw-c registered: initial"),
                           (("drain", "fw", "fw-a"), "fw/fw-a drained: draining"),
                           (("undrain", "fw", "fw-a"), "fw/fw-a undrained: initial"),
                           (("deregister", "fw", "fw-c"), "fw/fw-c deregistered: draining")):
            rc, out, err, _ = ctl(*args, sock=sock)
            rep.check(rc == 0 and out.startswith(want), "real: %s" % " ".join(args),
                      (rc, out, err))
        rc, out, err, _ = ctl("register", "fw", "fw-a", "127.0.0.11", sock=sock)
        rep.check(rc == 1 and err.startswith("sluicectl: register: "),
                  "real: register twice: exit 1", (rc, err))
        rc, out, err, _ = ctl("--json", "register", "web", "web-b", "127.0.0.22", "--port",
                              "8080", sock=sock)
        d = json.loads(out).get("target", {}) if rc == 0 else {}
        rep.check(d.get("id") == "web-b" and d.get("port") == 8080 and d.get("state") ==
                  "initial" and d.get("zone") == "az1", "real: --json register", out + err)

        for what in ("flows", "counters"):
            rc, out, err, _ = ctl(what, sock=sock)
            rep.check(rc == 1 and err.startswith("sluicectl: %s: " % what) and out == "",
                      "real: %s without a dataplane: exit 1" % what, (rc, out, err))
        rc, out, err, _ = ctl("listeners", sock=sock)
        table_ok(rep, out, "NAME", {"PORT"}, "real: listeners", 1)
        rep.check("no dataplane connected: no counters" in out, "real: listeners, no counters",
                  out)
        rc, out, err, _ = ctl("attachments", sock=sock)
        rows, _ = table_ok(rep, out, "NAME", set(), "real: attachments", 1)
        rep.check(rows and rows[0].get("CHAIN") == "fw" and rows[0].get("FROM") == "lo",
                  "real: attachment chain and ports", out)
        rc, out, err, _ = ctl("dataplanes", sock=sock)
        rows, _ = table_ok(rep, out, "SOCKET", {"GENERATION"}, "real: dataplanes", 1)
        rep.check(rows and rows[0].get("CONNECTED") == "no", "real: dataplane not connected",
                  out)
        for what in ("listeners", "attachments", "dataplanes"):
            rc, out, err, _ = ctl("--json", what, sock=sock)
            rep.check(rc == 0 and isinstance(json.loads(out).get(what), list),
                      "real: --json %s" % what, out + err)

        rc, out, err, _ = ctl("reload", sock=sock)
        rep.check(rc == 0 and out == "no changes\n", "real: reload, no changes", out + err)
        conf["more"] = "      - { id: fw-d, address: 127.0.0.14, zone: az1 }\n"
        with open(cfg, "w") as fh:
            fh.write(REAL_CONFIG % conf)
        rc, out, err, _ = ctl("reload", sock=sock)
        rep.check(rc == 0 and out == "added    fw/fw-d\n", "real: reload adds fw/fw-d",
                  out + err)
        rc, out, err, _ = ctl("--json", "reload", sock=sock)
        d = json.loads(out) if rc == 0 else {}
        rep.check(d.get("added") == [] and d.get("removed") == [] and d.get("changed") == [],
                  "real: --json reload", out + err)
        rep.check(proc.poll() is None, "real: sluiced still running")
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sluicectl", required=True)
    ap.add_argument("--sluiced", help="also run against this sluiced")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    a = ap.parse_args()
    if not hasattr(socket, "AF_UNIX"):
        print("SKIP: no Unix sockets")
        return SKIP
    tmp = tempfile.mkdtemp(prefix="sluicectl-")  # short: sun_path is 108 bytes
    rep = Report()
    ctl = Ctl(os.path.abspath(a.sluicectl))
    f = None
    try:
        f = Fake(tmp, "api")
        test_help(rep, ctl)
        test_status(rep, ctl, f)
        test_targets(rep, ctl, f)
        test_target_ops(rep, ctl, f)
        test_flows(rep, ctl, f)
        test_counters(rep, ctl, f)
        test_lists(rep, ctl, f)
        test_reload(rep, ctl, f)
        test_socket_choice(rep, ctl, f, tmp)
        test_usage(rep, ctl, f)
        test_unreachable(rep, ctl, tmp)
        test_bad_daemons(rep, ctl, tmp)
        if a.sluiced:
            test_real(rep, ctl, os.path.abspath(a.sluiced), tmp)
        reqs = f.requests()
        rep.check(all(r.get("v") == 1 and r.get("id") == 1 for r in reqs),
                  "every request carries v 1 and id 1", [r for r in reqs if r.get("id") != 1])
    finally:
        if f:
            f.stop()
        if a.keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return rep.summary()


if __name__ == "__main__":
    sys.exit(main())
