"""Alert delivery under issue 11's two scenarios, for any checkout of the monitor (before/after).

outage  Real `monitor poll` processes, one every few seconds (a pause of --gap seconds after each
        ends), against a loopback feed with --stories border stories and a loopback Slack
        webhook that answers five 503s, then two 429s with Retry-After 1 s, then normally. Wall
        clock: seconds from the first poll's start until every story had reached Slack, polls
        run, requests that reached Slack, messages delivered (each story once?).
burst   The deliverer on a simulated clock (the code's injected `now`): 40 stories arrive in
        10 s, delivery runs after every poll with hits and every 5 s (the daemon's alert tick),
        default throttle, for 15 simulated minutes. Per story: simulated seconds from queued to
        in Slack (its own message or a roll-up); messages, roll-ups, the gaps between roll-ups.

--tree picks the checkout whose `monitor` package is measured (default: this one); the loopback
servers always come from this checkout.

Usage: python bench/delivery.py [outage|burst|both] [--tree /work/main] [--gap 5] [--stories 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
TITLES = [
    "Kataib Hezbollah convoy crosses into al-Bukamal at night",
    "Drone strike hits a truck near the al-Qaim border crossing",
    "Tribal elders meet the governor in Deir ez-Zor over the crossing",
    "Harakat al-Nujaba fighters reinforce positions south of al-Bukamal",
    "Smugglers arrested at the Qaim-Bukamal crossing with weapons",
    "Iraqi border guards close the al-Qaim crossing after clashes",
    "Airstrike reported on a warehouse in al-Hurri near al-Bukamal",
    "Fuel tankers queue for days at the al-Bukamal crossing",
]


def outage(tree: Path, gap: float, stories: int, limit: float) -> dict[str, object]:
    sys.path.insert(0, str(HERE))
    from tests.servers.feeds import FeedServer
    from tests.servers.slack import SlackServer
    from tests.test_alerts import rss, write_config

    now = datetime.now(timezone.utc)
    items = [
        (TITLES[i % len(TITLES)], f"https://e.example/{i}", now - timedelta(minutes=i))
        for i in range(stories)
    ]
    feeds = FeedServer()
    with SlackServer() as slack, tempfile.TemporaryDirectory() as tmp:
        feed_url = feeds.set_feed("/outage.xml", rss(items))
        config = write_config(
            Path(tmp), f"sqlite:///{tmp}/monitor.db", feed_url, f'webhook_url = "{slack.webhook_url}"'
        )
        slack.retry_after = 1
        slack.script(("unavailable", 5), ("rate_limited", 2))
        env = {**os.environ, "PYTHONPATH": str(tree)}
        start, polls, done_at = time.monotonic(), 0, None
        while time.monotonic() - start < limit:
            subprocess.run(
                [sys.executable, "-m", "monitor", "--config", str(config), "poll"],
                cwd=tree, env=env, capture_output=True, check=True, timeout=120,
            )  # fmt: skip
            polls += 1
            if len(slack.delivered) >= stories:
                done_at = time.monotonic() - start
                break
            time.sleep(gap)
        texts = slack.texts()
        feeds.close()
        return {
            "scenario": "outage (five 503s, two 429s with Retry-After 1 s)",
            "stories": stories,
            "all_delivered_after_s": round(done_at, 1) if done_at is not None else f"not within {limit:.0f}",
            "polls": polls,
            "requests_to_slack": len(slack.requests),
            "delivered": len(texts),
            "each_once": len(texts) == len(set(texts)),
        }


def burst() -> dict[str, object]:
    """Runs inside the measured tree (PYTHONPATH): its monitor and its tests' helpers."""
    from monitor import alerts
    from monitor.alerts import AlertPolicy
    from monitor.store import make_engine, make_sessions, outbox, upgrade
    from tests.servers.slack import SlackServer
    from tests.test_outbox import NOW, store_and_queue, stories, webhook

    policy = AlertPolicy()
    with tempfile.TemporaryDirectory() as tmp, SlackServer() as slack:
        engine = make_engine(f"sqlite:///{tmp}/monitor.db")
        upgrade(engine)
        sessions = make_sessions(engine)
        batch = stories(40)
        for second in range(0, 15 * 60):
            now = NOW + timedelta(seconds=second)
            if second < 10:
                store_and_queue(sessions, batch[4 * second : 4 * second + 4], policy=policy, now=now)
            if second < 10 or second % 5 == 0:
                alerts.deliver_due(sessions, webhook(slack), now, policy)
        with sessions() as session:
            rows = outbox.list_alerts(session)
    by_id = {a.id: a for a in rows}
    waits = []
    for alert in (a for a in rows if a.kind == "story"):
        sent = (
            alert.sent_at
            if alert.state == "sent"
            else by_id[alert.rolled_into].sent_at
            if alert.rolled_into
            else None
        )
        waits.append((sent - alert.created_at).total_seconds() if sent else None)
    summaries = sorted((a.sent_at for a in rows if a.kind == "summary" and a.sent_at), key=lambda t: t)
    done = [w for w in waits if w is not None]
    return {
        "scenario": "burst (40 stories in 10 s, default throttle)",
        "stories_delivered": f"{len(done)} of {len(waits)}",
        "wait_s_median": statistics.median(done) if done else None,
        "wait_s_max": max(done) if done else None,
        "messages": len(slack.delivered),
        "roll_ups": len(summaries),
        "roll_up_gaps_s": [(b - a).total_seconds() for a, b in zip(summaries, summaries[1:], strict=False)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "scenario", nargs="?", default="both", choices=["outage", "burst", "both", "burst-here"]
    )
    parser.add_argument("--tree", type=Path, default=HERE)
    parser.add_argument("--gap", type=float, default=5.0, help="seconds between one poll's end and the next")
    parser.add_argument("--stories", type=int, default=5)
    parser.add_argument("--limit", type=float, default=150.0, help="give up after this many seconds")
    args = parser.parse_args()
    tree = args.tree.resolve()
    if args.scenario == "burst-here":
        print(json.dumps(burst()))
        return
    results = []
    if args.scenario in ("outage", "both"):
        results.append(outage(tree, args.gap, args.stories, args.limit))
    if args.scenario in ("burst", "both"):
        env = {**os.environ, "PYTHONPATH": str(tree)}
        done = subprocess.run(
            [sys.executable, __file__, "burst-here"],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    for result in results:
        print(json.dumps({"tree": str(tree), **result}))


if __name__ == "__main__":
    main()
