"""Untrusted text made safe for the medium it is printed to: one function per medium, and nothing else.

Every value that comes from input (a subject, a file name, an OSSPrefix, a live error code, a waiver's reason,
and rule texts, which may come from the repository's own ``--rules``) may hold line breaks, terminal escape
sequences, bidirectional overrides, Markdown or HTML. The reporters pass every such value through the function
of their medium; the rule templates show the control characters of the values they place in a message
(:func:`controls`), so a value can never add a line to any report.

- plain text (terminal, CI log): :func:`controls` shows control characters as visible escapes (``\\x1b``,
  ``\\n``); :func:`text_block` keeps a text's own line breaks but indents every line and defuses a line that
  a CI runner would take as a command (``::error …``, ``##[…]``);
- Markdown: :func:`markdown_text`, :func:`markdown_code`, :func:`markdown_rich` (a rule text with code spans
  and fenced blocks; a :class:`ValuedText` says where its values are, so a value's backtick stays text),
  :func:`markdown_cell`;
- XML (JUnit): :func:`xml_text` replaces what XML 1.0 cannot hold;
- GitHub workflow commands: :func:`github_data`, :func:`github_property`;
- HTML: :func:`html_text` (text and attribute values), :func:`rich_parts` (a rule text's code spans and fenced
  blocks, for a reporter that builds its own markup around them).

JSON and SARIF need nothing here: ``json.dumps`` escapes every control character.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import NamedTuple


@functools.cache
def _re(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled on its first use: each medium needs its own few, and a small check printing text
    compiles none of the Markdown, XML or HTML ones (the patterns below are their sources)."""
    return re.compile(pattern)


#: C0 and C1 controls, DEL, bidirectional marks/overrides/isolates, line and paragraph separators, the BOM
#: and lone surrogates (which cannot even be written as UTF-8)
_OTHER_CONTROLS = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff"
_CONTROL = f"[\x00-\x1f{_OTHER_CONTROLS}]"
_CONTROL_BUT_BREAKS = f"[\x00-\x09\x0b\x0c\x0e-\x1f{_OTHER_CONTROLS}]"
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(m: re.Match[str]) -> str:
    c = m.group()
    if c in _NAMED:
        return _NAMED[c]
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def controls(text: str) -> str:
    """``text`` with every control character shown as a visible escape: one line, no terminal sequence."""
    # (every character escaped here is non-printable for Python: most texts take the fast test alone)
    return text if text.isprintable() or not _re(_CONTROL).search(text) else _re(_CONTROL).sub(_visible, text)


def controls_but_breaks(text: str) -> str:
    """Like :func:`controls`, but line feeds and carriage returns stay (for a medium that encodes them)."""
    return _re(_CONTROL_BUT_BREAKS).sub(_visible, text) if _re(_CONTROL_BUT_BREAKS).search(text) else text


# ---------------------------------------------------------------------------------------------------------
# Plain text

#: what a CI runner reads as a command at the start of a line (after white space): GitHub Actions' ``::cmd``
#: and the older ``##[cmd]`` (also Azure Pipelines' ``##vso[``)
_COMMAND_START = r"^(\s*)(::|##)"


def _defuse(line: str) -> str:
    return _re(_COMMAND_START).sub(lambda m: m.group(1) + ("\\x3a:" if m.group(2) == "::" else "\\x23#"), line)


def text_line(text: str) -> str:
    """One line of plain text: control characters escaped; a leading runner command defused."""
    return _defuse(controls(text))


_CONTROL_BUT_LF = f"[\x00-\x09\x0b-\x1f{_OTHER_CONTROLS}]"
#: a line after the first that a runner would run (a literal line feed first: the search skips ahead fast)
_COMMAND_LINE = r"\n[^\S\n]*(?:::|##)"


def text_block(text: str, indent: str) -> str:
    """A text that may be several lines (a remediation): each line escaped and defused, the lines after the
    first indented by ``indent``."""
    printable = text.replace("\n", " ").isprintable()
    if (not printable and _re(_CONTROL_BUT_LF).search(text)) or (("::" in text or "##" in text)
                                         and (_re(_COMMAND_LINE).search(text) or _re(_COMMAND_START).match(text))):
        text = "\n".join(text_line(line) for line in text.split("\n"))
    # (most texts need neither; the indent goes before every line after the first that is not empty, in one
    # C-level pass: remediations are many lines long, and a report has one per finding)
    return _re(_LINE_AFTER_FIRST).sub("\n" + indent.replace("\\", "\\\\"), text) if indent else text


#: the start of a line after the first that is not empty
_LINE_AFTER_FIRST = r"\n(?=[^\n])"


# ---------------------------------------------------------------------------------------------------------
# Markdown (CommonMark + GitHub's tables)

#: characters that may start inline Markdown or HTML anywhere in a line
_MD_INLINE = r"[\\`*_\[\]<>&~]"
_MD_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
#: what makes a line a heading, quote, list item, thematic break or setext underline
_MD_BLOCK_START = r"^(\s*)(?:([#>+=-])|(\d{1,9})([.)]))"


def _md_block(m: re.Match[str]) -> str:
    if m.group(2):
        return f"{m.group(1)}\\{m.group(2)}"
    return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"


def _md_inline(m: re.Match[str]) -> str:
    c = m.group()
    return _MD_ENTITY.get(c, "\\" + c)


def markdown_text(text: str) -> str:
    """Text shown as itself in Markdown: no emphasis, link, image, code, HTML, block structure or line break
    of its own (control characters are shown escaped)."""
    out = _re(_MD_INLINE).sub(_md_inline, controls(text))
    out = _re(_MD_BLOCK_START).sub(_md_block, out)
    # Markdown drops whitespace at the end of a paragraph (Unicode whitespace too: a no-break space): keep the
    # value's own trailing characters other than plain spaces as character references
    trailing = len(out) - len(out.rstrip())
    if trailing:
        out = out[:len(out) - trailing] + "".join(c if c == " " else f"&#{ord(c)};" for c in out[-trailing:])
    return out


def markdown_code(text: str) -> str:
    """A code span holding exactly ``text`` (on one line): its fence is longer than any run of backticks in it."""
    text = controls(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark takes one space off each side when both have one (and the span is not all spaces)
    pad = " " if text.strip(" ") and (text.startswith(("`", " ")) or text.endswith(("`", " "))) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_FENCE_OPEN = r"^ {0,3}(`{3,}|~{3,})([A-Za-z0-9_+-]*)\s*$"
_BACKTICKS = r"`+"


class ValuedText(str):
    """A rendered rule text that remembers where the values placed in it are (``values``: start and end
    offsets), so a reporter can tell the rule's own markup from a value's text (a backtick in a value is
    text, never the end of the rule's code span). A plain ``str`` everywhere else."""

    values: tuple[tuple[int, int], ...]

    def __new__(cls, text: str, values: tuple[tuple[int, int], ...] = ()) -> ValuedText:
        self = super().__new__(cls, text)
        self.values = values
        return self


def _masked(text: str) -> str:
    """``text`` with every character of a value (but a line feed) replaced by NUL: what is left is the rule's
    own markup, at the same offsets."""
    values = getattr(text, "values", ())
    if not values:
        return text
    chars = list(text)
    for start, end in values:
        chars[start:end] = ["\n" if c == "\n" else "\0" for c in text[start:end]]
    return "".join(chars)


def _escape_inline(text: str, line_start: bool) -> str:
    return markdown_text(text) if line_start else _re(_MD_INLINE).sub(_md_inline, controls(text))


def _inline_rich(line: str, mask: str) -> str:
    """A line with the code spans its author wrote (paired by :func:`_span_parts`): each span kept as a span of
    the same text, everything else escaped text (at the line's start, as a line's start is escaped)."""
    return "".join(markdown_code(p.text) if p.kind == "code" else _escape_inline(p.text, k == 0)
                   for k, p in enumerate(_span_parts(line, mask)))


def _strip(line: str, mask: str) -> tuple[str, str]:
    left, right = len(mask) - len(mask.lstrip()), len(mask.rstrip())
    return line[left:right], mask[left:right]


def markdown_rich(text: str, *, blocks: bool = True) -> str:
    """A rule text (a message or remediation, with values in it) as Markdown: the code spans and fenced code
    blocks it was written with stay code (each with a fence its content cannot close), all other text is
    escaped (:func:`markdown_text`); a value's backticks and fences are its text (:class:`ValuedText`). With
    ``blocks=False`` (a table cell) it is one line: line breaks become ``<br>``, fenced blocks code spans."""
    lines, masks = text.split("\n"), _masked(text).split("\n")
    out: list[str] = []
    for i, end, lang in _layout(masks):
        if end is None:
            out.append(_inline_rich(*_strip(lines[i], masks[i])))
            continue
        body = lines[i + 1:end]
        if blocks:
            body = [controls(line) for line in body]
            longest = max((len(r) for line in body for r in re.findall(r"`+", line)), default=0)
            fence = "`" * max(3, longest + 1)
            out += [fence + lang, *body, fence]
        else:
            out.append(markdown_code(" ".join(line.strip() for line in body)))
    return "\n".join(out) if blocks else "<br>".join(out)


def _layout(masks: list[str]) -> Iterator[tuple[int, int | None, str]]:
    """How a rule text's lines (masked: a value's characters hidden, :func:`_masked`) read, in order: ``(i,
    end, lang)`` for a fenced block whose fences are lines ``i`` and ``end`` (``lang`` its info word), ``(i,
    None, "")`` for a line of prose. The one reading :func:`markdown_rich` and :func:`rich_parts` share."""
    i = 0
    while i < len(masks):
        m = _re(_FENCE_OPEN).match(masks[i])
        if m:
            marker = m.group(1)
            end = next((j for j in range(i + 1, len(masks))
                        if masks[j].strip().startswith(marker[0] * len(marker))
                        and set(masks[j].strip()) == {marker[0]}), None)
            if end is not None:
                yield i, end, m.group(2)
                i = end + 1
                continue
        yield i, None, ""
        i += 1


def markdown_cell(text: str) -> str:
    """A table cell: one line of :func:`markdown_rich` with every pipe escaped (GitHub splits cells on an
    unescaped pipe even inside a code span)."""
    return markdown_rich(text, blocks=False).replace("|", "\\|")


def markdown_cell_text(text: str) -> str:
    """A table cell showing plain text (a subject, a path, a waiver's reason)."""
    return markdown_text(text).replace("|", "\\|")


# ---------------------------------------------------------------------------------------------------------
# XML

#: what XML 1.0 cannot hold (its Char production), and C1 controls and bidi overrides, which it can but
#: which no CI page should show raw
_XML_BAD = ("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
            "\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text an XML 1.0 document can hold (tab, line feed and carriage return stay; ElementTree escapes the
    markup characters)."""
    return _re(_XML_BAD).sub(_visible, text) if _re(_XML_BAD).search(text) else text


# ---------------------------------------------------------------------------------------------------------
# GitHub Actions workflow commands


def github_data(text: str) -> str:
    """The message of ``::error …::MESSAGE``: one line (``%``, CR, LF percent-encoded, as the runner decodes
    them); other control characters shown escaped."""
    return controls_but_breaks(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """A property value (``file=…``, ``title=…``): also ``:`` and ``,`` encoded."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


# ---------------------------------------------------------------------------------------------------------
# HTML

#: what HTML must not hold raw (the parse errors of the HTML standard's input stream: C0 controls but tab, LF,
#: FF and CR; C1 controls and DEL; noncharacters; lone surrogates), CR and FF (the parser rewrites them), and
#: the bidirectional controls no report should show raw
_HTML_BAD = f"[\x00-\x08\x0b-\x1f{_OTHER_CONTROLS}\ufdd0-\ufdef\ufffe\uffff]"
#: noncharacters outside the BMP (U+1FFFE, U+1FFFF, ... U+10FFFF)
_HTML_BAD_ASTRAL = ("[\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff\U0004fffe"
                    "\U0004ffff\U0005fffe\U0005ffff\U0006fffe\U0006ffff\U0007fffe\U0007ffff"
                    "\U0008fffe\U0008ffff\U0009fffe\U0009ffff\U000afffe\U000affff\U000bfffe"
                    "\U000bffff\U000cfffe\U000cffff\U000dfffe\U000dffff\U000efffe\U000effff"
                    "\U000ffffe\U000fffff\U0010fffe\U0010ffff]")
_HTML_ENTITY = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def _html_visible(m: re.Match[str]) -> str:
    c = m.group()
    n = ord(c)
    return _NAMED.get(c) or (f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}")


def html_text(text: str) -> str:
    """Text shown as itself in HTML, in element content or a quoted attribute value: ``& < > " '`` as
    character references; control characters, noncharacters and bidirectional controls as visible escapes
    (line feeds and tabs stay: the page decides how to lay them out)."""
    if not text.isprintable():
        text = _re(_HTML_BAD).sub(_html_visible, text)
        text = _re(_HTML_BAD_ASTRAL).sub(_html_visible, text)
    return text.translate(_HTML_ENTITY)


class Part(NamedTuple):
    """A piece of a rule text: ``kind`` is ``text`` (plain text), ``code`` (a code span), ``break`` (a line
    break between two lines of prose) or ``block`` (a fenced code block, ``lang`` its info word)."""

    kind: str
    text: str = ""
    lang: str = ""


def rich_parts(text: str) -> list[Part]:
    """A rule text (a message or remediation) cut the way :func:`markdown_rich` reads it: the fenced blocks and
    code spans its author wrote (a value's backticks and fences are its text, :class:`ValuedText`), and the
    text between them, unescaped; the caller escapes each part for its medium."""
    lines, masks = text.split("\n"), _masked(text).split("\n")
    out: list[Part] = []
    for i, end, lang in _layout(masks):
        if end is not None:
            if out and out[-1].kind == "break":
                out.pop()
            out.append(Part("block", "\n".join(lines[i + 1:end]), lang))
            continue
        if out and out[-1].kind != "block":
            out.append(Part("break"))
        out += _span_parts(*_strip(lines[i], masks[i]))
    return out


def _span_parts(line: str, mask: str) -> list[Part]:
    """One line's code spans and the text around them. CommonMark's pairing: a run of n backticks closes at the
    next run of exactly n; only the backticks of ``mask``, the rule's own, count."""
    runs = [(m.start(), m.end()) for m in _re(_BACKTICKS).finditer(mask)]
    closing: list[int | None] = [None] * len(runs)
    last: dict[int, int] = {}
    for j in range(len(runs) - 1, -1, -1):  # the next run of the same length (linear, whatever the line)
        length = runs[j][1] - runs[j][0]
        closing[j] = last.get(length)
        last[length] = j
    out: list[Part] = []
    pos = i = 0
    while i < len(runs):
        close = closing[i]
        if close is None:
            i += 1
            continue
        if runs[i][0] > pos:
            out.append(Part("text", line[pos:runs[i][0]]))
        code = line[runs[i][1]:runs[close][0]]
        if code.startswith(" ") and code.endswith(" ") and code.strip():
            code = code[1:-1]
        out.append(Part("code", code))
        pos = runs[close][1]
        i = close + 1
    if pos < len(line):
        out.append(Part("text", line[pos:]))
    return out
