"""Refer a friend from the chat: a guided form with cancel at every step.

job → name → e-mail → phone (optional) → LinkedIn (optional) → CV (optional document)
→ how you know them (optional) → confirm. The referral then waits for the candidate's
consent, asked by e-mail: the referrer is told so, and never sees the link.
"""

from __future__ import annotations

from pydantic import EmailStr, TypeAdapter, ValidationError

from app.chat.replies import Button, Intent, Reply
from app.chat.turn import Form, Turn
from app.errors import DomainError
from app.referrals.intake import CandidateDetails

SKIP = "refer:skip"
EMAIL = TypeAdapter(EmailStr)
OPTIONAL = ("phone", "linkedin", "cv", "note")


def _cancel_row(turn: Turn, skippable: bool = False) -> list[list[Button]]:
    row = [Button(turn._("Cancel"), action="cancel")]
    if skippable:
        row.insert(0, Button(turn._("Skip"), action=SKIP))
    return [row]


async def start(turn: Turn, job_id: int | None = None) -> list[Reply]:
    _ = turn._
    if job_id is not None:
        job = await turn.runtime.content.job(job_id)
        await turn.forms.put(Form("refer", "name", {"job_id": job.id, "job": job.title}))
        return [
            Reply(
                _("Refer a friend for {job}. What is their full name?").format(job=job.title),
                buttons=_cancel_row(turn),
            )
        ]
    from app.chat.sharing import _feed

    jobs, _news = await _feed(turn)
    rows = [[Button(job.title, action=f"refer:job:{job.id}")] for job in jobs[:8]]
    rows.append([Button(_("A general referral (no specific job)"), action="refer:general")])
    rows += _cancel_row(turn)
    await turn.forms.put(Form("refer", "job"))
    return [Reply(_("For which job?"), buttons=rows)]


async def general(turn: Turn) -> list[Reply]:
    await turn.forms.put(Form("refer", "name", {"job_id": None, "job": ""}))
    return [
        Reply(turn._("A general referral. What is their full name?"), buttons=_cancel_row(turn))
    ]


async def answer(turn: Turn, form: Form, intent: Intent) -> list[Reply]:
    """The next answer of the form (text, a document, or Skip)."""
    _ = turn._
    skipped = intent.kind == "action" and intent.name == SKIP
    text = intent.args.strip() if intent.kind == "text" else ""
    if form.step == "name":
        if not 1 <= len(text) <= 200:
            return [Reply(_("Please type their full name."), buttons=_cancel_row(turn))]
        form.data["name"] = text
        return await _ask(turn, form, "email")
    if form.step == "email":
        try:
            form.data["email"] = str(EMAIL.validate_python(text))
        except ValidationError:
            return [
                Reply(
                    _("That does not look like an e-mail address. Try again?"),
                    buttons=_cancel_row(turn),
                )
            ]
        return await _ask(turn, form, "phone")
    if form.step == "phone":
        form.data["phone"] = "" if skipped else text[:40]
        return await _ask(turn, form, "linkedin")
    if form.step == "linkedin":
        if not skipped and not text.startswith(("https://", "http://")):
            return [
                Reply(
                    _("Send a link starting with https://, or Skip."),
                    buttons=_cancel_row(turn, skippable=True),
                )
            ]
        form.data["linkedin"] = "" if skipped else text[:500]
        return await _ask(turn, form, "cv")
    if form.step == "cv":
        return await _cv(turn, form, intent, skipped)
    if form.step == "note":
        form.data["note"] = "" if skipped else text[:1000]
        return await _ask(turn, form, "confirm")
    return [Reply(_("Use the buttons to confirm or cancel."), buttons=_confirm_rows(turn))]


async def _cv(turn: Turn, form: Form, intent: Intent, skipped: bool) -> list[Reply]:
    _ = turn._
    if skipped:
        form.data["cv"] = ""
        return await _ask(turn, form, "note")
    if intent.upload is None:
        return [
            Reply(
                _("Send the CV as a file (PDF, DOC or DOCX, up to {max_mb} MB), or Skip.").format(
                    max_mb=turn.runtime.settings.cv_max_mb
                ),
                buttons=_cancel_row(turn, skippable=True),
            )
        ]
    try:
        form.data["cv"] = await turn.runtime.referrals.cv_store.save(intent.upload.open())
    except DomainError as exc:  # not fetched, too large, not a CV: say why, retry or skip
        return [Reply(_(exc.message), buttons=_cancel_row(turn, skippable=True))]
    return await _ask(turn, form, "note")


async def _ask(turn: Turn, form: Form, step: str) -> list[Reply]:
    _ = turn._
    form.step = step
    await turn.forms.put(form)
    questions = {
        "email": _("Their e-mail address?"),
        "phone": _("Their phone number? (optional)"),
        "linkedin": _("Their LinkedIn profile URL? (optional)"),
        "cv": _("Their CV? Send it as a file (optional)."),
        "note": _("How do you know them? (optional)"),
    }
    if step == "confirm":
        return [_summary(turn, form)]
    return [Reply(questions[step], buttons=_cancel_row(turn, skippable=step in OPTIONAL))]


def _confirm_rows(turn: Turn) -> list[list[Button]]:
    return [
        [
            Button(turn._("Confirm"), action="refer:confirm"),
            Button(turn._("Cancel"), action="cancel"),
        ]
    ]


def _summary(turn: Turn, form: Form) -> Reply:
    _ = turn._
    d = form.data
    lines = [
        _("Job: {job}").format(job=d.get("job") or _("a general referral")),
        _("Name: {name}").format(name=d["name"]),
        _("E-mail: {email}").format(email=d["email"]),
    ]
    if d.get("phone"):
        lines.append(_("Phone: {phone}").format(phone=d["phone"]))
    if d.get("linkedin"):
        lines.append(f"LinkedIn: {d['linkedin']}")
    if d.get("cv"):
        lines.append(_("CV attached"))
    if d.get("note"):
        lines.append(_("Note: {note}").format(note=d["note"]))
    return Reply(_("Please check:") + "\n" + "\n".join(lines), buttons=_confirm_rows(turn))


async def confirm(turn: Turn, form: Form) -> list[Reply]:
    d = form.data
    await turn.forms.clear()
    outcome = await turn.runtime.referrals.intake.refer(
        turn.me(),
        d.get("job_id"),
        CandidateDetails(d["name"], d["email"], d.get("phone", ""), d.get("linkedin", "")),
        note=d.get("note", ""),
        cv_file=d.get("cv", ""),
    )
    return [Reply(outcome.message)]
