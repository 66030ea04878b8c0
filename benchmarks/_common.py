"""Helpers shared by the benchmark scripts: machine facts, timing, RESULTS.md sections."""
import datetime as dt
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
SHARED = HERE.parent.parent / "shared" / "datasets"


def data_dir():
    """The real datasets laid out by ../shared/datasets/prepare.py (run it if needed)."""
    target = Path(os.environ.get("KERASCLI_DATA_DIR", "/tmp/kerascli-data"))
    if not (target / "cifar10" / "cifar-10-batches-bin" / "test_batch.bin").exists():
        subprocess.run([sys.executable, str(SHARED / "prepare.py"), "--out", str(target)], check=True,
                       stdout=subprocess.DEVNULL)
    return target


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for name in ("keras", "tensorflow", "sklearn", "numpy"):
        try:
            module = __import__(name)
            versions.append(f"{name} {module.__version__}")
        except ImportError:
            pass
    return (f"{os.cpu_count()} CPU cores ({cpu}), Python {platform.python_version()}, "
            + ", ".join(versions) + f"; {dt.date.today().isoformat()}")


def mean_range(values, fmt="{:.1f}", single=""):
    """'mean (min-max)' of ``values`` in ``fmt``; one value alone, followed by ``single``."""
    if len(values) == 1:
        return fmt.format(values[0]) + single
    return (f"{fmt.format(sum(values) / len(values))} ({fmt.format(min(values))}-"
            f"{fmt.format(max(values))})")


def write_section(title, body):
    """Replace (or append) the section '## title' in RESULTS.md."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\nWritten by the scripts in this folder; each section says how it was measured.\n"
    section = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(section + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    tmp = RESULTS.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, RESULTS)
