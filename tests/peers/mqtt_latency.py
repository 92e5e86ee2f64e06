#!/usr/bin/env python3
"""Benchmark peer: one MQTT hop through mosquitto on loopback, with paho-mqtt.

Starts a private mosquitto on 127.0.0.1 and a free port, subscribes one client, publishes
JSON payloads of --size bytes from another at QoS 1, one at a time, and measures publish to
receive. This is the floor under Pinghu's portal-to-glass latency: what the broker alone costs.

The last line printed is `p50_ms=X p99_ms=Y`; the Rust bench parses it.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import paho.mqtt.client as mqtt


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_broker():
    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    folder = tempfile.mkdtemp(prefix="pinghu-peer-mosq-")
    conf = os.path.join(folder, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    proc = subprocess.Popen([exe, "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, port
        except OSError:
            time.sleep(0.025)
    proc.kill()
    raise SystemExit("mosquitto did not start")


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--size", type=int, default=1024)
    a = ap.parse_args()
    broker, port = start_broker()
    try:
        got = threading.Event()
        sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="peer-sub")
        sub.on_message = lambda *_: got.set()
        sub.connect("127.0.0.1", port)
        sub.subscribe("peer/hop", qos=1)
        sub.loop_start()
        pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="peer-pub")
        pub.connect("127.0.0.1", port)
        pub.loop_start()
        time.sleep(0.3)
        body = json.dumps({"body": "x" * max(0, a.size - 12)}).encode()
        lat = []
        for i in range(a.warmup + a.count):
            got.clear()
            t0 = time.perf_counter()
            pub.publish("peer/hop", body, qos=1)
            if not got.wait(2.0):
                raise SystemExit(f"message {i} not received within 2 s")
            if i >= a.warmup:
                lat.append((time.perf_counter() - t0) * 1000)
        sub.loop_stop()
        pub.loop_stop()
        print(f"paho-mqtt {mqtt.__version__ if hasattr(mqtt, '__version__') else ''} via mosquitto: "
              f"{len(lat)} messages of {len(body)} bytes, qos 1")
        print(f"p50_ms={pct(lat, 50):.3f} p99_ms={pct(lat, 99):.3f}")
    finally:
        broker.kill()


if __name__ == "__main__":
    main()
