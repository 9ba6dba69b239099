"""Fluent Bit's `in_splunk` (C, a real HEC receiver) as a bench server: one pipeline thread, null output.

The binary is built from source by bench/fluentbit.sh, once, into the git-ignored bench/.fluentbit/;
`FLUENTBIT_BIN` names another. `locate()` builds it when missing and says why when it cannot, so a
benchmark skips Fluent Bit's rows with that reason instead of failing.

Fluent Bit keeps a `/raw` body as one record (it does not split lines), so its count of records is a
count of requests; it is read from its monitoring API. When its buffers fill it answers 503 with
HEC code 9 ("Server overloaded") until its pipeline catches up: those answers are not requests it
took.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

__all__ = ["FluentBit", "locate"]

HERE = Path(__file__).resolve().parent
BUILD_SCRIPT = HERE / "fluentbit.sh"
_METRICS_PERIOD = 1.2  # seconds: a little more than Fluent Bit takes to refresh its input metrics

_CONFIG = """\
[SERVICE]
    Flush        1
    Log_Level    error
    HTTP_Server  On
    HTTP_Listen  {host}
    HTTP_Port    {monitor_port}

[INPUT]
    Name         splunk
    Listen       {host}
    Port         {port}
    splunk_token {token}

[OUTPUT]
    Name         null
    Match        *
"""


def locate() -> tuple[str | None, str]:
    """(the binary, its version) or (None, why there is none): `FLUENTBIT_BIN`, else built by bench/fluentbit.sh."""
    given = os.environ.get("FLUENTBIT_BIN")
    if given:
        if not os.access(given, os.X_OK):
            return None, f"FLUENTBIT_BIN={given} is not an executable"
        binary = given
    else:
        try:
            run = subprocess.run(["sh", str(BUILD_SCRIPT)], capture_output=True, text=True, timeout=3 * 3600)
        except (OSError, subprocess.TimeoutExpired) as error:
            return None, f"bench/fluentbit.sh did not finish: {error}"
        if run.returncode != 0:
            return None, run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "bench/fluentbit.sh failed"
        binary = run.stdout.strip().splitlines()[-1]
    try:
        version = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, f"{binary} does not run: {error}"
    return binary, version.strip().splitlines()[0] if version.strip() else "Fluent Bit (version unknown)"


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class FluentBit:
    """One Fluent Bit process listening for HEC on `port`, counting what it took."""

    def __init__(self, binary: str, token: str, host: str = "127.0.0.1") -> None:
        self.host = host
        self._directory = tempfile.TemporaryDirectory(prefix="bench-fluentbit-")
        config = Path(self._directory.name) / "fluent-bit.conf"
        # Fluent Bit takes no port 0 that it would then report; a port just free is taken instead.
        self.port = _free_port(host)
        self._monitor = _free_port(host)
        config.write_text(_CONFIG.format(host=host, port=self.port, monitor_port=self._monitor, token=token))
        self._log = open(Path(self._directory.name) / "fluent-bit.log", "wb")
        self.proc = subprocess.Popen([binary, "-c", str(config)], stdout=self._log, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        self._offset = 0
        self._wait_ready(30)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"fluent-bit exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    pass
                self._records()  # its monitoring API answers a little after the input listens
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"fluent-bit did not listen within {timeout:.0f} s: {self.log_tail()}") from None
                time.sleep(0.1)

    def _records(self) -> int:
        url = f"http://{self.host}:{self._monitor}/api/v1/metrics"
        with urllib.request.urlopen(url, timeout=10) as answer:
            inputs = json.load(answer)["input"]
        return sum(values.get("records", 0) for name, values in inputs.items() if name.startswith("splunk"))

    def _settled(self, timeout: float = 15) -> int:
        """The count once it holds still: Fluent Bit refreshes these metrics about once a second."""
        deadline = time.monotonic() + timeout
        last = self._records()
        while True:
            time.sleep(_METRICS_PERIOD)
            now = self._records()
            if now == last or time.monotonic() > deadline:
                return now
            last = now

    def records(self) -> int:
        """Records (requests, see above) taken since the last `reset`."""
        return self._settled() - self._offset

    def reset(self) -> None:
        self._offset = self._settled()

    def log_tail(self, lines: int = 10) -> str:
        self._log.flush()
        text = (Path(self._directory.name) / "fluent-bit.log").read_text(errors="replace")
        return " | ".join(text.strip().splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()
        self._directory.cleanup()
