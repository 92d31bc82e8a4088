"""BibTeX entries to paper descriptions: `llm-atlas import-bibtex` without the command line.

Each entry becomes a PaperRecord or a list of what is wrong with it, said so that the validator
knows what to change in the .bib file. Values in, values out; cli.py prints and picks exit codes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from llm_atlas.core.review.bibtex import (
    AND,
    COMMA,
    BibEntry,
    latex_to_text,
    read_bibtex,
    split_top,
)
from llm_atlas.core.review.paper_turtle import (
    ARXIV_ID,
    DOI,
    Creator,
    PaperRecord,
    annotation_skeleton,
    paper_slug,
    paper_turtle,
)
from llm_atlas.errors import EntryRefused, LatexError

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_ARXIV_PREFIX = re.compile(r"^(?:arxiv:\s*|https?://arxiv\.org/abs/)", re.I)
_ARXIV_JOURNAL = re.compile(r"^arxiv\s+preprint\s+arxiv:\s*(\S+)$", re.I)
# Journals that only say "on arXiv" (Google Scholar, DBLP's CoRR) are no venue.
_NO_VENUE = re.compile(r"^(?:arxiv\b|corr\b)", re.I)
_KNOWN_IDS = re.compile(r'(atlas:arxivId|bibo:doi)\s+"([^"]+)"')
_T = TypeVar("_T")


@dataclass
class EntryOutcome:
    """What became of one entry: the record written, or why it was refused."""

    key: str
    line: int
    record: PaperRecord | None = None
    path: Path | None = None
    problems: list[str] = field(default_factory=list)


def parse_creators(value: str) -> tuple[tuple[Creator, ...], str]:
    """The creators of an author field, in order, and the first one's family name."""
    creators, first_family = [], ""
    for raw in split_top(value.strip(), AND):
        if not raw:
            raise EntryRefused("author has an empty name (two 'and' in a row?): remove it")
        if raw.lower() == "others":
            raise EntryRefused("author ends with 'and others': the list must be complete, "
                               "write every author")
        if raw.startswith("{") and raw.endswith("}") and _one_group(raw):
            name = latex_to_text(raw[1:-1])  # {{OpenAI}}: a corporate author
            creators.append(Creator(name, organization=True))
            first_family = first_family or name
            continue
        name, family = _person(raw)
        creators.append(Creator(name))
        first_family = first_family or family
    return tuple(creators), first_family


def _one_group(raw: str) -> bool:
    """True when the braces around `raw` enclose all of it, not `{A} and {B}`-like pieces."""
    depth = 0
    for index, char in enumerate(raw):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and index < len(raw) - 1:
            return False
    return True


def _person(raw: str) -> tuple[str, str]:
    """("First von Last Jr", "von Last") from any of BibTeX's three name forms."""
    parts = [latex_to_text(p) for p in split_top(raw, COMMA)]
    if len(parts) > 3 or not all(parts[:1]):
        raise EntryRefused(f"author name {raw!r} has too many commas: write 'Last, First'")
    if len(parts) == 1:
        words = parts[0].split()
        # BibTeX's von part: lower-case words before the last one start the family name.
        lower = [i for i, w in enumerate(words[:-1]) if i > 0 and w[:1].islower()]
        start = lower[0] if lower else len(words) - 1
        return " ".join(words), " ".join(words[start:])
    family, given = parts[0], parts[-1]
    junior = parts[1] if len(parts) == 3 else ""
    return " ".join(p for p in (given, family, junior) if p), family


def _text(entry: BibEntry, name: str) -> str | None:
    value = entry.fields.get(name)
    return latex_to_text(value) if value is not None and value.strip() else None


def arxiv_id(entry: BibEntry) -> str | None:
    """The new-style arXiv id of the entry (eprint, or Google Scholar's journal), no version."""
    prefix = (entry.fields.get("archiveprefix") or entry.fields.get("eprinttype") or "arxiv")
    raw = entry.fields.get("eprint") if prefix.strip().lower() == "arxiv" else None
    if raw is None and (match := _ARXIV_JOURNAL.match(entry.fields.get("journal", "").strip())):
        raw = match.group(1)
    if raw is None:
        return None
    ident = _ARXIV_PREFIX.sub("", raw.strip())
    if not ARXIV_ID.match(ident):
        raise EntryRefused(f"eprint {raw.strip()!r} is not a new-style arXiv id: write "
                           "eprint = {NNNN.NNNNN} (no 'arXiv:' prefix, no URL)")
    return re.sub(r"v[0-9]+$", "", ident)


def doi(entry: BibEntry) -> str | None:
    """The bare DOI of the entry: without https://doi.org/ or doi:, LaTeX escapes undone."""
    raw = entry.fields.get("doi")
    if raw is None or not raw.strip():
        return None
    bare = _DOI_PREFIX.sub("", raw.strip().replace("\\_", "_"))
    if not DOI.match(bare):
        raise EntryRefused(f"doi {raw.strip()!r} is not a DOI: write doi = {{10.NNNN/suffix}}")
    return bare


def _read(name: str, read: Callable[[], _T], problems: list[str]) -> _T | None:
    """What `read` gives for the field `name`; None, with the problem noted, when it refuses."""
    try:
        return read()
    except EntryRefused as exc:
        problems.append(str(exc))
    except LatexError as exc:
        problems.append(f"{name}: {exc}")
    return None


def entry_record(entry: BibEntry) -> PaperRecord:
    """The paper an entry describes; EntryRefused with every problem otherwise."""
    problems = list(entry.problems)
    for name in ("title", "author", "year"):
        if not (entry.fields.get(name) or "").strip():
            problems.append(f"no {name}: add {name} = {{...}}")
    year = (entry.fields.get("year") or "").strip()
    if year and not re.fullmatch(r"[0-9]{4}", year):
        problems.append(f"year {year!r} is not a four-digit year: write the year of publication, "
                        "e.g. year = {2022}")
    author = (entry.fields.get("author") or "").strip()
    title = _read("title", lambda: _text(entry, "title"), problems)
    names = _read("author", lambda: parse_creators(author) if author else None, problems)
    venue = _read("venue", lambda: _text(entry, "journal") or _text(entry, "booktitle"), problems)
    arxiv = _read("arxiv_id", lambda: arxiv_id(entry), problems)
    bare_doi = _read("doi", lambda: doi(entry), problems)
    if entry.fields.get("title", "").strip() and title == "":
        problems.append("title is empty once its braces are removed: write the title")
    for creator in (names or ((), ""))[0]:
        if not creator.slug:
            problems.append(f"author {creator.name!r} has no Latin letter or digit to name its "
                            "IRI by: write the name in Latin letters, as the paper's byline")
    if not problems and not arxiv and not bare_doi:
        problems.append("no identifier: add eprint = {NNNN.NNNNN} with archivePrefix = {arXiv}, "
                        "or doi = {10.NNNN/suffix}")
    if problems:
        raise EntryRefused("; ".join(problems))
    # With no problem the title and author fields were there and read.
    assert title is not None and names is not None
    creators, family = names
    if venue and _NO_VENUE.match(venue):
        venue = None
    return PaperRecord(slug=paper_slug(family, int(year), title),
                       title=title, creators=creators, issued=int(year), venue=venue,
                       venue_year=int(year) if venue else None, arxiv_id=arxiv,
                       doi=bare_doi)


def known_papers(annotations_dir: Path) -> tuple[set[str], dict[str, str]]:
    """The slugs of the papers already under annotations/ and their identifiers -> slug."""
    slugs: set[str] = set()
    identifiers: dict[str, str] = {}
    for path in sorted(annotations_dir.rglob("*.ttl")):
        slugs.add(path.stem)
        for _, ident in _KNOWN_IDS.findall(path.read_text(encoding="utf-8")):
            identifiers.setdefault(ident.lower(), path.stem)
    return slugs, identifiers


def import_bibtex(text: str, out: Path, annotations_dir: Path,
                  force: bool = False) -> list[EntryOutcome]:
    """Write `{slug}.ttl` into `out` for each good entry; refused entries write nothing.

    BibSyntaxError when the text is not readable BibTeX; OSError when `out` cannot be written.
    """
    entries = read_bibtex(text)
    keys: dict[str, list[int]] = {}
    for entry in entries:
        keys.setdefault(entry.key.lower(), []).append(entry.line)
    known_slugs, known_ids = known_papers(annotations_dir)
    written: dict[str, str] = {}
    outcomes = []
    for entry in entries:
        outcome = EntryOutcome(entry.key, entry.line)
        outcomes.append(outcome)
        lines = keys[entry.key.lower()]
        if len(lines) > 1:
            outcome.problems.append(
                f"the key is used by {len(lines)} entries (lines "
                f"{', '.join(map(str, lines))}): give each entry its own key")
            continue
        try:
            record = entry_record(entry)
        except EntryRefused as exc:
            outcome.problems.append(str(exc))
            continue
        outcome.problems += _clashes(record, out, known_slugs, known_ids, written, force)
        if outcome.problems:
            continue
        out.mkdir(parents=True, exist_ok=True)
        outcome.record, outcome.path = record, out / f"{record.slug}.ttl"
        outcome.path.write_text(paper_turtle(record) + "\n" + annotation_skeleton(record),
                                encoding="utf-8")
        written[record.slug] = entry.key
    return outcomes


def _clashes(record: PaperRecord, out: Path, known_slugs: set[str], known_ids: dict[str, str],
             written: dict[str, str], force: bool) -> list[str]:
    slug = record.slug
    if slug in written:  # never overwritten, not even with --force: it is this run's own file
        return [f"its slug {slug} is also that of entry {written[slug]}: change one title "
                "or merge the entries"]
    if force:
        return []
    problems = []
    if slug in known_slugs:
        problems.append(f"paper {slug} already exists (annotations/{slug}.ttl): "
                        "pass --force to write it anyway")
    others: dict[str, list[str]] = {}
    for label, ident in (("arXiv id", record.arxiv_id), ("DOI", record.doi)):
        other = known_ids.get((ident or "").lower())
        if other and other != slug:
            others.setdefault(other, []).append(f"{label} {ident}")
    for other, idents in others.items():
        verb = "identify" if len(idents) > 1 else "identifies"
        problems.append(f"its {' and '.join(idents)} already {verb} paper {other} "
                        f"(annotations/{other}.ttl): pass --force to write it anyway")
    if (out / f"{slug}.ttl").exists():
        problems.append(f"{out / (slug + '.ttl')} exists: pass --force to overwrite it")
    return problems
