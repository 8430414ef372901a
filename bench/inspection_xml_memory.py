"""Peak memory and time of the SIKB0101 and BRO SAD readers on large files built from the demo investigation.

Builds ``copies`` copies of the features of SAD000000011742_sikb.xml (the
featureMembers) and of SAD000000011742.xml (the measurement points and mixed
samples) into one file each, with gml:ids made unique per copy so references
stay valid. Each file is read in a fresh Python process, which reports the
peak resident set size (``ru_maxrss``) and the wall time. The same file parsed
into a full lxml tree is measured for comparison.

Usage: .venv/bin/python bench/inspection_xml_memory.py [copies ...]   (default: 1 25 100)
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo" / "inspection"
# (source file, first copied element, closing tag after the copied part, gml:id pattern, analysis tag)
FORMATS = {
    "sikb0101": (
        DEMO / "SAD000000011742_sikb.xml",
        "<imsikb0101:featureMember",
        "</imsikb0101:FeatureCollectionIMSIKB0101>",
        re.compile(r'(gml:id="|xlink:href="#)(_[0-9a-f-]{36})'),
        "{http://www.sikb.nl/immetingen}Analysis",
    ),
    "bro-sad": (
        DEMO / "SAD000000011742.xml",
        "<measurementPoint>",
        "</SAD_O>",
        re.compile(r'(gml:id="|xlink:href="#)(BRO_\d+)'),
        "{http://www.broservices.nl/xsd/sadcommon-internal/1.1}Analysis",
    ),
}

READ_STREAMING = """
import resource, sys, time
start = time.perf_counter()
from grondwerk.inspection import read_inspection
data = read_inspection(sys.argv[1])
elapsed = time.perf_counter() - start
print(data.summary["analyses"], round(elapsed, 2), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""

READ_TREE = """
import resource, sys, time
start = time.perf_counter()
from lxml import etree
tree = etree.parse(sys.argv[1], etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
count = sum(1 for _ in tree.iter(sys.argv[2]))
elapsed = time.perf_counter() - start
print(count, round(elapsed, 2), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def build(kind: str, copies: int, target: Path) -> int:
    source, first_tag, last_tag, id_pattern, _ = FORMATS[kind]
    text = source.read_text(encoding="utf-8")
    first = text.index(first_tag)
    last = text.rindex(last_tag)
    head, body, tail = text[:first], text[first:last], text[last:]
    with open(target, "w", encoding="utf-8") as handle:
        handle.write(head)
        for copy in range(copies):
            suffix = f"-{copy}"
            handle.write(id_pattern.sub(lambda match, suffix=suffix: f"{match.group(1)}{match.group(2)}{suffix}", body))
        handle.write(tail)
    return target.stat().st_size


def measure(script: str, *arguments: str) -> tuple[str, str, str]:
    output = subprocess.run([sys.executable, "-c", script, *arguments], check=True, capture_output=True, text=True).stdout
    return tuple(output.split())


def main(argv: list[str]) -> None:
    copies_list = [int(a) for a in argv] or [1, 25, 100]
    print("format | copies | file MB | analyses | streaming s | streaming peak RSS MB | full tree s | full tree peak RSS MB")
    with tempfile.TemporaryDirectory() as folder:
        for kind, spec in FORMATS.items():
            for copies in copies_list:
                path = Path(folder) / f"{kind}_x{copies}.xml"
                size = build(kind, copies, path)
                count, seconds, rss = measure(READ_STREAMING, str(path))
                tree_count, tree_seconds, tree_rss = measure(READ_TREE, str(path), spec[4])
                print(f"{kind} | {copies} | {size / 1e6:.1f} | {count} | {seconds} | {rss} | {tree_seconds} | {tree_rss}")
                if tree_count != count:
                    raise SystemExit(f"{kind} x{copies}: streaming read {count} analyses, the full tree has {tree_count}")


if __name__ == "__main__":
    main(sys.argv[1:])
