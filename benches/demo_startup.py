#!/usr/bin/env python3
"""How long `graphgate demo` takes to print "graphgate demo is ready".

Usage: benches/demo_startup.py [BINARY] [RUNS]
(default: target/release/graphgate, 5 runs). The first run seeds a fresh data
dir; the others reuse it. The lower bound is the same binary's `--version`
(process start and exit) measured in the same run; figures are reported as
milliseconds and as a ratio to that bound.
"""
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/graphgate"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
ports = ["--imap", "127.0.0.1:0", "--imaps", "127.0.0.1:0", "--smtp", "127.0.0.1:0",
         "--smtps", "127.0.0.1:0", "--emulator", "127.0.0.1:0", "--admin", "127.0.0.1:0",
         "--pop3", "127.0.0.1:0", "--pop3s", "127.0.0.1:0",
         "--dav", "127.0.0.1:0", "--davs", "127.0.0.1:0"]


def ready_ms(data_dir):
    t0 = time.monotonic()
    p = subprocess.Popen([binary, "demo", "--data-dir", data_dir, *ports],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in p.stdout:
        if line.strip() == "graphgate demo is ready":
            ms = (time.monotonic() - t0) * 1000
            break
    else:
        sys.exit("the demo exited before it was ready")
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=30)
    return ms


def bound_ms():
    t0 = time.monotonic()
    subprocess.run([binary, "--version"], stdout=subprocess.DEVNULL, check=True)
    return (time.monotonic() - t0) * 1000


with tempfile.TemporaryDirectory() as d:
    first = ready_ms(os.path.join(d, "data"))
    warm = [ready_ms(os.path.join(d, "data")) for _ in range(runs)]
bound = statistics.median(bound_ms() for _ in range(runs))
med = statistics.median(warm)
print(f"lower bound (process start, --version): {bound:.1f} ms")
print(f"first start (seeds the tenant, 10 MB message included): {first:.0f} ms = {first / bound:.1f}x bound")
print(f"warm start (median of {runs}): {med:.0f} ms = {med / bound:.1f}x bound")
