#!/usr/bin/env python3
"""Check a Pinghu board's signed play report, and its proof-of-display log, from docs/reports.md.

    python3 verify_report.py plays-2026-12-07.signed.json --board-key BASE64 [--log-dir DATA_DIR]

Written from the specification alone (no Pinghu code): the standard library and the
`cryptography` package (Debian: python3-cryptography). Exit 0 when every check holds; 1, naming
each problem, when one does not; 2 when the files cannot be read.
"""

import argparse
import base64
import calendar
import datetime
import hashlib
import json
import os
import re
import sys
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS = "0" * 64
CONTENT_TYPE = "application/vnd.pinghu.plays+json"
# Section 4.2: the fields of a line, in order; the optional ones are absent when empty.
FIELDS = ["seq", "at", "screen", "kind", "content", "layer", "frame_sha256", "key_id",
          "signature", "note", "campaign", "planned_s", "prev", "hash"]
OPTIONAL = {"kind", "key_id", "signature", "note", "campaign", "planned_s"}
NS = 1_000_000_000
INSTANT = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$")


def instant(text):
    """An RFC 3339 instant as integer nanoseconds since 1970 (section 3)."""
    m = INSTANT.match(text or "")
    if not m:
        raise ValueError(f"not an RFC 3339 instant: {text!r}")
    y, mo, d, h, mi, s, frac, zone = m.groups()
    secs = calendar.timegm((int(y), int(mo), int(d), int(h), int(mi), int(s)))
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        secs -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return secs * NS + int((frac or "").ljust(9, "0"))


def local_midnight(day, zone):
    """Nanoseconds of `day` 00:00 in `zone`."""
    dt = datetime.datetime(day.year, day.month, day.day, tzinfo=zone)
    return calendar.timegm(dt.utctimetuple()) * NS


def canonical(entry):
    """The entry's line as section 4.2 writes it, with its hash emptied (section 4.3)."""
    parts = []
    for name in FIELDS:
        if name not in entry or (name in OPTIONAL and entry[name] is None):
            continue
        value = "" if name == "hash" else entry[name]
        parts.append(json.dumps(name) + ":" + json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return ("{" + ",".join(parts) + "}").encode("utf-8")


def segments(folder):
    """Section 4.1: the segment files in order, and where the chain starts (hash, seq)."""
    start, first = (GENESIS, 0), 1
    record = os.path.join(folder, "proof-of-display.archived.json")
    if os.path.exists(record):
        with open(record, encoding="utf-8") as f:
            a = json.load(f)
        start, first = (a["hash"], a["seq"]), max(1, a["next_segment"])
    paths, n = [], first
    while True:
        name = "proof-of-display.jsonl" if n == 1 else f"proof-of-display.{n}.jsonl"
        path = os.path.join(folder, name)
        if not os.path.exists(path):
            return paths, start
        paths.append(path)
        n += 1


def read_log(folder, problems):
    """Sections 4.3 and 4.4: the verified entries, in order; a break is named in `problems`."""
    paths, (prev, seq) = segments(folder)
    if not paths:
        problems.append(f"no proof-of-display log in {folder}")
    entries = []
    for path in paths:
        with open(path, "rb") as f:
            for number, raw in enumerate(f, 1):
                line = raw.rstrip(b"\n")
                if not line.strip():
                    continue
                why = None
                try:
                    e = json.loads(line)
                except ValueError as err:
                    why = f"not a log entry ({err})"
                else:
                    if not isinstance(e, dict) or e.get("seq") != seq + 1:
                        why = f"sequence {e.get('seq') if isinstance(e, dict) else '?'} after {seq}"
                    elif e.get("prev") != prev:
                        why = "does not chain to the entry before it"
                    elif hashlib.sha256(canonical(e)).hexdigest() != e.get("hash"):
                        why = "hash mismatch: the entry was altered"
                if why:
                    problems.append(f"{os.path.basename(path)}:{number}: {why}; entries after it in this segment are not trusted")
                    break
                entries.append(e)
                prev, seq = e["hash"], e["seq"]
    return entries


def rebuild(report, entries):
    """Section 5: plays, interrupted spots, gaps and the period's first and last entries."""
    zone = ZoneInfo(report["timezone"])
    cutoff = instant(report["cutoff"])
    day_from = datetime.date.fromisoformat(report["from"])
    day_to = datetime.date.fromisoformat(report["to"])
    start = local_midnight(day_from, zone)
    end = min(local_midnight(day_to + datetime.timedelta(days=1), zone), cutoff)
    timed = [(e, instant(e["at"])) for e in entries]
    timed = [(e, t) for e, t in timed if t <= cutoff]
    outage = ("start", "repaired")
    out = {"plays": [], "interrupted": [], "gaps": [], "first": None, "last": None}
    for i, (e, t) in enumerate(timed):
        if not start <= t < end:
            continue
        out["first"] = out["first"] or [e["seq"], e["hash"]]
        out["last"] = [e["seq"], e["hash"]]
        kind = e.get("kind")
        if kind == "start":
            out["gaps"].append(("outage", e["seq"], t))
            continue
        if kind in ("repaired", "dark"):
            out["gaps"].append((kind, e["seq"], t))
            continue
        if e.get("campaign") is None or e.get("planned_s") is None:
            continue
        nxt = timed[i + 1] if i + 1 < len(timed) else None
        proven = nxt is not None and nxt[0].get("kind") not in outage
        if proven and nxt[1] + NS >= t + e["planned_s"] * NS:
            out["plays"].append((e["campaign"], e["seq"], e["planned_s"]))
        else:
            out["interrupted"].append((e["campaign"], e["seq"], (nxt[1] - t) // NS if proven else 0))
    day = day_from
    while day <= day_to:
        midnight = local_midnight(day, zone)
        if midnight >= end:
            break
        following = local_midnight(day + datetime.timedelta(days=1), zone)
        if not any(midnight <= t < following for _, t in timed):
            before = [e for e, t in timed if t < midnight]
            dark = bool(before) and before[-1].get("kind") == "dark"
            seq = before[-1]["seq"] if before else 0
            out["gaps"].append(("dark" if dark else "unlogged", seq, midnight))
        day += datetime.timedelta(days=1)
    out["gaps"].sort(key=lambda g: g[2])
    return out


def check(envelope, board_key, log_dir):
    problems = []
    if envelope.get("content_type") != CONTENT_TYPE:
        problems.append(f"content_type is {envelope.get('content_type')!r}, not {CONTENT_TYPE}")
    payload = base64.b64decode(envelope["payload"], validate=True)
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(board_key, validate=True))
    try:
        key.verify(base64.b64decode(envelope["signature"], validate=True), payload)
    except InvalidSignature:
        problems.append(f"the signature does not verify with the board key ({envelope.get('key_id')}): "
                        "the report was changed after the board signed it, or another board signed it")
    report = json.loads(payload)
    # Section 6, step 2: the report's own sums.
    for c in report["campaigns"]:
        plays = [p for p in report["plays"] if p["campaign"] == c["campaign"]]
        cut = [p for p in report["interrupted"] if p["campaign"] == c["campaign"]]
        if len(plays) != c["plays"]:
            problems.append(f"campaign {c['campaign']}: the total says {c['plays']} plays but {len(plays)} are listed")
        if sum(p["seconds"] for p in plays) != c["seconds"]:
            problems.append(f"campaign {c['campaign']}: the total says {c['seconds']} s but the listed plays add up "
                            f"to {sum(p['seconds'] for p in plays)} s")
        if len(cut) != c["interrupted"]:
            problems.append(f"campaign {c['campaign']}: the total says {c['interrupted']} interrupted but {len(cut)} are listed")
    if log_dir is None:
        return report, problems
    # Step 3: against the log.
    entries = read_log(log_dir, problems)
    by_seq = {e["seq"]: e for e in entries}
    for what, listed in (("play", report["plays"]), ("interrupted spot", report["interrupted"])):
        for p in listed:
            e = by_seq.get(p["seq"])
            if e is None:
                problems.append(f"{what} of {p['campaign']} at {p['at']}: the trusted log has no entry {p['seq']}")
            elif e["hash"] != p["hash"] or e["at"] != p["at"]:
                problems.append(f"{what} of {p['campaign']}: the log's entry {p['seq']} is {e['at']} {e['hash']}, "
                                f"the report says {p['at']} {p['hash']}")
    head = report["chain"]["entries"]
    if head and by_seq.get(head, {}).get("hash") != report["chain"]["last_hash"]:
        problems.append(f"when the report was signed the log's entry {head} had hash {report['chain']['last_hash']}; "
                        "the log no longer has it (cut, deleted or rewritten since)")
    again = rebuild(report, entries)
    if again["first"] != report["first_entry"] or again["last"] != report["last_entry"]:
        problems.append(f"the period's entries run {again['first']} to {again['last']} in the log, "
                        f"{report['first_entry']} to {report['last_entry']} in the report")
    names = {c["campaign"] for c in report["campaigns"]} | {p[0] for p in again["plays"] + again["interrupted"]}
    for name in sorted(names):
        mine = next((c for c in report["campaigns"] if c["campaign"] == name), None)
        said = (mine["plays"], mine["seconds"], mine["interrupted"]) if mine else (0, 0, 0)
        plays = [p for p in again["plays"] if p[0] == name]
        shown = (len(plays), sum(p[2] for p in plays), len([p for p in again["interrupted"] if p[0] == name]))
        if said != shown:
            problems.append(f"campaign {name}: the report says {said[0]} plays, {said[1]} s, {said[2]} interrupted; "
                            f"the log shows {shown[0]} plays, {shown[1]} s, {shown[2]} interrupted")
    gaps = [(g["kind"], g["seq"], instant(g["at"])) for g in report["gaps"]]
    if gaps != again["gaps"]:
        problems.append(f"the report lists gaps {gaps}, the log shows {again['gaps']}")
    return report, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", help="the signed report (plays-YYYY-MM-DD.signed.json)")
    ap.add_argument("--board-key", required=True, help="the board's public key: base64 of its 32 bytes")
    ap.add_argument("--log-dir", help="the folder with proof-of-display.jsonl (and its later segments)")
    args = ap.parse_args()
    try:
        with open(args.report, "rb") as f:
            envelope = json.load(f)
        report, problems = check(envelope, args.board_key.strip(), args.log_dir)
    except (OSError, ValueError, KeyError, TypeError) as err:
        print(f"cannot check {args.report}: {err}", file=sys.stderr)
        return 2
    if problems:
        for p in problems:
            print(f"problem: {p}", file=sys.stderr)
        print(f"{args.report}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    plays = len(report["plays"])
    against = "every number matches the log" if args.log_dir else "no log given"
    print(f"{args.report}: signature good, sums consistent, {against}: screen {report['screen']}, "
          f"{report['from']} to {report['to']}, {plays} plays, {len(report['interrupted'])} interrupted, "
          f"{len(report['gaps'])} gaps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
