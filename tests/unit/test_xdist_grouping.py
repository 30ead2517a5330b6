"""`make test` runs `pytest -n 3 --dist loadgroup`, and the expensive module fixtures (a stack with hundreds of
messages, a browser, checkov) rely on xdist_group keeping a module's tests on one worker. With pytest 9.2 and
pytest-xdist 3.8 the group suffix silently stopped applying: every such fixture was built on both workers and
the suite took minutes longer. This runs a two-worker session and checks a group stays together."""
from __future__ import annotations

import subprocess
import sys
import textwrap


def test_an_xdist_group_runs_on_one_worker(tmp_path):
    out = tmp_path / "workers"
    out.mkdir()
    (tmp_path / "test_grouped.py").write_text(textwrap.dedent(f"""
        import os, pathlib, pytest
        pytestmark = pytest.mark.xdist_group("together")

        @pytest.mark.parametrize("i", range(6))
        def test_one(i):
            pathlib.Path({str(out)!r}, str(i)).write_text(os.environ["PYTEST_XDIST_WORKER"])
    """))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup", "-p",
                          "no:cacheprovider", "-p", "no:randomly", str(tmp_path / "test_grouped.py")],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    workers = {p.read_text() for p in out.iterdir()}
    assert len(list(out.iterdir())) == 6
    assert len(workers) == 1, workers
