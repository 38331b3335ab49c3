"""Reading job offers out of what an ATS or a careers site publishes.

Three shapes are understood, told apart by their content rather than by a file name or a
Content-Type (operators paste, save and fetch them in every way):

- a Greenhouse job board, `{"jobs": [...]}` as
  `boards-api.greenhouse.io/v1/boards/<board>/jobs?content=true` returns it;
- Lever postings, the JSON array of `api.lever.co/v0/postings/<site>?mode=json`;
- an RSS or Atom feed (read with feedparser).

Everything here is pure: text in, `ParsedSource` out, no database. A source that is not
one of these raises `MalformedSource` before anyone writes anything. A single unusable
job in a good source (no id, no title, a broken URL) is not fatal: it is listed in
`ParsedSource.skipped` with its position and the reason, and the others are imported.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from xml.sax import SAXParseException

import feedparser
from pydantic import ValidationError

from app.errors import DomainError
from app.i18n import supported
from app.jobs.models import ContentSource, EmploymentType, Workplace
from app.jobs.schemas import JobCreate

EXPECTED = (
    'expected a Greenhouse job board ({"jobs": [...]}), Lever postings (a JSON array) '
    "or an RSS/Atom feed"
)
LEVER_KEYS = {"text", "hostedUrl", "categories"}
# What JobCreate accepts; longer text from an ATS is cut rather than losing the job.
TITLE_MAX, LABEL_MAX, DESCRIPTION_MAX = 200, 100, 50_000
# What the job_offer columns hold; these cannot be cut without breaking the id or link.
EXTERNAL_ID_MAX, URL_MAX = 200, 1000


class MalformedSource(DomainError):
    code = "malformed_source"


@dataclass(frozen=True)
class SourceJob:
    """One job as the source describes it, ready for `ContentService.create_job`."""

    position: int
    external_id: str
    draft: JobCreate


@dataclass(frozen=True)
class Skipped:
    """An entry that could not be imported. With an id, it is still *in* the source, so
    the job it names is not closed."""

    position: int
    external_id: str | None
    reason: str

    def __str__(self) -> str:
        where = f"#{self.position}"
        if self.external_id:
            where += f" (id {self.external_id})"
        return f"{where}: {self.reason}"


@dataclass
class ParsedSource:
    source: ContentSource
    jobs: list[SourceJob] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def present_ids(self) -> set[str]:
        """Every id the source still lists, imported or skipped."""
        return {job.external_id for job in self.jobs} | {
            s.external_id for s in self.skipped if s.external_id
        }


# An entry reader returns (external id, JobCreate fields) for one item of the source.
Reader = Callable[[Any], tuple[str, dict[str, Any]]]


def parse_source(text: str) -> ParsedSource:
    """Detect the format from the content and read every job; raise MalformedSource."""
    body = text.lstrip("\ufeff \t\r\n")
    if not body:
        raise MalformedSource(f"The source is empty: {EXPECTED}.")
    if body[0] in "{[":
        return _parse_json(body)
    if body[0] == "<":
        return _parse_feed(body)
    raise MalformedSource(f"The source is neither JSON nor XML: {EXPECTED}.")


def _parse_json(body: str) -> ParsedSource:
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise MalformedSource(
            f"The source is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    except RecursionError:
        raise MalformedSource("The JSON is nested too deeply to be a list of jobs.") from None
    if isinstance(data, dict) and isinstance(data.get("jobs"), list):
        return _collect(ContentSource.GREENHOUSE, data["jobs"], _greenhouse_job)
    if _looks_like_lever(data):
        return _collect(ContentSource.LEVER, data, _lever_posting)
    raise MalformedSource(f"The JSON has an unknown shape: {EXPECTED}.")


def _looks_like_lever(data: Any) -> bool:
    """A JSON array of postings. An empty array is Lever's answer when nothing is open."""
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        return False
    return not data or any(LEVER_KEYS & item.keys() for item in data)


def _collect(source: ContentSource, items: Iterable[Any], read: Reader) -> ParsedSource:
    parsed = ParsedSource(source)
    first_seen: dict[str, int] = {}
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):  # feedparser's entries are dicts too
            parsed.skipped.append(Skipped(position, None, "not a job object"))
            continue
        external_id, fields = read(item)
        problem = _problem(external_id, fields, first_seen)
        if problem is None:
            try:
                draft = JobCreate.model_validate(fields)
            except ValidationError as exc:
                problem = _explain(exc)
        if problem is not None:
            parsed.skipped.append(Skipped(position, external_id or None, problem))
            continue
        first_seen[external_id] = position
        parsed.jobs.append(SourceJob(position, external_id, draft))
    return parsed


def _problem(external_id: str, fields: dict[str, Any], first_seen: dict[str, int]) -> str | None:
    if not external_id:
        return "no id"
    if len(external_id) > EXTERNAL_ID_MAX:
        return f"an id longer than {EXTERNAL_ID_MAX} characters"
    if len(fields.get("apply_url") or "") > URL_MAX:
        return f"an apply URL longer than {URL_MAX} characters"
    if external_id in first_seen:
        return f"the same id as #{first_seen[external_id]}"
    if not fields.get("title"):
        return "no title"
    return None


def _explain(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
    )


# -- Greenhouse ----------------------------------------------------------------------------


def _greenhouse_job(job: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    location = _get(job, "location", "name")
    # The boards API sends the description as *escaped* HTML: unescape, then read it.
    description = html_to_text(html.unescape(_get(job, "content")))
    fields = {
        "title": _clip(_get(job, "title"), TITLE_MAX),
        "description": _clip(description, DESCRIPTION_MAX),
        "department": _clip(_get(job, "departments", 0, "name"), LABEL_MAX),
        "location": _clip(location, LABEL_MAX),
        "workplace": workplace_of("", location),
        "employment_type": employment_type_of(_greenhouse_metadata(job, "employment type")),
        "language": _language(_get(job, "language")),
        "apply_url": _get(job, "absolute_url") or None,
    }
    return _get(job, "id"), fields


def _greenhouse_metadata(job: dict[str, Any], name: str) -> str:
    """A custom field of the job (Greenhouse boards expose them as `metadata`)."""
    for item in job.get("metadata") or []:
        if _get(item, "name").casefold() == name:
            return _get(item, "value")
    return ""


# -- Lever ---------------------------------------------------------------------------------


def _lever_posting(posting: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    location = _get(posting, "categories", "location")
    department = _get(posting, "categories", "department") or _get(posting, "categories", "team")
    fields = {
        "title": _clip(_get(posting, "text"), TITLE_MAX),
        "description": _clip(_lever_description(posting), DESCRIPTION_MAX),
        "department": _clip(department, LABEL_MAX),
        "location": _clip(location, LABEL_MAX),
        "workplace": workplace_of(_get(posting, "workplaceType"), location),
        "employment_type": employment_type_of(_get(posting, "categories", "commitment")),
        "apply_url": _get(posting, "hostedUrl") or _get(posting, "applyUrl") or None,
    }
    return _get(posting, "id"), fields


def _lever_description(posting: dict[str, Any]) -> str:
    """The opening text, then each list ("Responsibilities", ...), then the closing text."""
    parts = [_html_or_plain(posting, "description")]
    for section in posting.get("lists") or []:
        items = html_to_text(f"<ul>{_get(section, 'content')}</ul>")
        parts.append(f"{_get(section, 'text')}\n\n{items}".strip())
    parts.append(_html_or_plain(posting, "additional"))
    return "\n\n".join(part for part in parts if part)


def _html_or_plain(posting: dict[str, Any], key: str) -> str:
    return html_to_text(_get(posting, key)) or _get(posting, f"{key}Plain")


# -- RSS / Atom ----------------------------------------------------------------------------


def _parse_feed(body: str) -> ParsedSource:
    if re.match(r"<(!doctype html|html)\b", body, re.I):
        raise MalformedSource(f"The source is an HTML page, not an RSS or Atom feed: {EXPECTED}.")
    # The text is already decoded: say so, or feedparser would trust the XML declaration.
    feed = feedparser.parse(
        io.BytesIO(body.encode("utf-8")),
        response_headers={"content-type": "application/xml; charset=utf-8"},
    )
    problem = feed.get("bozo_exception")
    if isinstance(problem, SAXParseException):
        raise MalformedSource(f"The feed is not well-formed XML: {problem.getMessage()}.")
    if not feed.version:
        raise MalformedSource(f"The XML is not an RSS or Atom feed: {EXPECTED}.")
    language = _language(feed.feed.get("language"))
    return _collect(ContentSource.FEED, feed.entries, lambda e: _feed_entry(e, language))


def _feed_entry(entry: Any, language: str) -> tuple[str, dict[str, Any]]:
    link = _text(entry.get("link"))
    fields = {
        "title": _clip(_text(entry.get("title")), TITLE_MAX),
        "description": _clip(_feed_text(entry), DESCRIPTION_MAX),
        # A job feed's <category> is, in practice, the team or department.
        "department": _clip(_get(entry, "tags", 0, "term"), LABEL_MAX),
        "language": language,
        "apply_url": link or None,
    }
    return _text(entry.get("id")) or link, fields


def _feed_text(entry: Any) -> str:
    """Atom's full `content` if there is one, else the RSS description / Atom summary."""
    detail = (entry.get("content") or [None])[0] or entry.get("summary_detail") or {}
    value = _text(detail.get("value"))
    return html_to_text(value) if "html" in _text(detail.get("type")) else value


# -- shared vocabulary ---------------------------------------------------------------------


def workplace_of(declared: str, location: str) -> Workplace:
    """Lever's workplaceType when it says; otherwise what the location says ("Remote")."""
    for hint in (declared.casefold(), location.casefold()):
        if "remote" in hint:
            return Workplace.REMOTE
        if "hybrid" in hint:
            return Workplace.HYBRID
        if hint in ("onsite", "on-site", "on site", "in office"):
            return Workplace.ON_SITE
    return Workplace.ON_SITE


# Checked in order, as substrings of the lower-cased commitment, English and French.
COMMITMENTS = (
    ("intern", EmploymentType.INTERNSHIP),
    ("stage", EmploymentType.INTERNSHIP),
    ("alternance", EmploymentType.INTERNSHIP),
    ("apprenti", EmploymentType.INTERNSHIP),
    ("part", EmploymentType.PART_TIME),  # part-time, temps partiel
    ("fixed", EmploymentType.TEMPORARY),  # fixed-term contract
    ("cdd", EmploymentType.TEMPORARY),
    ("temp", EmploymentType.TEMPORARY),
    ("seasonal", EmploymentType.TEMPORARY),
    ("contract", EmploymentType.CONTRACT),
    ("freelance", EmploymentType.CONTRACT),
)


def employment_type_of(commitment: str) -> EmploymentType:
    """A commitment ("Full-time", "Part Time", "Contractor", "Stage"...) as our type."""
    words = commitment.casefold()
    for hint, kind in COMMITMENTS:
        if hint in words:
            return kind
    return EmploymentType.FULL_TIME


def _language(value: Any) -> str:
    """A language tag ("fr-FR") as one of ours; anything we do not speak is "en"."""
    code = _text(value).split("-")[0].split("_")[0].lower()
    return supported(code)


def _get(value: Any, *path: str | int) -> str:
    """The text at `path` in decoded JSON, or "" when any step is missing or of another
    shape: a source may omit any field, and that must not be an error."""
    for key in path:
        if isinstance(value, dict) and isinstance(key, str):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and key < len(value):
            value = value[key]
        else:
            return ""
    return _text(value)


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# -- HTML to text --------------------------------------------------------------------------

BLOCKS = {
    "p", "div", "section", "article", "header", "footer", "blockquote", "pre", "table", "tr",
    "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
}  # fmt: skip
HIDDEN = {"script", "style", "template", "head"}


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.in_item = 0  # inside <li>, blocks (<p>, nested lists) do not break the item

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.in_item += 1
            self.parts.append("\n- ")
        elif tag in BLOCKS:
            self.parts.append(" " if self.in_item else "\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag == "li":
            self.in_item = max(0, self.in_item - 1)
        elif tag in BLOCKS:
            self.parts.append(" " if self.in_item else "\n\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    """Readable text (Markdown-compatible: paragraphs and "- " list items) from HTML."""
    if not markup:
        return ""
    parser = _TextOfHtml()
    parser.feed(markup)
    parser.close()
    lines = "".join(parser.parts).split("\n")
    text = "\n".join(re.sub(r" {2,}", " ", line).strip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
