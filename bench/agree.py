#!/usr/bin/env python3
"""Compare rotwatch's stored verdicts with the fake web's truth file.

usage: agree.py [--json OUT.json] [--quiet] DB TRUTH.tsv|SIZE

  DB      a rotwatch SQLite database after `rotwatch daemon --once`
  TRUTH   $BENCH_WORK/www/lists/truth-N.tsv, or just N (the size): the file is
          then looked up under $BENCH_WORK (default /tmp/rotwatch-bench)

For every URL of the truth file, the latest checks.class of the source with
that URL is compared with the class rotwatch should store for the URL's truth
class (EXPECTED below), and the latest checks.observed (what the check was
judged to show) with OBSERVED.  Prints both agreements, a confusion table of
the mismatches, how many sources were checked 0 times or more than once (the
database must be fresh: every check in it counts as part of the run), and how
many soft-404 / redirect-to-root URLs rotwatch told apart from live pages.
A URL is "broken" when its check showed anything but alive or moved.

Exit status: 0 if agreement is 100 % and every source was checked exactly
once, 1 otherwise, 2 on usage or input errors.

--json writes a machine-readable record (same keys as the shared harness's
score.py, plus the agreement figures) for bench/run.sh.
"""
import json
import os
import sqlite3
import sys
from collections import Counter, defaultdict

# truth class (gen.py) -> checks.class rotwatch must store
EXPECTED = {
    "ok": "ok",
    "soft404": "ok",          # soft-404 detection is a later capability
    "notfound": "not_found",
    "gone": "not_found",
    "err5xx": "server_error",
    "redir1": "redirect",
    "redirchain": "redirect",
    "redirroot": "redirect",  # redirect to the home page: later capability
    "redir404": "not_found",
    "slow": "ok",
    "dyn": "ok",
    "dead": "connect_refused",
}

# truth class -> checks.observed rotwatch must store (rotwatch(1), STATES)
OBSERVED = {
    "ok": "alive",
    "soft404": "soft404",     # 200 "Page not found"
    "notfound": "fail",
    "gone": "fail",
    "err5xx": "fail",
    "redir1": "moved",        # 301 to another page
    "redirchain": "moved",    # 302 -> 301 -> 301 -> page: a permanent hop
    "redirroot": "soft404",   # 301 to the home page
    "redir404": "fail",
    "slow": "alive",
    "dyn": "alive",
    "dead": "fail",
}

# classes of the contract that say "the source answered normally"
LIVE = {"ok", "redirect"}
# classes that say nothing about the page itself (transport / server trouble)
TRANSPORT = {"server_error", "bad_response", "dns_nxdomain", "dns_failure",
             "connect_refused", "connect_timeout", "tls_error", "timeout", "reset",
             "too_many_redirects", "too_large", "bad_scheme", "invalid_url",
             "local_error"}
SOFT = ("soft404", "redirroot")


def usage(msg=None):
    if msg:
        sys.stderr.write("agree.py: %s\n" % msg)
    sys.stderr.write("usage: agree.py [--json OUT.json] [--quiet] DB TRUTH.tsv|SIZE\n")
    sys.exit(2)


def read_truth(path):
    """-> list of (url, class) in list order; columns found by header name."""
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        try:
            iu, ic = header.index("url"), header.index("class")
        except ValueError:
            usage("%s: header has no 'url' and 'class' columns: %r" % (path, header))
        iv = header.index("status_verdict") if "status_verdict" in header else None
        rows = []
        for n, line in enumerate(f, 2):
            p = line.rstrip("\n").split("\t")
            if len(p) != len(header):
                usage("%s:%d: %d columns, header has %d" % (path, n, len(p), len(header)))
            rows.append((p[iu], p[ic], p[iv] if iv is not None else None))
    return rows


def read_db(path):
    """-> ({url: (latest class, number of checks)}, notes)"""
    if not os.path.exists(path):
        usage("%s: no such database" % path)
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        # latest check per source = highest checks.id (insertion order);
        # started_at can tie at millisecond resolution
        q = """
            SELECT s.url, s.last_check, c.id, c.class, n.cnt, c.observed
              FROM sources s
              LEFT JOIN (SELECT source_id, max(id) AS last_id, count(*) AS cnt
                           FROM checks GROUP BY source_id) n ON n.source_id = s.id
              LEFT JOIN checks c ON c.id = n.last_id
        """
        res, stale_last = {}, 0
        for url, last_check, cid, cls, cnt, obs in con.execute(q):
            res[url] = (cls, cnt or 0, obs)
            if cid is not None and last_check != cid:
                stale_last += 1
        orphans = con.execute(
            "SELECT count(*) FROM checks WHERE source_id NOT IN (SELECT id FROM sources)").fetchone()[0]
        total_checks = con.execute("SELECT count(*) FROM checks").fetchone()[0]
    finally:
        con.close()
    return res, {"stale_last_check": stale_last, "orphan_checks": orphans, "total_checks": total_checks}


def main():
    args = sys.argv[1:]
    out_json, quiet = None, False
    while args and args[0].startswith("--"):
        a = args.pop(0)
        if a == "--json" and args:
            out_json = args.pop(0)
        elif a == "--quiet":
            quiet = True
        elif a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        else:
            usage("unknown option %s" % a)
    if len(args) != 2:
        usage()
    db, truth_path = args
    if truth_path.isdigit():
        work = os.environ.get("BENCH_WORK", "/tmp/rotwatch-bench")
        truth_path = os.path.join(work, "www", "lists", "truth-%s.tsv" % truth_path)
    truth = read_truth(truth_path)
    got, notes = read_db(db)

    n = len(truth)
    agree = 0
    confusion = Counter()                 # (truth class, expected, got) -> count
    classes = Counter()                   # stored class -> count (URLs of the list)
    per_class = defaultdict(Counter)      # truth class -> verdict (broken/ok/missing)
    zero = multi = 0
    soft_apart = Counter()
    obs_agree = 0
    obs_confusion = Counter()
    false_neg = false_pos = 0
    urls = set()
    for url, tcls, sverdict in truth:
        urls.add(url)
        exp = EXPECTED.get(tcls)
        if exp is None:
            usage("%s: unknown truth class %r" % (truth_path, tcls))
        cls, cnt, obs = got.get(url, (None, 0, None))
        if cnt == 0:
            zero += 1
        elif cnt > 1:
            multi += 1
        shown = cls if cls is not None else "(not checked)" if url in got else "(not in database)"
        classes[shown] += 1
        if cls == exp:
            agree += 1
        else:
            confusion[(tcls, exp, shown)] += 1
        if obs == OBSERVED[tcls]:
            obs_agree += 1
        else:
            obs_confusion[(tcls, OBSERVED[tcls], obs or "(none)")] += 1
        if obs is not None:
            verdict = "ok" if obs in ("alive", "moved") else "broken"
        else:
            verdict = "missing" if cls is None else ("ok" if cls in LIVE else "broken")
        per_class[tcls][verdict] += 1
        if sverdict == "broken" and verdict != "broken":
            false_neg += 1
        if sverdict == "ok" and verdict == "broken":
            false_pos += 1
        # "told apart": a soft-404 / redirect-to-root stored as anything but a
        # live page or a transport failure (e.g. not_found, or a new class)
        if tcls in SOFT and ((cls is not None and cls not in LIVE and cls not in TRANSPORT)
                             or obs == "soft404"):
            soft_apart[tcls] += 1
    extra = sorted(u for u in got if u not in urls)
    soft_total = Counter(t for _, t, _ in truth if t in SOFT)
    checked_once = n - zero - multi
    ok = agree == n and zero == 0 and multi == 0 and obs_agree == n

    lines = []
    w = lines.append
    pct = 100.0 * agree / n if n else 0.0
    w("agreement: %d of %d (%.2f %%)%s" % (agree, n, pct, "" if agree == n else "  MISMATCH"))
    w("verdicts: %d of %d (%.2f %%)%s" % (obs_agree, n, 100.0 * obs_agree / n if n else 0.0,
                                          "" if obs_agree == n else "  MISMATCH"))
    w("sources checked exactly once: %d of %d; checked 0 times: %d; more than once: %d%s"
      % (checked_once, n, zero, multi, "" if zero == 0 and multi == 0 else "  NOT every source exactly once"))
    w("soft-404 / redirect-to-root told apart: %d of %d (soft404 %d of %d, redirroot %d of %d)"
      % (sum(soft_apart.values()), sum(soft_total.values()), soft_apart["soft404"], soft_total["soft404"],
         soft_apart["redirroot"], soft_total["redirroot"]))
    w("stored classes: " + ", ".join("%s %d" % (c, k) for c, k in sorted(classes.items(), key=lambda x: -x[1])))
    if extra:
        w("sources in the database but not in the list: %d (e.g. %s)" % (len(extra), extra[0]))
    if notes["stale_last_check"]:
        w("sources whose last_check is not their latest check: %d" % notes["stale_last_check"])
    if notes["orphan_checks"]:
        w("checks rows without a source: %d" % notes["orphan_checks"])
    if confusion:
        w("")
        w("| truth class | expected | stored | URLs |")
        w("|---|---|---|---:|")
        for (t, e, g), k in sorted(confusion.items(), key=lambda x: (-x[1], x[0])):
            w("| %s | %s | %s | %d |" % (t, e, g, k))
    if obs_confusion:
        w("")
        w("| truth class | expected verdict | observed | URLs |")
        w("|---|---|---|---:|")
        for (t, e, g), k in sorted(obs_confusion.items(), key=lambda x: (-x[1], x[0])):
            w("| %s | %s | %s | %d |" % (t, e, g, k))
    if not quiet:
        print("\n".join(lines))

    if out_json:
        verdicts = Counter()
        for c in per_class.values():
            verdicts.update(c)
        rec = {
            "broken": verdicts["broken"], "ok": verdicts["ok"], "missing": verdicts["missing"],
            "truth_status_broken": sum(1 for _, _, v in truth if v == "broken"),
            "false_neg_vs_status": false_neg, "false_pos_vs_status": false_pos,
            "per_class_broken": {c: per_class[c]["broken"] for c in sorted(per_class)},
            "per_class_missing": {c: per_class[c]["missing"] for c in sorted(per_class) if per_class[c]["missing"]},
            "agree": agree, "agree_of": n, "agree_pct": round(pct, 4),
            "checked_zero": zero, "checked_multi": multi, "checked_once": checked_once,
            "soft_told_apart": sum(soft_apart.values()), "soft_total": sum(soft_total.values()),
            "stored_classes": dict(classes), "extra_sources": len(extra),
            "mismatches": [{"truth": t, "expected": e, "stored": g, "n": k}
                           for (t, e, g), k in sorted(confusion.items())],
            "verdict_agree": obs_agree,
            "verdict_mismatches": [{"truth": t, "expected": e, "observed": g, "n": k}
                                   for (t, e, g), k in sorted(obs_confusion.items())],
            "agree_ok": ok,
        }
        rec.update(notes)
        with open(out_json, "w") as f:
            json.dump(rec, f)
            f.write("\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
