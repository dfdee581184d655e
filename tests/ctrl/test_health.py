#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Health checks of sluiced against real servers on loopback.

    test_health.py --sluiced PATH --sluicectl PATH [--keep]

sluiced runs alone: its `dataplanes:` names a socket nobody serves (it must run and
health-check anyway). Targets sit on 127.0.0.11 and up (Linux answers all of 127/8; the config's
only port is a net_null port holding 127.0.0.1/8), served by this process's threads:

  group   check                                        target (server)
  tcpg    tcp, port 0 (the target's), 2 s/1 s, 2/2      t1   127.0.0.11  TCP listener
          deregistration_delay 3                        far  127.0.0.16  zone az2: unused
                                                        new-1 127.0.0.17 registered by sluicectl
  httpg   http /healthz, 2 s/1 s, 2/2                   h1   127.0.0.12  http.server 200 / 503
  httpsg  https /tls-health, port override, 3/3         s1   127.0.0.13  TLS (self-signed, made
                                                             now) / plain HTTP ("TLS down")
  matchg  http, matcher 200-204, 2/2                    m1   127.0.0.14  200, then 302, then 204
  hangg   geneve group, http check on a port that       g1   127.0.0.15  accepts, never answers
          accepts and never answers, 2/2
  xzg     tcp, cross_zone: true                         x1   127.0.0.18  zone az2: checked
  v6g     tcp                                           v6   ::1         TCP listener (IPv6)
  oddg    http                                          eof  127.0.0.19  accepts, closes at once
                                                        slow 127.0.0.20  answers after 0.5 s
  hangtlsg https                                        ht   127.0.0.31  accepts, never speaks TLS

Phases: start (initial -> healthy, hangg -> unhealthy by timeout; unused never checked), every
server down at once (-> unhealthy within interval x threshold + 1 s, the reason in JSON and in
the human table), every server back (-> healthy within the bound), register / deregister
(delay 3) / drain / undrain, metrics (values follow the state; Prometheus format sanity), the
human `sluicectl targets` table is aligned.

Exit 0 pass, 1 fail (every failed check printed), 77 skip (openssl missing).
"""

import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ctrlkit as ck  # noqa: E402

INTERVAL, TIMEOUT = 2, 1
POLL = 0.1


def bound(thr, timeout_counts=False):
    """interval x threshold + 1 s (+ the timeout when a failed check takes the whole timeout)."""
    return INTERVAL * thr + 1 + (TIMEOUT if timeout_counts else 0)


def watch(sock, t0, goals, limit):
    """Poll the API's targets until each (group, id) in goals reaches its state (goal None: the
    target is gone). Returns ({key: (seconds since t0, target object)}, {key: [states seen]})."""
    seen, hist = {}, {k: [] for k in goals}
    deadline = t0 + limit
    while True:
        ts = ck.by_key(ck.api_targets(sock))
        now = time.monotonic()
        for k, want in goals.items():
            t = ts.get(k)
            s = t.get("state") if t else None
            if not hist[k] or hist[k][-1] != s:
                hist[k].append(s)
            if k not in seen and s == want:
                seen[k] = (now - t0, t)
        if len(seen) == len(goals) or now >= deadline:
            return seen, hist
        time.sleep(POLL)


def changed_within(rep, seen, hist, k, thr, change, cause, early):
    """Check that target k made `change` within bound(thr) of `cause` (watch()'s seen, hist),
    and not before thr - 1 intervals (`early` % thr says what it would have skipped).
    (seconds or None, the target then)."""
    el, t = seen.get(k, (None, {}))
    rep.check(el is not None and el <= bound(thr),
              "%s/%s: %s within %d s of %s (took %s)"
              % (k[0], k[1], change, bound(thr), cause, "%.2f s" % el if el is not None
                 else "never"), "states seen: %s" % hist[k])
    if el is not None:
        lo = INTERVAL * (thr - 1) - 0.6
        rep.check(el >= lo, "%s/%s: not %s checks (took %.2f s, at least %.1f s expected)"
                  % (k[0], k[1], early % thr, el, lo))
    return el, t


def main():
    args = ck.common_args(sys.argv[1:], __doc__)
    rep = ck.Report()
    kit = ck.Kit(args.sluiced, args.sluicectl, keep=args.keep, prefix="sluice-health-")

    def body(st):
        tls = ck.make_cert(kit)
        if tls is None:
            print("SKIP: openssl cannot make a certificate")
            kit.cleanup()
            sys.exit(ck.SKIP)
        st["daemon"] = scenario(kit, rep, tls)

    sys.exit(ck.run_daemon_test(kit, rep, body))


def scenario(kit, rep, tls):
    sock = kit.path("api.sock")
    dp_sock = kit.path("nobody-dp.sock")  # nobody listens here
    mport = ck.free_port()
    maddr = "127.0.0.1:%d" % mport

    tcp1 = ck.TcpTarget(kit, "127.0.0.11")
    http1 = ck.HttpTarget(kit, "127.0.0.12")
    https1 = ck.HttpTarget(kit, "127.0.0.13", tls_ctx=tls)
    match1 = ck.HttpTarget(kit, "127.0.0.14", status=200)
    hang1 = ck.HangTarget(kit, "127.0.0.15")
    far = ck.TcpTarget(kit, "127.0.0.16")
    reg = ck.TcpTarget(kit, "127.0.0.17")
    xz = ck.TcpTarget(kit, "127.0.0.18")
    v6 = ck.TcpTarget(kit, "::1")
    eof = ck.TcpTarget(kit, "127.0.0.19")       # accepts and closes: no HTTP answer
    slow = ck.HttpTarget(kit, "127.0.0.20")     # answers after 0.5 s
    slow.srv.delay = 0.5
    hangtls = ck.HangTarget(kit, "127.0.0.31")  # TCP up, never a TLS handshake

    hc = "interval: %d, timeout: %d" % (INTERVAL, TIMEOUT)
    groups = """\
  - name: tcpg
    protocol: tcp
    deregistration_delay: 3
    health_check: { protocol: tcp, %(hc)s, healthy_threshold: 2, unhealthy_threshold: 2 }
    targets:
      - { id: t1, address: 127.0.0.11, port: %(tcp)d, zone: az1 }
      - { id: far, address: 127.0.0.16, port: %(far)d, zone: az2 }
  - name: httpg
    protocol: tcp
    health_check: { protocol: http, path: /healthz, %(hc)s, healthy_threshold: 2, unhealthy_threshold: 2 }
    targets:
      - { id: h1, address: 127.0.0.12, port: %(http)d, zone: az1 }
  - name: httpsg
    protocol: tcp_udp
    health_check:
      protocol: https
      port: %(https)d
      path: /tls-health
      interval: %(iv)d
      timeout: %(to)d
      healthy_threshold: 3
      unhealthy_threshold: 3
    targets:
      - { id: s1, address: 127.0.0.13, port: 9, zone: az1 }
  - name: matchg
    protocol: tcp
    health_check: { protocol: http, matcher: 200-204, %(hc)s, healthy_threshold: 2, unhealthy_threshold: 2 }
    targets:
      - { id: m1, address: 127.0.0.14, port: %(match)d, zone: az1 }
  - name: hangg
    protocol: geneve
    health_check: { protocol: http, port: %(hang)d, %(hc)s, healthy_threshold: 2, unhealthy_threshold: 2 }
    targets:
      - { id: g1, address: 127.0.0.15, zone: az1 }
  - name: xzg
    protocol: tcp
    cross_zone: true
    health_check: { protocol: tcp, %(hc)s, healthy_threshold: 2, unhealthy_threshold: 2 }
    targets:
      - { id: x1, address: 127.0.0.18, port: %(xz)d, zone: az2 }
  - name: v6g
    protocol: tcp
    health_check: { protocol: tcp, %(hc)s, healthy_threshold: 2, unhealthy_threshold: 2 }
    targets:
      - { id: v6, address: "::1", port: %(v6)d, zone: az1 }
  - name: oddg
    protocol: tcp
    health_check: { protocol: http, %(hc)s, healthy_threshold: 2, unhealthy_threshold: 2 }
    targets:
      - { id: eof, address: 127.0.0.19, port: %(eof)d, zone: az1 }
      - { id: slow, address: 127.0.0.20, port: %(slow)d, zone: az1 }
  - name: hangtlsg
    protocol: tcp
    health_check: { protocol: https, %(hc)s, healthy_threshold: 2, unhealthy_threshold: 2 }
    targets:
      - { id: ht, address: 127.0.0.31, port: %(hangtls)d, zone: az1 }
""" % {"hc": hc, "tcp": tcp1.port, "far": far.port, "http": http1.port, "https": https1.port,
       "iv": INTERVAL, "to": TIMEOUT, "match": match1.port, "hang": hang1.port,
       "xz": xz.port, "v6": v6.port, "eof": eof.port, "slow": slow.port,
       "hangtls": hangtls.port}
    cfg = kit.write("sluice.yaml", ck.config_text(sock, maddr, [dp_sock], groups,
                                                  daemon_extra="log_level: debug"))

    res = ck.run([kit.sluiced, "--check", "--config", cfg])
    rep.check(res.returncode == 0, "sluiced --check accepts the test config",
              (res.stdout + res.stderr).strip())

    # ---- start: initial -> healthy -------------------------------------------------------
    daemon = kit.daemon(cfg).start()
    t0 = daemon.t_start
    if not daemon.wait_socket(sock, timeout=10):
        raise ck.Abort("sluiced did not serve its API socket within 10 s (exit %s):\n%s"
                       % (daemon.proc.poll(), daemon.log()[-3000:]))
    t_up = time.monotonic() - t0
    rep.info("API socket up %.2f s after start" % t_up)
    first = ck.by_key(ck.api_targets(sock))
    k_t1, k_far, k_h1 = ("tcpg", "t1"), ("tcpg", "far"), ("httpg", "h1")
    k_s1, k_m1, k_g1, k_new = ("httpsg", "s1"), ("matchg", "m1"), ("hangg", "g1"), \
        ("tcpg", "new-1")
    k_x1, k_v6 = ("xzg", "x1"), ("v6g", "v6")
    k_eof, k_slow, k_ht = ("oddg", "eof"), ("oddg", "slow"), ("hangtlsg", "ht")
    rep.check(set(first) == {k_t1, k_far, k_h1, k_s1, k_m1, k_g1, k_x1, k_v6, k_eof, k_slow,
                             k_ht},
              "targets lists every config target", sorted(first))
    if time.monotonic() - t0 < 1.5:
        bad = {k: t.get("state") for k, t in first.items()
               if k != k_far and t.get("state") != "initial"}
        rep.check(not bad, "every in-zone target starts initial", bad)
    ft = first.get(k_far, {})
    rep.check(ft.get("state") == "unused" and "az2" in str(ft.get("reason")),
              "target in zone az2 with cross_zone off is unused, its reason names the zone",
              json.dumps(ft))
    rep.check(all(t.get("source") == "config" for t in first.values()),
              "config targets have source config")
    s1 = first.get(k_s1, {})
    chk = s1.get("check") or {}
    rep.check(chk.get("protocol") == "https" and chk.get("port") == https1.port
              and chk.get("path") == "/tls-health",
              "s1 check object: https, port override %d, path /tls-health" % https1.port,
              json.dumps(s1))
    rep.check(s1.get("port") == 9, "s1 keeps its traffic port 9", json.dumps(s1))
    for k, t in first.items():
        miss = [m for m in ("group", "id", "address", "port", "zone", "weight", "state",
                            "reason", "source", "check") if m not in t]
        cmiss = [m for m in ("protocol", "port", "path", "last_result", "last_latency_ms",
                             "last_check_s", "passes", "failures")
                 if m not in (t.get("check") or {})]
        rep.check(not miss and not cmiss, "target %s/%s has every documented member" % k,
                  "missing %s, check missing %s: %s" % (miss, cmiss, json.dumps(t)))

    goals = {k_t1: "healthy", k_h1: "healthy", k_s1: "healthy", k_m1: "healthy",
             k_g1: "unhealthy", k_x1: "healthy", k_v6: "healthy", k_eof: "unhealthy",
             k_slow: "healthy", k_ht: "unhealthy"}
    seen, hist = watch(sock, t0, goals, bound(3, True) + 2)
    for k, st in goals.items():
        thr = 3 if k == k_s1 else 2
        lim = bound(thr, timeout_counts=(k in (k_g1, k_ht)))
        el = seen.get(k, (None, None))[0]
        rep.check(el is not None and el <= lim,
                  "%s/%s: initial -> %s within %.0f s of start (took %s)"
                  % (k[0], k[1], st, lim, "%.2f s" % el if el is not None else "never"),
                  "states seen: %s" % hist[k])
        rep.check(all(s in ("initial", st) for s in hist[k]),
                  "%s/%s: only initial before %s" % (k[0], k[1], st), hist[k])
    g1 = seen.get(k_g1, (0, {}))[1] or {}
    rep.check(re.search(r"timeout after %d s" % TIMEOUT, str(g1.get("reason")), re.I)
              is not None, "g1 (accepts, never answers): reason 'timeout after %d s'" % TIMEOUT,
              json.dumps(g1))
    ht = seen.get(k_ht, (0, {}))[1] or {}
    rep.check(re.search(r"timeout after %d s" % TIMEOUT, str(ht.get("reason")), re.I)
              is not None, "ht (TCP up, no TLS handshake ever): reason 'timeout after %d s'"
              % TIMEOUT, json.dumps(ht))
    e = seen.get(k_eof, (0, {}))[1] or {}
    rep.check(eof.accepts > 0 and re.search(r"^http", str(e.get("reason")), re.I) is not None,
              "eof (accepts, closes, no HTTP answer): an HTTP check fails, reason http: ...",
              json.dumps(e))
    sl = ck.by_key(ck.api_targets(sock)).get(k_slow) or {}
    lat = (sl.get("check") or {}).get("last_latency_ms")
    rep.check(isinstance(lat, (int, float)) and 450 <= lat <= 1000,
              "slow (answers after 0.5 s): passes, last_latency_ms about 500 (%s)" % lat,
              json.dumps(sl))
    rep.check(xz.accepts > 0, "cross_zone: true: the az2 target is checked (and healthy)",
              xz.accepts)
    rep.check(hang1.accepts > 0, "the unresponsive server was connected to", hang1.accepts)
    rep.check(all(p == "/healthz" for p in http1.srv.paths) and http1.srv.paths,
              "HTTP checks GET the configured path /healthz", http1.srv.paths[:5])
    rep.check(all(p == "/tls-health" for p in https1.srv.paths) and https1.srv.paths,
              "HTTPS checks (self-signed cert, not verified) GET /tls-health over TLS",
              "paths %s, TLS handshakes failed %d" % (https1.srv.paths[:5],
                                                      https1.srv.tls_failures))
    rep.check(all(h for h in http1.srv.hosts), "HTTP checks send a Host header",
              http1.srv.hosts[:3])

    ctype, page0 = scrape_checked(rep, maddr, "steady state", sock)
    t_s0 = time.monotonic()
    samples0 = ck.parse_prom(page0)[0]
    dur = ck.prom_get(samples0, "sluice_health_check_duration_seconds", group="oddg",
                      target="slow")
    rep.check(len(dur) == 1 and 0.45 <= dur[0] <= 1.0,
              "metrics: sluice_health_check_duration_seconds of slow about 0.5", dur)
    for k in (k_t1, k_h1, k_s1, k_m1):
        expect_metrics(rep, samples0, k, "healthy")
    expect_metrics(rep, samples0, k_g1, "unhealthy")
    expect_metrics(rep, samples0, k_far, "unused")

    # ---- every server down at once -------------------------------------------------------
    tdown = time.monotonic()
    tcp1.down()
    v6.down()
    http1.status = 503
    https1.tls_on = False
    match1.status = 302
    goals = {k_t1: "unhealthy", k_h1: "unhealthy", k_s1: "unhealthy", k_m1: "unhealthy",
             k_v6: "unhealthy"}
    seen, hist = watch(sock, tdown, goals, bound(3) + 2)
    reasons = {k_t1: r"connect: connection refused", k_v6: r"connect: connection refused",
               k_h1: r"status 503 \(expected 200-399\)",
               k_s1: r"^tls", k_m1: r"status 302 \(expected 200-204\)"}
    for k in goals:
        thr = 3 if k == k_s1 else 2
        el, t = changed_within(rep, seen, hist, k, thr, "healthy -> unhealthy",
                               "the server going down", "unhealthy before %d failed")
        if el is not None:
            rep.check((t.get("check") or {}).get("failures", 0) >= thr,
                      "%s/%s: %d failures in a row when declared unhealthy" % (k[0], k[1], thr),
                      json.dumps(t))
            rep.check(re.search(reasons[k], str(t.get("reason")), re.I) is not None,
                      "%s/%s: reason matches /%s/" % (k[0], k[1], reasons[k]),
                      "reason %r" % t.get("reason"))
        rep.check(hist[k][0] == "healthy" and all(s in ("healthy", "unhealthy") for s in hist[k]),
                  "%s/%s: healthy until unhealthy" % (k[0], k[1]), hist[k])

    # the reasons in sluicectl's human table and its --json
    human = kit.ctl(sock, "targets", json_out=False)
    rep.check(human.rc == 0, "sluicectl targets exits 0", repr(human))
    for k, phrase in ((k_t1, "Connection refused"), (k_h1, "503"), (k_s1, "tls"),
                      (k_m1, "302"), (k_g1, "timeout")):
        line = [l for l in human.out.split("\n") if re.search(r"(^|\s)%s(\s|$)" % re.escape(k[1]),
                                                             l)]
        rep.check(line and phrase.lower() in line[0].lower(),
                  "sluicectl targets shows %s/%s's reason (%s)" % (k[0], k[1], phrase),
                  human.out)
    check_table(rep, human.out, ck.by_key(ck.api_targets(sock)), "all groups")
    js = kit.ctl(sock, "targets")
    jl = ck.ctl_targets_list(js)
    rep.check(js.rc == 0 and jl is not None, "sluicectl --json targets parses", repr(js))
    if jl is not None:
        api_now = ck.normalize_targets(ck.api_targets(sock))
        d = ck.diff_targets(ck.normalize_targets(jl), api_now)
        rep.check(not d, "sluicectl --json targets = the API's targets (timing aside)", d)

    _, page1 = scrape_checked(rep, maddr, "servers down", sock)
    samples1 = ck.parse_prom(page1)[0]
    for k in (k_t1, k_h1, k_s1, k_m1):
        expect_metrics(rep, samples1, k, "unhealthy")
        f0 = sum(ck.prom_get(samples0, "sluice_health_checks_total", group=k[0], target=k[1],
                             result="fail"))
        f1 = sum(ck.prom_get(samples1, "sluice_health_checks_total", group=k[0], target=k[1],
                             result="fail"))
        thr = 3 if k == k_s1 else 2
        rep.check(f1 - f0 >= thr, "%s/%s: sluice_health_checks_total{result=fail} grew by >= %d"
                  % (k[0], k[1], thr), "%s -> %s" % (f0, f1))

    # ---- every server back ---------------------------------------------------------------
    tback = time.monotonic()
    tcp1.up()
    v6.up()
    http1.status = 200
    https1.tls_on = True
    match1.status = 204
    goals = {k_t1: "healthy", k_h1: "healthy", k_s1: "healthy", k_m1: "healthy",
             k_v6: "healthy"}
    seen, hist = watch(sock, tback, goals, bound(3) + 2)
    for k in goals:
        thr = 3 if k == k_s1 else 2
        el, t = changed_within(rep, seen, hist, k, thr, "unhealthy -> healthy",
                               "the server coming back", "healthy before %d passed")
        if el is not None:
            rep.check(t.get("reason") == "" and t.get("last_failure"),
                      "%s/%s: healthy again: no reason, the last failure kept (%r)"
                      % (k[0], k[1], t.get("last_failure")), t)
    _, page2 = scrape_checked(rep, maddr, "servers back", sock)
    t_s2 = time.monotonic()
    samples2 = ck.parse_prom(page2)[0]
    for k in goals:
        expect_metrics(rep, samples2, k, "healthy")
        p1 = sum(ck.prom_get(samples1, "sluice_health_checks_total", group=k[0], target=k[1],
                             result="pass"))
        p2 = sum(ck.prom_get(samples2, "sluice_health_checks_total", group=k[0], target=k[1],
                             result="pass"))
        rep.check(p2 - p1 >= 2, "%s/%s: sluice_health_checks_total{result=pass} grew" % k,
                  "%s -> %s" % (p1, p2))
        # one check per interval: the count over the down and up phases
        n0 = sum(ck.prom_get(samples0, "sluice_health_checks_total", group=k[0], target=k[1]))
        n2 = sum(ck.prom_get(samples2, "sluice_health_checks_total", group=k[0], target=k[1]))
        exp = (t_s2 - t_s0) / INTERVAL
        rep.check(exp - 1.5 <= n2 - n0 <= exp + 1.5,
                  "%s/%s: one check per %d s interval (%d checks in %.1f s)"
                  % (k[0], k[1], INTERVAL, n2 - n0, t_s2 - t_s0))

    # ---- register, deregister (delay 3), drain, undrain ----------------------------------
    r = kit.ctl(sock, "register", "tcpg", "new-1", "127.0.0.17", "--port", reg.port)
    treg = time.monotonic()
    tobj = (r.data or {}).get("target") if isinstance(r.data, dict) else None
    rep.check(r.rc == 0 and isinstance(tobj, dict), "sluicectl register tcpg new-1 exits 0 "
              "with the target", repr(r))
    tobj = tobj or {}
    rep.check(tobj.get("state") == "initial" and tobj.get("source") == "api"
              and tobj.get("port") == reg.port and tobj.get("zone") == "az1"
              and tobj.get("weight") == 1,
              "registered target: initial, source api, the port, zone of the node, weight 1",
              json.dumps(tobj))
    seen, hist = watch(sock, treg, {k_new: "healthy"}, bound(2) + 2)
    el = seen.get(k_new, (None, None))[0]
    rep.check(el is not None and el <= bound(2),
              "registered target: initial -> healthy within %d s (took %s)"
              % (bound(2), "%.2f s" % el if el is not None else "never"), hist[k_new])
    rep.check(hist[k_new][0] == "initial", "registered target is initial first", hist[k_new])

    r = kit.ctl(sock, "deregister", "tcpg", "new-1")
    tdereg = time.monotonic()
    tobj = ((r.data or {}).get("target") if isinstance(r.data, dict) else None) or {}
    rep.check(r.rc == 0 and tobj.get("state") == "draining"
              and "deregistered" in str(tobj.get("reason")),
              "sluicectl deregister: exit 0, target draining, reason deregistered", repr(r))
    rem = tobj.get("drain_remaining_s")
    rep.check(isinstance(rem, (int, float)) and 2 <= rem <= 3.01,
              "deregistered target: drain_remaining_s about 3", json.dumps(tobj))
    r = kit.ctl(sock, "drain", "tcpg", "t1")
    tobj = ((r.data or {}).get("target") if isinstance(r.data, dict) else None) or {}
    rep.check(r.rc == 0 and tobj.get("state") == "draining", "sluicectl drain tcpg t1: draining",
              repr(r))
    # new-1 leaves after ~3 s; t1 (drained, not deregistered) stays past the delay
    seen, hist = watch(sock, tdereg, {k_new: None}, 6)
    el = seen.get(k_new, (None, None))[0]
    rep.check(el is not None and 2.5 <= el <= 4.5,
              "deregistered target gone after the 3 s delay (took %s)"
              % ("%.2f s" % el if el is not None else "never"), hist[k_new])
    rep.check(hist[k_new][:1] == ["draining"], "deregistered target drains until then",
              hist[k_new])
    while time.monotonic() - tdereg < 4.2:
        time.sleep(0.1)
    t1 = ck.by_key(ck.api_targets(sock)).get(k_t1) or {}
    rep.check(t1.get("state") == "draining", "drained t1 still draining after the delay",
              json.dumps(t1))
    _, page3 = scrape_checked(rep, maddr, "t1 drained", sock)
    samples3 = ck.parse_prom(page3)[0]
    expect_metrics(rep, samples3, k_t1, "draining")
    rep.check(not [s for s in samples3 if s[1].get("target") == "new-1"],
              "no metric series left for the removed target new-1",
              [s for s in samples3 if s[1].get("target") == "new-1"][:5])
    r = kit.ctl(sock, "undrain", "tcpg", "t1")
    tund = time.monotonic()
    tobj = ((r.data or {}).get("target") if isinstance(r.data, dict) else None) or {}
    rep.check(r.rc == 0 and tobj.get("state") == "initial", "sluicectl undrain tcpg t1: initial",
              repr(r))
    seen, hist = watch(sock, tund, {k_t1: "healthy"}, bound(2) + 2)
    el = seen.get(k_t1, (None, None))[0]
    rep.check(el is not None and el <= bound(2), "undrained t1: initial -> healthy within %d s "
              "(took %s)" % (bound(2), "%.2f s" % el if el is not None else "never"), hist[k_t1])

    # ---- the unused target was never checked ---------------------------------------------
    ts = ck.by_key(ck.api_targets(sock))
    f = ts.get(k_far) or {}
    rep.check(f.get("state") == "unused" and far.accepts == 0,
              "unused target never health-checked (its server saw %d connections)" % far.accepts,
              json.dumps(f))

    # ---- status / dataplanes: no dataplane, daemon fine ----------------------------------
    st = kit.ctl(sock, "status")
    d = st.data if isinstance(st.data, dict) else {}
    rep.check(st.rc == 0 and d.get("zone") == "az1" and isinstance(d.get("uptime_s"),
                                                                    (int, float))
              and d.get("config") in (cfg, os.path.realpath(cfg)),
              "sluicectl --json status: zone az1, config path, uptime", repr(st))
    dp = kit.ctl(sock, "dataplanes")
    dl = (dp.data or {}).get("dataplanes") if isinstance(dp.data, dict) else None
    rep.check(dp.rc == 0 and isinstance(dl, list) and len(dl) == 1
              and dl[0].get("socket") == dp_sock and dl[0].get("connected") is False,
              "sluicectl --json dataplanes: the unserved socket, not connected", repr(dp))

    # ---- the human table, one group --------------------------------------------------------
    human = kit.ctl(sock, "targets", "tcpg", json_out=False)
    rep.check(human.rc == 0, "sluicectl targets tcpg exits 0", repr(human))
    check_table(rep, human.out, ck.by_key(ck.api_targets(sock, "tcpg")), "group tcpg")
    rep.check(daemon.running(), "sluiced still running at the end")
    return daemon


def scrape_checked(rep, maddr, when, sock):
    try:
        before = ck.by_key(ck.api_targets(sock))
        ctype, page = ck.scrape(maddr)
        after = ck.by_key(ck.api_targets(sock))
    except OSError as exc:
        rep.check(False, "GET /metrics (%s)" % when, str(exc))
        return "", ""
    rep.check(ctype.startswith("text/plain"), "/metrics content type text/plain (%s)" % when,
              ctype)
    samples, types, problems = ck.parse_prom(page)
    rep.check(not problems, "/metrics is sane Prometheus text (%s)" % when,
              "\n".join(problems[:20]))
    for fam, typ in (("sluice_up", "gauge"), ("sluice_target_state", "gauge"),
                     ("sluice_target_healthy", "gauge"),
                     ("sluice_health_checks_total", "counter"),
                     ("sluice_health_check_duration_seconds", "gauge")):
        rep.check(types.get(fam) == typ, "/metrics: %s is a %s (%s)" % (fam, typ, when),
                  "type %r" % types.get(fam))
    rep.check(ck.prom_get(samples, "sluice_up") == [1.0], "/metrics: sluice_up 1 (%s)" % when,
              ck.prom_get(samples, "sluice_up"))
    dpc = [(l, v) for n, l, v in samples if n == "sluice_dataplane_connected"]
    rep.check(dpc and all(v == 0 for _, v in dpc) and all("dataplane" in l for l, _ in dpc),
              "/metrics: sluice_dataplane_connected{dataplane} 0 (%s)" % when, dpc)
    # every target's state as the API says it (when it did not change during the scrape)
    wrong = []
    for k, t in after.items():
        if (before.get(k) or {}).get("state") != t.get("state"):
            continue
        one = [l.get("state") for n, l, v in samples if n == "sluice_target_state"
               and l.get("group") == k[0] and l.get("target") == k[1] and v == 1]
        if one != [t.get("state")]:
            wrong.append("%s/%s: API %s, metrics %s" % (k[0], k[1], t.get("state"), one))
    rep.check(not wrong and after, "/metrics: sluice_target_state = the API's state for every "
              "target (%s)" % when, "\n".join(wrong))
    return ctype, page


def expect_metrics(rep, samples, key, state):
    g, t = key
    name = "%s/%s %s" % (g, t, state)
    healthy = ck.prom_get(samples, "sluice_target_healthy", group=g, target=t)
    rep.check(healthy == [1.0 if state == "healthy" else 0.0],
              "metrics %s: sluice_target_healthy = %d" % (name, state == "healthy"), healthy)
    states = {l.get("state"): v for n, l, v in samples
              if n == "sluice_target_state" and l.get("group") == g and l.get("target") == t}
    rep.check(states.get(state) == 1.0 and all(v == 0 for s, v in states.items() if s != state),
              "metrics %s: sluice_target_state{state=%s} = 1, no other state 1" % (name, state),
              states)
    if state == "unused":
        tot = ck.prom_get(samples, "sluice_health_checks_total", group=g, target=t)
        rep.check(sum(tot) == 0, "metrics %s: no health checks counted" % name, tot)
        return
    res = {l.get("result"): v for n, l, v in samples
           if n == "sluice_health_checks_total" and l.get("group") == g and l.get("target") == t}
    rep.check(set(res) <= {"pass", "fail"} and sum(res.values()) > 0,
              "metrics %s: sluice_health_checks_total{result=pass|fail} counted" % name, res)
    dur = ck.prom_get(samples, "sluice_health_check_duration_seconds", group=g, target=t)
    rep.check(len(dur) == 1 and 0 <= dur[0] <= TIMEOUT + 0.5,
              "metrics %s: sluice_health_check_duration_seconds in [0, %.1f]"
              % (name, TIMEOUT + 0.5), dur)


def check_table(rep, text, targets, what):
    """The human `sluicectl targets` output: an aligned table, one row per target, with the
    state in a STATE column."""
    names, rows, problems = ck.parse_table(text)
    rep.check(not problems, "sluicectl targets (%s): columns aligned" % what,
              "\n".join(problems[:10]) + "\n" + text)
    up = [n.upper() for n in names]
    rep.check("STATE" in up and ("ID" in up or "TARGET" in up),
              "sluicectl targets (%s): header has ID/TARGET and STATE columns" % what, names)
    if "STATE" not in up or not ("ID" in up or "TARGET" in up):
        return
    idcol = names[up.index("ID") if "ID" in up else up.index("TARGET")]
    stcol = names[up.index("STATE")]
    gcol = names[up.index("GROUP")] if "GROUP" in up else None
    got = {}
    for r in rows:
        got[(r.get(gcol) if gcol else None, r.get(idcol))] = r.get(stcol)
    want = {(g if gcol else None, i): t.get("state") for (g, i), t in targets.items()}
    rep.check(got == want and len(rows) == len(targets),
              "sluicectl targets (%s): one row per target with its state" % what,
              "table %s\napi   %s\n%s" % (got, want, text))


if __name__ == "__main__":
    main()
