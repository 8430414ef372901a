"""``grondwerk melding build TENDER_RUN``: show which meldingen a run would submit, without sending anything."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from grondwerk.errors import InputError
from grondwerk.i18n import msg, text
from grondwerk.outputs import reject_unwritable

STATUS_LABELS = {
    "to_send": ("te verzenden", "to send"),
    "exempt": ("vrijgesteld", "exempt"),
    "late": ("TE LAAT", "TOO LATE"),
    "blocked": ("geblokkeerd", "blocked"),
    "held": ("aangehouden", "held"),
    "not_required": ("niet nodig", "not required"),
    "external": ("andere herkomst", "other origin"),
}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "melding",
        help=text("meldingen toepassen van grond (DSO) bekijken", "inspect meldingen of applying soil (DSO)"),
    )
    commands = parser.add_subparsers(dest="melding_command", metavar=text("opdracht", "command"))
    build = commands.add_parser(
        "build",
        help=text("bouw de meldingen van een run zonder ze te verzenden", "build the meldingen of a run without sending them"),
        description=text(
            "Bouw uit 05_classification/partijen.json en 08_matching/proposal.json van een dossier de meldingen "
            "'toepassen van grond of baggerspecie', met uiterste meld-datum en vrijstellingen. Er wordt niets verzonden; "
            "het bevoegd gezag wordt pas bij indienen bepaald.",
            "Build the meldingen 'toepassen van grond of baggerspecie' from 05_classification/partijen.json and "
            "08_matching/proposal.json of a dossier, with deadline and exemptions. Nothing is sent; the bevoegd gezag "
            "is determined at submission.",
        ),
    )
    build.add_argument("tender_run", metavar="TENDER_RUN", help=text("de dossiermap van de run", "the dossier folder of the run"))
    build.add_argument("--out", metavar="DIR", help=text("schrijf meldingen.json in deze map", "write meldingen.json into this folder"))
    build.add_argument("--today", metavar="JJJJ-MM-DD", help=text("datum waartegen de termijn wordt getoetst (standaard: vandaag)", "date the deadline is checked against (default: today)"))
    build.set_defaults(func=handle_build)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)


def handle_build(args) -> int:
    from grondwerk.dossier import Dossier
    from grondwerk.dso.builder import build_meldingen
    from grondwerk.dso.stage import read_stage_inputs
    from grondwerk.tender import TenderSpec

    run = Path(args.tender_run)
    tender_file = run / "01_tender" / "tender.json"
    if not tender_file.is_file():
        raise InputError(msg("geen dossiermap van een run: 01_tender/tender.json ontbreekt", "not the dossier folder of a run: 01_tender/tender.json is missing"), file=str(run))
    today = _parse_today(args.today)
    tender = TenderSpec.from_json(json.loads(tender_file.read_text(encoding="utf-8")))
    partijen, proposal = read_stage_inputs(Dossier(run))
    meldingen = build_meldingen(tender, partijen, proposal, today)

    language = "en" if text("nl", "en") == "en" else "nl"
    print(text(f"Meldingen voor {tender.reference} (getoetst op {today.isoformat()}):", f"Meldingen for {tender.reference} (checked on {today.isoformat()}):"))
    for melding in meldingen:
        label = STATUS_LABELS[melding["status"]][language == "en"]
        reason = melding[f"reason_{language}"]
        print(f"  {melding['partij_id']:<12} -> {melding['destination_name']:<30} {melding['volume_m3']:>10.1f} m³  {label:<13} {text('uiterlijk', 'by')} {melding['deadline']}  {reason}")
    counts = {status: sum(1 for m in meldingen if m["status"] == status) for status in STATUS_LABELS}
    print(text(
        f"{len(meldingen)} meldingen: {counts['to_send']} te verzenden, {counts['exempt']} vrijgesteld, {counts['late']} te laat, {counts['blocked']} geblokkeerd.",
        f"{len(meldingen)} meldingen: {counts['to_send']} to send, {counts['exempt']} exempt, {counts['late']} too late, {counts['blocked']} blocked.",
    ))
    if counts["held"]:
        print(text(
            f"{counts['held']} aangehouden omdat de klasse indicatief is; die worden pas ingediend als de klasse vaststaat.",
            f"{counts['held']} held back because the class is indicative; they are submitted only once the class is final.",
        ))
    if args.out:
        out = Path(args.out)
        path = out / "meldingen.json"
        with reject_unwritable(out, "--out"):
            out.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(meldingen, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
        print(text(f"Geschreven: {path}", f"Written: {path}"))
    return 0


def _parse_today(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(msg("'{value}' is geen datum; gebruik JJJJ-MM-DD", "'{value}' is not a date; use YYYY-MM-DD", value=value), record="--today", value=value) from None
