"""MultiWorkerMirroredStrategy with two real worker processes on 127.0.0.1."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

WORKER = Path(__file__).with_name("_worker.py")


@pytest.mark.slow  # ~40 s: two worker processes
def test_two_workers_train_together_and_end_with_identical_weights(tmp_path, free_ports):
    ports = ",".join(str(p) for p in free_ports(2))
    procs = [subprocess.Popen([sys.executable, str(WORKER), str(i), ports, str(tmp_path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    for p in procs:
        try:
            _, err = p.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            pytest.fail("multi-worker training did not finish in 240 s")
        assert p.returncode == 0, err[-2000:]
    w0, w1 = np.load(tmp_path / "weights0.npy"), np.load(tmp_path / "weights1.npy")
    np.testing.assert_array_equal(w0, w1)
    h0 = json.loads((tmp_path / "history0.json").read_text())
    h1 = json.loads((tmp_path / "history1.json").read_text())
    assert h0["replicas"] == 2  # the two processes formed one cluster
    assert h0["chief"] is True and h1["chief"] is False
    assert len(h0["loss"]) == 3 and h0["loss"] == h1["loss"]
    assert h0["loss"][-1] < h0["loss"][0]  # it learned
    assert "val_accuracy" in h0
