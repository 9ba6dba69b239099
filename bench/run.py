"""Run the benchmarks and write bench/RESULTS.md.

Each `bench/bench_<name>.py` is a script that measures one capability against its baseline in the
same run and prints a Markdown section on stdout. This runner runs them one after another (never
in parallel: they would steal each other's cores), then writes every section under one header
naming the date and the machine.

    python bench/run.py              # all benchmarks
    python bench/run.py collector    # only bench_collector.py
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}, {platform.system()}"


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        wanted = {f"bench_{name}.py" for name in names}
        unknown = wanted - {script.name for script in scripts}
        if unknown:
            known = ", ".join(s.stem.removeprefix("bench_") for s in scripts)
            print(f"unknown benchmark {', '.join(sorted(unknown))}; known: {known}", file=sys.stderr)
            return 2
        scripts = [script for script in scripts if script.name in wanted]

    results_file = HERE / "RESULTS.md"
    sections = _existing_sections(results_file)
    failed = []
    for script in scripts:
        name = script.stem.removeprefix("bench_")
        print(f"== {name}", file=sys.stderr, flush=True)
        run = subprocess.run([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
        if run.returncode != 0:
            failed.append(name)
            continue
        stamp = datetime.date.today().isoformat()
        sections[name] = f"<!-- bench:{name} -->\n_Measured {stamp} on {machine()}._\n\n{run.stdout.strip()}\n"
        print(run.stdout)

    body = "\n".join(sections[key] for key in sorted(sections))
    results_file.write_text(
        "# Benchmark results\n\nWritten by `make bench` (bench/run.py). Each section is replaced when its "
        "benchmark runs again.\n\n" + body
    )
    if failed:
        print(f"benchmarks failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _existing_sections(results_file: Path) -> dict[str, str]:
    """Keep the sections of benchmarks not run this time."""
    if not results_file.exists():
        return {}
    sections: dict[str, str] = {}
    current = None
    for line in results_file.read_text().splitlines(keepends=True):
        if line.startswith("<!-- bench:"):
            current = line.removeprefix("<!-- bench:").split(" ", 1)[0].rstrip("->\n ")
            sections[current] = ""
        if current is not None:
            sections[current] += line
    return sections


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
