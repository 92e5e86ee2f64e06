#!/usr/bin/env python3
"""The intake peer: how fast a plain paho-mqtt subscriber with a persistent session takes a queued
backlog from mosquitto (QoS 1, acknowledging each message as it arrives). The intake bench queues
the same number of messages for this client and for the daemon, in the same session.

Usage: mqtt_intake.py --port PORT --topic TOPIC --client-id ID --count N [--prepare]
  --prepare: only make the persistent session (subscribe, disconnect), then exit.
Last line: messages=N seconds=S messages_per_s=R
"""
import argparse
import threading
import time

import paho.mqtt.client as mqtt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--prepare", action="store_true")
    a = ap.parse_args()
    done = threading.Event()
    got = [0]
    start = [0.0]

    def on_connect(c, userdata, flags, reason, props=None):
        c.subscribe(a.topic, qos=1)

    def on_subscribe(c, userdata, mid, reason, props=None):
        if a.prepare:
            done.set()

    def on_message(c, userdata, msg):
        if got[0] == 0:
            start[0] = time.perf_counter()
        got[0] += 1
        if got[0] >= a.count:
            done.set()

    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=a.client_id, clean_session=False)
    c.on_connect = on_connect
    c.on_subscribe = on_subscribe
    c.on_message = on_message
    t0 = time.perf_counter()
    c.connect("127.0.0.1", a.port)
    c.loop_start()
    if not done.wait(600):
        raise SystemExit(f"only {got[0]} of {a.count} messages in 600 s")
    c.disconnect()
    c.loop_stop()
    if a.prepare:
        return
    s = time.perf_counter() - t0
    print(f"messages={got[0]} seconds={s:.3f} messages_per_s={got[0] / s:.0f}")


if __name__ == "__main__":
    main()
