#!/usr/bin/env python3
"""Confusion matrix of rotwatch's verdicts against a labelled corpus.

Usage: confusion.py LABELS STATUS_JSON [--min 0.98] [--asserts]

LABELS: lines "URL<TAB>label<TAB>what" (tests/fake/corpus.py --labels).
STATUS_JSON: the output of `rotwatch status --format json`.

Prints the matrix (rows: label, columns: state rotwatch gives), then per
state its precision (of the sources rotwatch put in that state, the share
labelled so) and recall (of the sources labelled so, the share rotwatch put
in that state), then every misjudged source with its reason and last check.
Exit status 1 if any labelled state has precision or recall below --min, 2
if the input is unusable.

--asserts: also print one line per check in the form the integration
tests' py_asserts() counts ("ok<TAB>desc" / "FAIL<TAB>desc<TAB>detail"),
and exit 0 when the input was usable (the FAIL lines carry the verdict).
With --asserts, moved sources whose label's "what" ends in "-> URL" must
also report that URL as moved_to.
"""

import json
import re
import sys

STATES = ["alive", "moved", "suspect", "dead", "blocked", "soft404", "parked"]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    asserts = "--asserts" in sys.argv
    minimum = 0.98
    if "--min" in sys.argv:
        minimum = float(sys.argv[sys.argv.index("--min") + 1])
        args.remove(sys.argv[sys.argv.index("--min") + 1])
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    labels = {}
    whats = {}
    for line in open(args[0], encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            continue
        url, label, what = (line.split("\t") + ["", ""])[:3]
        labels[url] = label
        whats[url] = what
    try:
        data = json.load(open(args[1], encoding="utf-8"))
    except Exception as exc:
        print(f"status JSON does not parse: {exc}")
        if asserts:
            print(f"FAIL\tstatus --format json parses\t{exc}")
            return 0
        return 2
    if not isinstance(data, list):
        print("status JSON is not an array")
        return 2
    by_url = {e.get("url"): e for e in data if isinstance(e, dict)}

    missing = [u for u in labels if u not in by_url]
    states = sorted({(by_url[u].get("state") or "?") for u in labels
                     if u in by_url} | set(STATES),
                    key=lambda s: (STATES.index(s) if s in STATES else 99, s))
    rows = [s for s in STATES if s in labels.values()] + \
        sorted(set(labels.values()) - set(STATES))

    matrix = {(l, s): 0 for l in rows for s in states + ["(missing)"]}
    for url, label in labels.items():
        st = (by_url[url].get("state") or "?") if url in by_url else "(missing)"
        matrix[(label, st)] = matrix.get((label, st), 0) + 1
    cols = states + (["(missing)"] if missing else [])

    w = max(9, *(len(c) for c in cols))
    print("label \\ state".ljust(14) + "".join(c.rjust(w) for c in cols)
          + "total".rjust(w))
    for l in rows:
        n = sum(matrix.get((l, c), 0) for c in cols)
        print(l.ljust(14) + "".join(str(matrix.get((l, c), 0) or ".").rjust(w)
                                    for c in cols) + str(n).rjust(w))
    print("total".ljust(14) + "".join(
        str(sum(matrix.get((l, c), 0) for l in rows)).rjust(w) for c in cols)
        + str(len(labels)).rjust(w))
    print()

    bad = False
    results = []
    print("state".ljust(10) + "labelled".rjust(10) + "given".rjust(8)
          + "right".rjust(8) + "precision".rjust(11) + "recall".rjust(9))
    for s in rows:
        labelled = sum(1 for u in labels if labels[u] == s)
        given = sum(matrix.get((l, s), 0) for l in rows)
        right = matrix.get((s, s), 0)
        prec = right / given if given else (1.0 if labelled == 0 else 0.0)
        rec = right / labelled if labelled else 1.0
        print(s.ljust(10) + str(labelled).rjust(10) + str(given).rjust(8)
              + str(right).rjust(8) + f"{prec:11.3f}{rec:9.3f}")
        results.append((s, prec, rec, labelled, given, right))
        if prec < minimum or rec < minimum:
            bad = True
    print()

    wrong = [u for u in labels
             if (by_url.get(u) or {}).get("state") != labels[u]]
    if wrong:
        print(f"misjudged ({len(wrong)}):")
    for u in wrong:
        e = by_url.get(u)
        if e is None:
            print(f"  {labels[u]:8} -> (missing)  {u}")
            continue
        lc = e.get("last_check") or {}
        print(f"  {labels[u]:8} -> {e.get('state')!s:8} {u}\n"
              f"      what: {whats[u]}\n"
              f"      reason: {e.get('reason')!r}  moved_to: {e.get('moved_to')!r}\n"
              f"      last_check: class={lc.get('class')!r} "
              f"http_status={lc.get('http_status')!r} "
              f"observed={lc.get('observed')!r} why={lc.get('why')!r} "
              f"final_url={lc.get('final_url')!r}")

    if not asserts:
        return 1 if bad or missing else 0

    print(("ok" if not missing else "FAIL")
          + "\tevery labelled URL is in status --format json"
          + ("" if not missing else f"\t{len(missing)} missing, e.g. {missing[:3]}"))
    for s, prec, rec, labelled, given, right in results:
        for name, v in (("precision", prec), ("recall", rec)):
            desc = f"{name} of state {s} >= {minimum} ({right}/{given if name == 'precision' else labelled})"
            print(("ok" if v >= minimum else "FAIL") + "\t" + desc
                  + ("" if v >= minimum else f"\tgot {v:.3f}"))
    # the contract's fields
    keys = ["id", "url", "state", "state_since", "confirmed_at", "reason",
            "moved_to", "last_change", "last_check"]
    miss = sorted({k for e in data for k in keys if k not in e})
    print(("ok" if not miss else "FAIL")
          + "\tstatus objects have " + ", ".join(keys)
          + ("" if not miss else f"\tmissing: {miss}"))
    rfc = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]00:00)$")
    badt = [f"{e.get('url')}: {e.get('state_since')!r}/{e.get('confirmed_at')!r}"
            for e in data
            if not rfc.match(str(e.get("state_since")))
            or (e.get("confirmed_at") is not None
                and not rfc.match(str(e.get("confirmed_at"))))]
    print(("ok" if not badt else "FAIL")
          + "\tstate_since and confirmed_at are RFC 3339 UTC"
          + ("" if not badt else "\t" + "; ".join(badt[:3])))
    noreason = [e.get("url") for e in data
                if e.get("state") not in ("alive", "new")
                and not (isinstance(e.get("reason"), str) and e["reason"].strip())]
    print(("ok" if not noreason else "FAIL")
          + "\tevery source not alive has a reason"
          + ("" if not noreason else f"\t{noreason[:3]}"))
    # moved_to of the moved sources judged moved
    mism = []
    checked = 0
    for u, label in labels.items():
        e = by_url.get(u)
        if label != "moved" or not e or e.get("state") != "moved":
            continue
        what = whats[u]
        if "-> " not in what:
            continue
        want = what.rsplit("-> ", 1)[1].strip()
        checked += 1
        if e.get("moved_to") != want:
            mism.append(f"{u}: moved_to {e.get('moved_to')!r}, want {want!r}")
    print(("ok" if not mism else "FAIL")
          + f"\tmoved_to is the final URL for {checked} moved sources"
          + ("" if not mism else "\t" + "; ".join(mism[:5])))
    # every source with a verdict state has confirmed_at; others do not
    conf_bad = []
    for u in labels:
        e = by_url.get(u)
        if not e:
            continue
        verdict = e.get("state") in ("dead", "soft404", "parked")
        if verdict != (e.get("confirmed_at") is not None):
            conf_bad.append(f"{u}: state {e.get('state')} confirmed_at "
                            f"{e.get('confirmed_at')!r}")
    print(("ok" if not conf_bad else "FAIL")
          + "\tconfirmed_at set exactly for dead/soft404/parked sources"
          + ("" if not conf_bad else "\t" + "; ".join(conf_bad[:5])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
