"""``grondwerk tender run`` and ``grondwerk demo``: the halte for one tender from the command line."""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import requests

from grondwerk import settings
from grondwerk.dossier import STAGE_LABELS, STAGES, STATUS_LABELS, label
from grondwerk.errors import GrondwerkError, InputError
from grondwerk.i18n import msg, text
from grondwerk.tender import load_tender_file

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    tender = subparsers.add_parser("tender", help=text("een aanbesteding door de grondhalte sturen", "run a tender through the soil halte"))
    tender_sub = tender.add_subparsers(dest="tender_command", metavar=text("opdracht", "command"))
    run = tender_sub.add_parser("run", help=text("de grondhalte voor één aanbesteding uitvoeren (airflow dags test)", "run the halte for one tender (airflow dags test)"))
    run.add_argument("tender_file", metavar="TENDER.yaml", help=text("aanbesteding als YAML", "tender as YAML"))
    run.add_argument("--auto-review", action="store_true", help=text("beoordelingen automatisch goedkeuren als demo-bodemteam (voor demo en tests)", "approve reviews automatically as demo-bodemteam (demo and tests)"))
    run.add_argument("--standins", action="store_true", help=text("lokale vervangservers voor BRO en DSO gebruiken in plaats van de Airflow-connections grondwerk_bro en grondwerk_dso", "use local BRO and DSO stand-ins instead of the Airflow connections grondwerk_bro and grondwerk_dso"))
    run.add_argument("--timeout", type=float, default=1800.0, help=text("maximale looptijd in seconden (standaard 1800)", "maximum run time in seconds (default 1800)"))
    run.set_defaults(func=_run_command)

    demo = subparsers.add_parser("demo", help=text("de demo-aanbesteding (Schoonhoven) met lokale BRO- en DSO-vervangservers draaien", "run the demo tender (Schoonhoven) against local BRO and DSO stand-ins"))
    demo.add_argument("--timeout", type=float, default=1800.0, help=text("maximale looptijd in seconden (standaard 1800)", "maximum run time in seconds (default 1800)"))
    demo.set_defaults(func=_demo_command, tender_file=str(settings.project_root() / "examples" / "demo" / "tender.yaml"), auto_review=True)


def _raw_tender(path: Path) -> dict:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _api_up(base_url: str) -> bool:
    try:
        return requests.get(f"{base_url}/api/v2/monitor/health", timeout=2).ok
    except requests.RequestException:
        return False


class _StageProgress:
    """A progress bar over the ten stages, fed from the dossier manifest."""

    def __init__(self, reference: str, since: float):
        from tqdm import tqdm

        self.reference = reference
        self.since = since
        self.bar = tqdm(total=len(STAGES), desc=text("grondhalte", "soil halte"), unit=text("stap", "stage"))

    def update(self) -> None:
        folder = settings.dossier_root() / self.reference
        manifests = [p for p in folder.glob("*/manifest.json") if p.stat().st_mtime >= self.since]
        if not manifests:
            return
        stages = json.loads(max(manifests, key=lambda p: p.stat().st_mtime).read_text()).get("stages", {})
        done = sum(1 for stage in STAGES if stage in stages)
        if done > self.bar.n:
            self.bar.update(done - self.bar.n)
            last = max(stages, key=lambda s: stages[s]["order"])
            self.bar.set_postfix_str(last)

    def close(self) -> None:
        self.bar.close()


def run_tender(
    tender_file: Path,
    *,
    auto_review: bool,
    timeout_s: float,
    extra_env: dict[str, str] | None = None,
    review_answers: list[dict] | None = None,
) -> Path:
    """Run the halte for ``tender_file``; return the dossier folder. Raises on invalid input or a failed run.

    ``review_answers`` (with ``auto_review``) are the soil team's answers per review round, in order;
    the default approves round 1.
    """
    from grondwerk.orchestration import runner

    tender = load_tender_file(tender_file)
    conf = runner.tender_conf(tender, _raw_tender(tender_file))
    env = runner.airflow_env(extra_env)
    passwords = runner.ensure_passwords(env)
    logs = settings.var_dir() / "logs"
    runner.migrate(env)

    api = None
    if not _api_up(env["AIRFLOW__API__BASE_URL"]):
        api = runner.ApiServer(env, logs / "api-server.log").start()
    reviewer = None
    if auto_review:
        reviewer = runner.AutoReviewer(env["AIRFLOW__API__BASE_URL"], "demo-bodemteam", passwords["demo-bodemteam"], tender.reference)
        if review_answers:
            reviewer.review_answers = review_answers
        reviewer.start()
    else:
        print(text(
            f"Het bodemteam beoordeelt de bestekteksten op {env['AIRFLOW__API__BASE_URL']}/grondwerk/review (of Airflow > Required Actions).",
            f"The soil team reviews the clauses at {env['AIRFLOW__API__BASE_URL']}/grondwerk/review (or Airflow > Required Actions).",
        ))

    started = time.time()
    progress = _StageProgress(tender.reference, started)
    import threading

    done = threading.Event()

    def watch() -> None:
        while not done.wait(1.0):
            progress.update()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    dag_log = logs / f"tender_halte-{tender.reference}.log"
    try:
        status = runner.run_dag_test(conf, env, dag_log, timeout_s=timeout_s)
    finally:
        done.set()
        watcher.join()
        progress.update()
        progress.close()
        if reviewer:
            reviewer.stop()
        if api:
            api.stop()
    if reviewer and reviewer.errors:
        raise GrondwerkError(msg("automatische beoordeling mislukt: {error}", "automatic review failed: {error}", error=reviewer.errors[0]))
    dossier = runner.latest_dossier(tender.reference)
    if dossier is None or dossier.stat().st_mtime < started - 1:
        raise GrondwerkError(msg("de run liet geen dossier achter; zie {log}", "the run left no dossier; see {log}", log=dag_log))
    manifest = json.loads((dossier / "manifest.json").read_text(encoding="utf-8"))
    closing = manifest.get("stages", {}).get("dossier")
    if status != 0 or closing is None or closing["status"] != "ok":
        _print_summary(dossier, manifest)
        raise GrondwerkError(msg("de grondhalte is niet afgerond (status {status}); zie {log}", "the soil halte did not complete (status {status}); see {log}", status=status, log=dag_log))
    return dossier


def _print_summary(dossier: Path, manifest: dict) -> None:
    language = settings.language()
    print()
    print(text(f"Dossier: {dossier}", f"Dossier: {dossier}"))
    for stage in STAGES:
        entry = manifest.get("stages", {}).get(stage)
        name = label(STAGE_LABELS, stage, language)
        if entry is None:
            print(f"  {STAGES.index(stage) + 1:2d}. {name:<17} {text('niet uitgevoerd', 'not run')}")
            continue
        print(f"  {entry['order']:2d}. {name:<17} [{label(STATUS_LABELS, entry['status'], language)}] {entry['conclusion'][language]}")


def _check_connections(env: dict[str, str]) -> None:
    """Fail before the run when the DSO connection is missing, instead of deep inside stage 9."""
    from grondwerk.orchestration import runner
    from grondwerk.orchestration.connections import DSO_CONN_ID

    if f"AIRFLOW_CONN_{DSO_CONN_ID.upper()}" in env:
        return
    found = runner.subprocess.run(runner.airflow_command("connections", "get", DSO_CONN_ID), env=env, capture_output=True)
    if found.returncode != 0:
        raise InputError(msg(
            "Airflow-connection '{conn}' ontbreekt: maak hem aan (airflow connections add {conn} --conn-uri https://HOST --conn-password API-SLEUTEL) of gebruik --standins",
            "Airflow connection '{conn}' is missing: create it (airflow connections add {conn} --conn-uri https://HOST --conn-password API_KEY) or use --standins",
            conn=DSO_CONN_ID,
        ), record=DSO_CONN_ID)


def _run_command(args: argparse.Namespace) -> int:
    if getattr(args, "tender_command", None) != "run" and not hasattr(args, "tender_file"):
        raise InputError(msg("gebruik: grondwerk tender run TENDER.yaml", "usage: grondwerk tender run TENDER.yaml"))
    load_tender_file(Path(args.tender_file))  # invalid input fails here, before anything starts
    if args.standins:
        from grondwerk.orchestration.standins import running_standins

        with running_standins() as extra_env:
            dossier = run_tender(Path(args.tender_file), auto_review=args.auto_review, timeout_s=args.timeout, extra_env=extra_env)
        _print_summary(dossier, json.loads((dossier / "manifest.json").read_text(encoding="utf-8")))
        return 0
    from grondwerk.orchestration import runner

    _check_connections(runner.airflow_env())
    dossier = run_tender(Path(args.tender_file), auto_review=args.auto_review, timeout_s=args.timeout)
    _print_summary(dossier, json.loads((dossier / "manifest.json").read_text(encoding="utf-8")))
    return 0


def _demo_command(args: argparse.Namespace) -> int:
    from grondwerk.orchestration.standins import running_standins

    with running_standins() as extra_env:
        dossier = run_tender(Path(args.tender_file), auto_review=True, timeout_s=args.timeout, extra_env=extra_env)
    _print_summary(dossier, json.loads((dossier / "manifest.json").read_text(encoding="utf-8")))
    print(text(
        f"\nDe demo is afgerond. Open {dossier / '10_dossier' / 'samenvatting.md'} of start 'make airflow' en ga naar http://127.0.0.1:8080/grondwerk/dossiers.",
        f"\nThe demo finished. Open {dossier / '10_dossier' / 'summary.en.md'} or run 'make airflow' and visit http://127.0.0.1:8080/grondwerk/dossiers.",
    ))
    return 0
