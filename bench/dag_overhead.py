"""Benchmark: wall time of ``tender_halte`` on the demo tender against its do-nothing twin, and DagBag parse time.

Both DAGs run under ``airflow dags test`` with the same api-server and the same
automatic review answers, so the ratio shows what Grondwerk's stages add on top
of Airflow's own per-task cost. Goals: ratio ≤ 2; parse of all DAGs ≤ 0.3 s.

Usage: ``. ./env.sh && .venv/bin/python bench/dag_overhead.py [--repeat N]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parse_time(dags_folder: Path, repeat: int) -> list[float]:
    probe = (
        "import sys,time\nfrom airflow.dag_processing.dagbag import DagBag\n"
        "t=time.perf_counter(); b=DagBag(dag_folder=sys.argv[1]); print(time.perf_counter()-t, len(b.dags), len(b.import_errors))"
    )
    times = []
    for _ in range(repeat):
        stdout = subprocess.run([sys.executable, "-c", probe, str(dags_folder)], capture_output=True, text=True, check=True).stdout
        out = stdout.strip().splitlines()[-1].split()
        if out[2] != "0":
            raise SystemExit(f"DAG import errors in {dags_folder}")
        times.append(float(out[0]))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per DAG (default 3)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="grondwerk-bench-"))
    dags = work / "dags"
    dags.mkdir()
    shutil.copy(ROOT / "dags" / "tender_halte.py", dags)
    shutil.copy(ROOT / "bench" / "dags" / "tender_halte_noop.py", dags)
    os.environ.update({
        "AIRFLOW_HOME": str(work / "airflow_home"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "GRONDWERK_DOSSIER_ROOT": str(work / "dossiers"),
        "GRONDWERK_VAR_DIR": str(work / "var"),
        "AIRFLOW__API__PORT": os.environ.get("GRONDWERK_BENCH_PORT", "8794"),
    })
    os.environ.pop("AIRFLOW__API__BASE_URL", None)
    os.environ.pop("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", None)
    os.environ.pop("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", None)

    from grondwerk.orchestration import runner
    from grondwerk.orchestration.standins import running_standins
    from grondwerk.tender import load_tender_file

    tender_file = ROOT / "examples" / "demo" / "tender.yaml"
    import yaml

    conf = runner.tender_conf(load_tender_file(tender_file), yaml.safe_load(tender_file.read_text()))
    timings: dict[str, list[float]] = {"tender_halte": [], "tender_halte_noop": []}
    with running_standins() as extra:
        env = runner.airflow_env(extra)
        passwords = runner.ensure_passwords(env)
        runner.migrate(env)
        api = runner.ApiServer(env, work / "api-server.log").start()
        try:
            for _ in range(args.repeat):
                for dag_id in timings:
                    reviewer = runner.AutoReviewer(env["AIRFLOW__API__BASE_URL"], "demo-bodemteam", passwords["demo-bodemteam"], conf["tender_reference"], dag_id=dag_id, poll_s=0.2)
                    reviewer.start()
                    started = time.perf_counter()
                    status = runner.run_dag_test(conf, env, work / f"{dag_id}.log", timeout_s=900, dag_id=dag_id)
                    timings[dag_id].append(time.perf_counter() - started)
                    reviewer.stop()
                    if status != 0:
                        raise SystemExit(f"{dag_id} failed; see {work / (dag_id + '.log')}")
        finally:
            api.stop()

    real, noop = statistics.median(timings["tender_halte"]), statistics.median(timings["tender_halte_noop"])
    parse = parse_time(ROOT / "dags", args.repeat)
    result = {
        "tender_halte_s": [round(t, 2) for t in timings["tender_halte"]],
        "noop_twin_s": [round(t, 2) for t in timings["tender_halte_noop"]],
        "ratio_median": round(real / noop, 2),
        "dagbag_parse_s": [round(t, 3) for t in parse],
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
