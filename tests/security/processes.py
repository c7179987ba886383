"""Start a Python script on an instance folder and kill it with SIGKILL while it writes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def kill_while_writing(script: Path, instance_path: str, after: float) -> int:
    """Run `script` until it prints "running", wait `after` seconds, SIGKILL it; return code."""
    worker = subprocess.Popen(
        [sys.executable, str(script), instance_path],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout.readline().strip() == "running", worker.stderr.read()
        time.sleep(after)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        worker.stdout.close()
        worker.stderr.close()
    return worker.returncode
