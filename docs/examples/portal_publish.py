#!/usr/bin/env python3
"""Publish a signed announcement to Pinghu boards, as a portal written in any language would.

This is docs/mqtt.md in another language than Pinghu's own, and a test runs it against the real
daemon (tests/tests/daemon.rs, `a_portal_in_python_follows_the_documented_contract`):

1. the payload file's exact bytes are signed with Ed25519 (no canonical JSON: bytes are bytes);
2. the envelope {"key_id", "payload", "signature"} carries both in standard base64;
3. it is published with QoS 1 on pinghu/v1/screens/{screen}/announcements (or a group's);
4. the receipts say what the board did: accepted, displayed, or rejected with the reason. A
   rejected receipt is matched by the SHA-256 of the envelope bytes, since a board that cannot
   verify the signature trusts no id inside.

    python3 portal_publish.py --broker mqtt://127.0.0.1:1883 --screen yiling-pinghu \\
        --key portal-key.json --payload notice.json --wait 10

The key file is what `pinghu portal keygen` writes ({"key_id", "secret", "public"}, the secret the
32-byte Ed25519 seed in base64). Needs python3-cryptography and python3-paho-mqtt (Debian), or
`pip install cryptography paho-mqtt` (paho 1.x and 2.x both work).

Exit status: 0 when the board accepted it (and, for an urgent notice, displayed it within --wait),
1 when it was rejected, 2 when no board answered in time.
"""

import argparse
import base64
import hashlib
import json
import sys
import threading
import time
import urllib.parse

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def envelope(payload: bytes, key: dict) -> bytes:
    """The signed envelope of docs/mqtt.md, as bytes (what is published, and hashed)."""
    seed = base64.b64decode(key["secret"])
    signature = Ed25519PrivateKey.from_private_bytes(seed).sign(payload)
    return json.dumps(
        {
            "key_id": key["key_id"],
            "payload": base64.b64encode(payload).decode(),
            "signature": base64.b64encode(signature).decode(),
        }
    ).encode()


def new_client(client_id: str) -> mqtt.Client:
    try:  # paho-mqtt 2.x
        return mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    except AttributeError:  # paho-mqtt 1.x
        return mqtt.Client(client_id=client_id)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--broker", required=True, help="mqtt://HOST:PORT")
    to = ap.add_mutually_exclusive_group(required=True)
    to.add_argument("--screen", help="one board's screen id")
    to.add_argument("--group", help="a group of boards")
    ap.add_argument("--key", required=True, help="the key file of `pinghu portal keygen`")
    ap.add_argument("--payload", required=True, help="the announcement (JSON), signed byte for byte")
    ap.add_argument("--wait", type=float, default=10, help="seconds to wait for receipts")
    ap.add_argument("--prefix", default="pinghu/v1")
    a = ap.parse_args()

    url = urllib.parse.urlparse(a.broker)
    if url.scheme != "mqtt":
        sys.exit(f"--broker {a.broker!r} must be mqtt://HOST:PORT (for mqtts:// add client.tls_set())")
    key = json.load(open(a.key, encoding="utf-8"))
    payload = open(a.payload, "rb").read()
    announcement = json.loads(payload)
    body = envelope(payload, key)
    sha = hashlib.sha256(body).hexdigest()
    target = f"screens/{a.screen}" if a.screen else f"groups/{a.group}"
    topic = f"{a.prefix}/{target}/announcements"
    receipts = f"{a.prefix}/screens/{a.screen or '+'}/receipts"

    seen = []
    lock = threading.Condition()
    subscribed = threading.Event()

    def on_connect(client, *_):
        client.subscribe(receipts, qos=1)

    def on_subscribe(*_):
        subscribed.set()

    def on_message(_client, _userdata, msg):
        try:
            r = json.loads(msg.payload)
        except ValueError:
            return
        ours = (r.get("id") == announcement.get("id") and r.get("revision") == announcement.get("revision")) or (
            r.get("envelope_sha256") == sha
        )
        if ours:
            screen = msg.topic.split("/")[-2]
            with lock:
                seen.append((screen, r))
                lock.notify_all()

    client = new_client(f"portal-example-{int(time.time() * 1000) % 100000000}")
    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.connect(url.hostname or "127.0.0.1", url.port or 1883)
    client.loop_start()
    try:
        # Receipts are not retained: listen before publishing.
        if not subscribed.wait(10):
            sys.exit(f"no answer from the broker at {a.broker}")
        client.publish(topic, body, qos=1).wait_for_publish(10)
        print(f"published {announcement.get('id')} r{announcement.get('revision')} on {topic} (envelope sha256 {sha})")
        deadline = time.monotonic() + a.wait
        printed = 0
        with lock:
            while True:
                for screen, r in seen[printed:]:
                    detail = r.get("reason") or r.get("frame_sha256") or ""
                    print(f"{screen}: {r['event']} {detail}".rstrip())
                printed = len(seen)
                events = {r["event"] for _, r in seen}
                if "rejected" in events:
                    return 1
                if a.screen and ("displayed" in events or ("accepted" in events and announcement.get("priority") == "normal")):
                    return 0
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                lock.wait(left)
        return 0 if any(r["event"] in ("accepted", "held") for _, r in seen) else 2
    finally:
        client.loop_stop()
        client.disconnect()


if __name__ == "__main__":
    sys.exit(main())
