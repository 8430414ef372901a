"""Write rendered clauses to DOCX and to plain text lines.

The clause templates produce a small HTML subset (``p``, ``ol``/``ul``/``li``,
``table``, ``strong``/``em``, ``br``). This module maps that subset onto
python-docx: one Heading 2 per article, numbered leden and Word tables for
the tables. Each lid is a paragraph that carries its own number, so Word
cannot restart or merge the list numbering when a bestek writer pastes it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Iterator

from grondwerk.errors import InputError
from grondwerk.i18n import msg

BLOCK_TAGS = {"p", "ol", "ul", "table"}
INLINE_TAGS = {"strong", "b", "em", "i", "br", "span"}

# A zip entry stores its time in MS-DOS format, which starts at 1980-01-01.
ZIP_EARLIEST = dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)
# Unix permissions rw-r--r-- in the high 16 bits of a zip entry's external attributes.
ZIP_FILE_MODE = 0o644 << 16
ZIP_CREATE_SYSTEM_UNIX = 3


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "")


def _fragment_elements(html: str, clause_id: str):
    from lxml import html as lxml_html

    container = lxml_html.fragment_fromstring(html, create_parent="div")
    if _clean(container.text).strip():
        raise InputError(
            msg("clausule '{clause}' bevat tekst buiten een alinea; zet die in <p>", "clause '{clause}' contains text outside a paragraph; wrap it in <p>", clause=clause_id),
            record=clause_id, value=container.text.strip()[:80],
        )
    for element in container:
        if not isinstance(element.tag, str):
            continue  # comments
        if element.tag not in BLOCK_TAGS:
            raise InputError(
                msg("clausule '{clause}' gebruikt <{value}>; toegestaan zijn p, ol, ul en table", "clause '{clause}' uses <{value}>; allowed are p, ol, ul and table", clause=clause_id, value=element.tag),
                record=clause_id, value=element.tag,
            )
        yield element


def _inline_runs(element, bold: bool = False, italic: bool = False) -> Iterator[tuple[str, bool, bool]]:
    """Yield (text, bold, italic) runs of an element, skipping nested block content."""
    if element.text:
        yield _clean(element.text), bold, italic
    for child in element:
        if isinstance(child.tag, str) and child.tag in INLINE_TAGS:
            if child.tag == "br":
                yield "\n", bold, italic
            else:
                yield from _inline_runs(child, bold or child.tag in ("strong", "b"), italic or child.tag in ("em", "i"))
        if child.tail:
            yield _clean(child.tail), bold, italic


def _add_runs(paragraph, runs: list[tuple[str, bool, bool]]) -> None:
    runs = [(text, bold, italic) for text, bold, italic in runs if text]
    while runs and not runs[0][0].strip():
        runs.pop(0)
    while runs and not runs[-1][0].strip():
        runs.pop()
    if runs:
        runs[0] = (runs[0][0].lstrip(), runs[0][1], runs[0][2])
        runs[-1] = (runs[-1][0].rstrip(), runs[-1][1], runs[-1][2])
    for text, bold, italic in runs:
        run = paragraph.add_run(text)
        run.bold = bold or None
        run.italic = italic or None


def _add_table(document, table_element) -> None:
    rows = table_element.xpath(".//tr")
    if not rows:
        return
    width = max(len(row.xpath("./th|./td")) for row in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for row_index, row in enumerate(rows):
        for col_index, cell in enumerate(row.xpath("./th|./td")):
            paragraph = table.cell(row_index, col_index).paragraphs[0]
            _add_runs(paragraph, [(text, bold or cell.tag == "th", italic) for text, bold, italic in _inline_runs(cell)])


def _add_list(document, list_element) -> None:
    from docx.shared import Cm

    number = int(list_element.get("start", "1"))
    for item in list_element.xpath("./li"):
        label = f"{number}." if list_element.tag == "ol" else "•"
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.left_indent = Cm(0.9)
        paragraph.paragraph_format.first_line_indent = Cm(-0.9)
        paragraph.add_run(f"{label}\t")
        _add_runs(paragraph, list(_inline_runs(item)))
        for nested in item:
            if isinstance(nested.tag, str) and nested.tag == "table":
                _add_table(document, nested)
            elif isinstance(nested.tag, str) and nested.tag in ("ol", "ul"):
                _add_list(document, nested)
        number += 1


def add_clause_blocks(document, html: str, clause_id: str) -> None:
    """Append the blocks of one clause's HTML fragment to a python-docx document."""
    for element in _fragment_elements(html, clause_id):
        if element.tag == "p":
            _add_runs(document.add_paragraph(), list(_inline_runs(element)))
        elif element.tag in ("ol", "ul"):
            _add_list(document, element)
        else:
            _add_table(document, element)


def _as_utc(moment: dt.datetime) -> dt.datetime:
    """Return ``moment`` in UTC. A naive datetime counts as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


def _entry_order(name: str) -> tuple[int, str]:
    # [Content_Types].xml goes first, as python-docx writes it. The other parts follow by name.
    return (0 if name == "[Content_Types].xml" else 1, name)


def save_reproducible(document, path: Path, timestamp: dt.datetime) -> None:
    """Save a python-docx document so that the same content always gives the same bytes.

    python-docx stamps every zip entry with the current local time. This rewrites the
    package with ``timestamp`` (UTC, at least 1980-01-01) on every entry, a fixed entry
    order, fixed permissions and deflate compression. The bytes then depend only on the
    content, on ``timestamp`` and on the zlib version that compresses them.
    """
    buffer = io.BytesIO()
    document.save(buffer)
    entry_time = max(_as_utc(timestamp), ZIP_EARLIEST).timetuple()[:6]
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for name in sorted(source.namelist(), key=_entry_order):
            entry = zipfile.ZipInfo(name, date_time=entry_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = ZIP_CREATE_SYSTEM_UNIX
            entry.external_attr = ZIP_FILE_MODE
            target.writestr(entry, source.read(name))


def write_docx(path: Path, title: str, subtitle: str, articles: list[tuple[int, str, str, str]], created: dt.datetime) -> Path:
    """Write ``articles`` (number, title, clause id, HTML fragment) to a DOCX file at ``path``.

    ``created`` becomes the document's creation and modification time and the time of
    every zip entry, so the same input writes byte-identical files. A naive ``created``
    counts as UTC.
    """
    from docx import Document

    created = _as_utc(created)
    document = Document()
    properties = document.core_properties
    properties.title = title
    properties.subject = subtitle
    properties.author = "Grondwerk"
    properties.last_modified_by = "Grondwerk"
    properties.created = created
    properties.modified = created
    properties.revision = 1
    document.add_heading(title, level=1)
    document.add_paragraph(subtitle)
    for number, article_title, clause_id, html in articles:
        document.add_heading(f"Artikel {number}. {article_title}", level=2)
        add_clause_blocks(document, html, clause_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_reproducible(document, path, created)
    return path


def docx_text(path: Path) -> list[str]:
    """Return the text of a DOCX file as lines: paragraphs, and table rows with cells joined by " | "."""
    from docx import Document

    document = Document(str(path))
    lines = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            parts = []
            for node in child.iter():
                if node.tag.endswith("}t"):
                    parts.append(node.text or "")
                elif node.tag.endswith("}tab"):
                    parts.append("\t")
            lines.append("".join(parts))
        elif tag == "tbl":
            for row in child.iter():
                if row.tag.endswith("}tr"):
                    cells = [
                        "".join(t.text or "" for t in cell.iter() if t.tag.endswith("}t"))
                        for cell in row.iterchildren()
                        if cell.tag.endswith("}tc")
                    ]
                    lines.append(" | ".join(cells))
    return lines


def html_text_lines(html: str) -> list[str]:
    """Return the visible text of a rendered clause document as lines, for diffs between review rounds."""
    from lxml import html as lxml_html

    root = lxml_html.document_fromstring(html)
    lines = []
    for element in root.iter("h1", "h2", "p", "li", "tr"):
        if element.tag == "tr":
            lines.append(" | ".join(_clean(cell.text_content()).strip() for cell in element.xpath("./th|./td")))
        elif element.tag == "li":
            own = _clean("".join(_text for _text, _, _ in _inline_runs(element))).strip()
            lines.append(own)
        else:
            lines.append(_clean(element.text_content()).strip())
    return [line for line in lines if line]
