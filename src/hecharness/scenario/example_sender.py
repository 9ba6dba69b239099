"""An example external sender: what a forwarder does, small enough to read, run as a scenario's `Command`.

    python -m hecharness.scenario.example_sender [--batch 500] [--attempts 5]

It reads the records file the harness wrote ($HEC_RECORDS_FILE), cuts it into batches, gzips each
and POSTs it to $HEC_RAW_URL with the token, channel and sourcetype from the environment, trusting
$HEC_CA_BUNDLE. A 5xx, 429 or a dropped connection is retried after a short, growing pause; any
other answer gives the batch up. Exit status 0 when every batch was taken, 1 otherwise.
Replace it with your own Vector, Fluent Bit or forwarder command to check that the same way.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import time

import httpx


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=500, help="records per request")
    parser.add_argument("--attempts", type=int, default=5, help="tries per batch, the first included")
    parser.add_argument("--pause", type=float, default=0.05, help="seconds before the first retry; doubles each time")
    options = parser.parse_args(argv)

    env = os.environ
    with open(env["HEC_RECORDS_FILE"], "rb") as file:
        lines = [line for line in file.read().splitlines(keepends=True) if line.strip()]
    verify = env.get("HEC_CA_BUNDLE") or True
    headers = {"Authorization": f"Splunk {env['HEC_TOKEN']}", "Content-Encoding": "gzip"}
    params = {"channel": env["HEC_CHANNEL"], "sourcetype": env.get("HEC_SOURCETYPE", "cloudflare:json")}
    given_up = 0
    with httpx.Client(verify=verify, headers=headers, params=params, timeout=10.0) as client:
        for start in range(0, len(lines), options.batch):
            body = gzip.compress(b"".join(lines[start : start + options.batch]))
            if not _send(client, env["HEC_RAW_URL"], body, options.attempts, options.pause):
                given_up += 1
    batches = -(-len(lines) // options.batch)
    print(f"sent {len(lines)} records in {batches} batches; {given_up} given up", file=sys.stderr)
    return 1 if given_up else 0


def _send(client: httpx.Client, url: str, body: bytes, attempts: int, pause: float) -> bool:
    for attempt in range(1, attempts + 1):
        try:
            answer = client.post(url, content=body)
        except httpx.TransportError as error:
            print(f"attempt {attempt}: {type(error).__name__}", file=sys.stderr)
        else:
            if answer.is_success:
                return True
            print(f"attempt {attempt}: {answer.status_code} {answer.text}", file=sys.stderr)
            if answer.status_code < 500 and answer.status_code != 429:
                return False  # the request itself is wrong: sending it again cannot help
        if attempt < attempts:
            time.sleep(pause * 2 ** (attempt - 1))
    return False


if __name__ == "__main__":
    sys.exit(main())
