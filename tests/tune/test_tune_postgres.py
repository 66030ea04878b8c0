"""Several machines share a study through PostgreSQL: a server started here on 127.0.0.1
(Debian's binaries, installed by .ci/run) and two `tune` processes that together run exactly
the requested trials."""
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.needs_extra("postgres")]
BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


@pytest.fixture
def postgres(tmp_path):
    if not BIN:
        pytest.skip("no PostgreSQL server binaries (apt-get install postgresql, as .ci/run does)")
    bindir = Path(BIN[-1]).parent
    as_user = []
    home = tmp_path
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: as its own user, in /tmp
        import pwd
        import tempfile
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user")
        as_user = ["runuser", "-u", "postgres", "--"]
        home = Path(tempfile.mkdtemp(prefix="kerascli-pg-"))
        os.chown(home, owner.pw_uid, owner.pw_gid)
    bindir = [*as_user, str(bindir)]
    data = home / "pg"
    tool = lambda name: [*bindir[:-1], f"{bindir[-1]}/{name}"]  # noqa: E731
    subprocess.run([*tool("initdb"), "-D", data, "-U", "tune", "--auth=trust"], check=True,
                   capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run([*tool("pg_ctl"), "-D", data, "-l", home / "pg.log", "-w", "-o",
                    f"-h 127.0.0.1 -p {port} -k {home}", "start"], check=True,
                   capture_output=True)
    try:
        subprocess.run([*tool("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "tune",
                        "optuna"], check=True, capture_output=True)
        yield f"postgresql://tune@127.0.0.1:{port}/optuna"
    finally:
        subprocess.run([*tool("pg_ctl"), "-D", data, "-m", "immediate", "stop"],
                       capture_output=True)
        if home != tmp_path:
            shutil.rmtree(home, ignore_errors=True)


def test_two_processes_share_a_postgres_study_and_run_exactly_the_trials(postgres, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    procs = [subprocess.Popen(
        [sys.executable, "-m", "kerascli", "tune", "mlp", "--dataset", "iris", "--param",
         "epochs=1", "--param", "hidden=8", "--no-prune", "--trials", "3", "--study", "pg",
         "--storage", postgres, "--out", str(tmp_path / f"machine{i}"), "--json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    outs = [p.communicate(timeout=500) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    # the study as both left it (a process's own output may show the other's last trial
    # still running)
    import optuna
    from kerascli import tuning
    study = optuna.load_study(study_name="pg", storage=tuning.open_storage(postgres, None))
    states = [t.state.name for t in study.trials if not t.user_attrs.get("surplus")]
    assert states.count("COMPLETE") == 3 and set(states) == {"COMPLETE"}
    assert {json.loads(o)["study"] for o, _ in outs} == {"pg"}
    dirs = [d for i in range(2) for d in (tmp_path / f"machine{i}" / "pg").glob("trial-*")]
    assert len(dirs) == 3
