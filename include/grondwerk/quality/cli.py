"""``grondwerk quality``: list the expectation suites or check a dossier again outside Airflow."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from grondwerk.errors import InputError
from grondwerk.i18n import msg, text


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "quality",
        help=text("datakwaliteitscontroles (Great Expectations)", "data-quality checks (Great Expectations)"),
    )
    commands = parser.add_subparsers(dest="quality_command", metavar=text("opdracht", "command"), parser_class=type(parser))

    suites = commands.add_parser("suites", help=text("toon de suites in checks/ met versie en controles", "list the suites in checks/ with version and checks"))
    suites.add_argument("--checks", metavar=text("MAP", "FOLDER"), help=text("map met suitebestanden; standaard checks/", "folder of suite files; default checks/"))
    suites.set_defaults(func=handle_suites)

    check = commands.add_parser(
        "check",
        help=text(
            "controleer een dossier opnieuw en schrijf 04_quality/ (resultaten, quarantaine, Data Docs)",
            "check a dossier again and write 04_quality/ (results, quarantine, Data Docs)",
        ),
    )
    check.add_argument("dossier", metavar="DOSSIER", help=text("map van de run: <dossiers>/<kenmerk>/<run>", "run folder: <dossiers>/<reference>/<run>"))
    check.add_argument("--checks", metavar=text("MAP", "FOLDER"), help=text("map met suitebestanden; standaard checks/", "folder of suite files; default checks/"))
    check.add_argument("--store-url", help=text("SQLAlchemy-URL van de opslag; standaard GRONDWERK_STORE_URL", "SQLAlchemy URL of the store; default GRONDWERK_STORE_URL"))
    check.set_defaults(func=handle_check)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def handle_suites(args: argparse.Namespace) -> int:
    from grondwerk.quality.suites import load_suites

    for name, suite in load_suites(Path(args.checks) if args.checks else None).items():
        critical = sum(1 for spec in suite.expectations if spec.severity == "critical")
        print(f"{name}\t{suite.version_label}\t{suite.dataset}\t{len(suite.expectations)} {text('controles', 'checks')} ({critical} {text('kritiek', 'critical')})")
        for spec in suite.expectations:
            description = text(spec.description_nl, spec.description_en)
            print(f"  {spec.id}\t{spec.severity}/{spec.scope}\t{description}")
    return 0


def handle_check(args: argparse.Namespace) -> int:
    from grondwerk.dossier import Dossier
    from grondwerk.quality.stage import run_quality_stage
    from grondwerk.tender import TenderSpec

    folder = Path(args.dossier)
    tender_file = folder / "01_tender" / "tender.json"
    if not tender_file.is_file():
        raise InputError(
            msg(
                "geen dossier: 01_tender/tender.json ontbreekt; geef de map van een run op",
                "not a dossier: 01_tender/tender.json is missing; give the folder of a run",
            ),
            file=str(folder),
            value=str(tender_file),
        )
    tender = TenderSpec.from_json(json.loads(tender_file.read_text(encoding="utf-8")))
    dossier = Dossier(folder)
    started = dt.datetime.now(dt.timezone.utc)
    result = run_quality_stage(tender, dossier, checks_directory=Path(args.checks) if args.checks else None, store_url=args.store_url)
    dossier.record_stage("quality", result, started=started, finished=dt.datetime.now(dt.timezone.utc))
    print(text(result.conclusion_nl, result.conclusion_en))
    print(f"status: {result.status}")
    return 0
