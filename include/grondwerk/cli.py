"""The ``grondwerk`` command.

Exit status: 0 on success, 2 on invalid input (one line naming file, record
and value; no traceback), 1 on an internal error. Help and messages are Dutch
unless ``GRONDWERK_LANG=en``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from grondwerk import settings
from grondwerk.errors import GrondwerkError, InputError
from grondwerk.i18n import text

# Subpackages that add subcommands; each module has ``register(subparsers)``.
COMMAND_MODULES = (
    "grondwerk.orchestration.cli_tender",
    "grondwerk.bro.cli",
    "grondwerk.inspection.cli",
    "grondwerk.quality.cli",
    "grondwerk.classification.cli",
    "grondwerk.clauses.cli",
    "grondwerk.matching.cli",
    "grondwerk.dso.cli",
)

log = logging.getLogger(__name__)

# Dutch for argparse's own texts (Python 3.11); argparse looks them up through gettext.
ARGPARSE_NL = {
    "usage: ": "gebruik: ",
    "positional arguments": "argumenten",
    "options": "opties",
    "show this help message and exit": "toon deze hulp en stop",
    "the following arguments are required: %s": "deze argumenten ontbreken: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "ongeldige keuze: %(value)r (kies uit %(choices)s)",
    "unrecognized arguments: %s": "onbekende argumenten: %s",
    "expected one argument": "verwacht één waarde",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s: %(message)s",
    "invalid %(type)s value: %(value)r": "ongeldige waarde voor %(type)s: %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "dubbelzinnige optie: %(option)s past bij %(matches)s",
    "not allowed with argument %s": "niet toegestaan samen met argument %s",
}


def _translate_argparse() -> None:
    """Make argparse's own texts Dutch unless GRONDWERK_LANG=en."""
    if settings.language() == "en":
        return
    argparse._ = lambda message: ARGPARSE_NL.get(message, message)


class DutchArgumentParser(argparse.ArgumentParser):
    """Argument parser whose usage errors exit with status 2 and a one-line message in the user's language."""

    def error(self, message: str) -> None:  # noqa: D401 - argparse API
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: {text('fout', 'error')}: {message}\n")
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    _translate_argparse()
    parser = DutchArgumentParser(
        prog="grondwerk",
        description=text(
            "Grondwerk: de grondhalte voor openbare aanbestedingen (BRO, keuringen, classificatie, bestekteksten, matching, meldingen).",
            "Grondwerk: the soil halte for public tenders (BRO, inspections, classification, tender clauses, matching, meldingen).",
        ),
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=text("toon logregels", "show log lines"))
    subparsers = parser.add_subparsers(dest="command", metavar=text("opdracht", "command"), parser_class=DutchArgumentParser)
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # subpackage without commands yet
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"{text('ongeldige invoer', 'invalid input')}: {exc}", file=sys.stderr)
        return 2
    except GrondwerkError as exc:
        print(f"{text('gestopt', 'stopped')}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - last-resort handler of the command line
        if os.environ.get("GRONDWERK_DEBUG"):
            raise
        print(f"{text('interne fout', 'internal error')}: {type(exc).__name__}: {exc} ({text('zet GRONDWERK_DEBUG=1 voor details', 'set GRONDWERK_DEBUG=1 for details')})", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
