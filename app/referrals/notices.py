"""What the referrer is told, in their language: a duplicate explained, a self-referral
or a company address refused, the candidate asked for consent (by e-mail, never through
the referrer), and every status change of their referral.

The notifier of the chat issues renders these texts; the web and API layers show them
as they are. Every text is a gettext message (French in app/i18n/fr).
"""

from __future__ import annotations

from datetime import date

from app.i18n import translator

STATUS_TEXT = {
    "submitted": "{candidate} agreed to be referred for {job}: recruiters can see the "
    "application now. Your referral points come when a recruiter screens it.",
    "screening": "Recruiters are reviewing {candidate}'s application for {job}: your "
    "referral points are on their way.",
    "interview": "{candidate} is invited to an interview for {job}.",
    "offer": "{candidate} received an offer for {job}!",
    "hired": "{candidate} was hired as {job}. Thank you for this referral!",
    "rejected": "{candidate} was not selected for {job}. Thank you for the referral all the same.",
    "withdrawn": "{candidate}'s application for {job} was withdrawn.",
}


def job_label(language: str, job_title: str | None) -> str:
    _ = translator(language)
    return job_title if job_title else _("a general referral")


def status_text(language: str, status: str, candidate: str, job_title: str | None) -> str:
    """The message telling the referrer that their referral moved to `status`."""
    _ = translator(language)
    template = STATUS_TEXT.get(status)
    if template is None:
        return ""
    return _(template).format(candidate=candidate, job=job_label(language, job_title))


def not_a_real_candidate_text(language: str, candidate: str, job_title: str | None) -> str:
    _ = translator(language)
    return _(
        "Recruiters found that {candidate} is not a real candidate for {job}: the points "
        "this referral earned are taken back."
    ).format(candidate=candidate, job=job_label(language, job_title))


def duplicate_text(
    language: str, candidate: str, job_title: str | None, referred_on: date, until: date
) -> str:
    _ = translator(language)
    return _(
        "{candidate} was already referred for {job} by a colleague on {referred_on}. "
        "A candidate stays with the first referrer until {until}, so this referral is "
        "recorded but cannot earn points or a bonus."
    ).format(
        candidate=candidate,
        job=job_label(language, job_title),
        referred_on=referred_on.isoformat(),
        until=until.isoformat(),
    )


def self_referral_text(language: str) -> str:
    _ = translator(language)
    return _(
        "You cannot refer yourself. To apply, talk to your recruiter or use the job's apply page."
    )


def already_referred_text(language: str, candidate: str, job_title: str | None) -> str:
    _ = translator(language)
    return _("You already referred {candidate} for {job}.").format(
        candidate=candidate, job=job_label(language, job_title)
    )


def company_address_text(language: str) -> str:
    _ = translator(language)
    return _(
        "This is an address of the company: colleagues cannot be referred. Refer people "
        "from outside the company with their personal address."
    )


def consent_asked_text(language: str, candidate: str, email: str, emailed: bool) -> str:
    """What the referrer reads once the candidate was asked for consent. The link itself
    is never in it: only the candidate, from their mailbox, may agree."""
    _ = translator(language)
    if emailed:
        text = _(
            "Thank you! We e-mailed {candidate} ({email}) a link to agree to this referral. "
            "Recruiters see it once they do, and your points come when a recruiter screens "
            "the application."
        )
    else:
        text = _(
            "Thank you! We could not e-mail {candidate} ({email}) just now; the message is "
            "kept for an administrator to send. Recruiters see the referral once they agree."
        )
    return text.format(candidate=candidate, email=email)


def consent_email(
    language: str,
    candidate: str,
    referrer: str,
    company: str,
    job_title: str | None,
    url: str,
    days: int,
) -> tuple[str, str]:
    """The subject and body of the e-mail asking the candidate's consent."""
    _ = translator(language)
    subject = _("{referrer} recommended you to {company}").format(
        referrer=referrer, company=company
    )
    body = _(
        "Hello {candidate},\n\n{referrer} recommended you to {company} for {job}. Before "
        "our recruiters see your details, we need your agreement. Read how we use your "
        "data and answer here:\n\n{url}\n\nIf you do nothing, your details are deleted "
        "in {days} days."
    )
    return subject, body.format(
        candidate=candidate,
        referrer=referrer,
        company=company,
        job=job_label(language, job_title),
        url=url,
        days=days,
    )
