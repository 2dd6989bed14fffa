#!/usr/bin/env python3
"""Follows message outcomes through deliveryd's change feed (docs/feed.md).

    python3 docs/examples/follow_outcomes.py DATABASE_URL [SMS_ID ...]

LISTENs on delivery_state_changed, then catches up on the messages given
(the ones this service still waits for) by reading their rows, and from then
on prints each state a message enters. A ZNS that failed is where a business
would send the message again as SMS; here it is only printed. Stops after
--seconds (default: never). Needs python3-psycopg2 (Debian).
"""
import argparse
import json
import select
import time

import psycopg2
import psycopg2.extensions


def handle(sms_id, state, is_final, source):
    print(f"{sms_id}: {state}{' (final)' if is_final else ''} from {source}", flush=True)
    if is_final and state in ("failed", "rejected", "expired"):
        print(f"{sms_id}: not delivered; send it again by another channel", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("sms_ids", nargs="*", help="messages still waited for")
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long")
    args = parser.parse_args()

    conn = psycopg2.connect(args.database_url)
    conn.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
    cur = conn.cursor()
    # LISTEN before reading: a change that commits after the read is heard,
    # one that committed before it is read; none falls between the two.
    cur.execute("LISTEN delivery_state_changed")
    if args.sms_ids:
        cur.execute(
            "SELECT sms_id, state, is_final, state_source FROM delivery_state_all "
            "WHERE sms_id = ANY(%s) ORDER BY sms_id",
            (args.sms_ids,),
        )
        for row in cur.fetchall():
            handle(*row)

    deadline = time.monotonic() + args.seconds if args.seconds else None
    while deadline is None or time.monotonic() < deadline:
        wait = 5.0 if deadline is None else max(0.0, min(5.0, deadline - time.monotonic()))
        if select.select([conn], [], [], wait) == ([], [], []):
            continue
        conn.poll()
        while conn.notifies:
            change = json.loads(conn.notifies.pop(0).payload)
            handle(change["sms_id"], change["state"], change["is_final"], change["source"])


if __name__ == "__main__":
    main()
