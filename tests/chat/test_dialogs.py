"""The conversation core's main flows as dialogs, in English and in French: what the
person types or presses, and what the bot answers, through the terminal channel
(tests/chat/dialogs.py plays them). The channels' own tests (tests/bots/) show the same
core behind Telegram and Teams."""

from __future__ import annotations

import pytest

from app.bots.console import ConsoleSession
from app.chat.replies import ChatUser
from app.people.models import Employee, Role
from app.people.schemas import EmployeeCreate
from app.referrals.intake import CandidateDetails
from app.referrals.models import Referral, ReferralStatus
from app.runtime import Runtime
from tests.chat.dialogs import ANY, play
from tests.helpers import make_employee, make_open_job, make_sharer
from tests.referrals.factories import consented

LANGUAGES = ["en", "fr"]

MENU = {
    "en": "  [1] Jobs\n  [2] News\n  [3] Refer a friend\n  [4] My points\n"
    "  [5] Leaderboard\n  [6] Rewards\n",
    "fr": "  [1] Offres\n  [2] Actualités\n  [3] Recommander un·e ami·e\n  [4] Mes points\n"
    "  [5] Classement\n  [6] Récompenses\n",
}


async def ada_the_sharer(runtime: Runtime, language: str) -> ConsoleSession:
    """Ada, who joined and accepted the policy, at the terminal."""
    await make_sharer(runtime, language=language)
    return ConsoleSession(runtime, "ada@example.com")


@pytest.mark.parametrize("language", LANGUAGES)
async def test_joining_with_an_invitation_then_accepting_the_policy(
    runtime: Runtime, language: str
) -> None:
    # HR did not choose her language: her chat client's is adopted when she joins
    ada = await runtime.people.create(EmployeeCreate(email="ada@example.com", name="Ada Lovelace"))
    code = (await runtime.people.invite(ada.id)).invite.code
    stranger = ChatUser("telegram", "1001", chat_id="1001", language=language)
    session = ConsoleSession(runtime, user=stranger)  # a chat account not linked yet
    dialog = {
        "en": [
            (
                "hello",
                "Hello! This bot is for employees of Porte-voix Demo. Open the invitation "
                "link you received by e-mail (or send me its code). No invitation? Ask for "
                "access.\n  [1] Ask for access\n",
            ),
            (
                f"/start {code}",
                f"# Social media policy\n{ANY}\n  [1] I accept\n\n"
                "Please read and accept the social media policy to continue.\n",
            ),
            (
                "[I accept]",
                "Thank you! You can share now.\n\n"
                "Welcome, Ada! Share our jobs and news with your own links, refer friends, "
                "and earn points. What would you like to do?\n" + MENU["en"],
            ),
        ],
        "fr": [
            (
                "bonjour",
                "Bonjour ! Ce bot est réservé au personnel de Porte-voix Demo. Ouvrez le lien "
                "d'invitation reçu par e-mail (ou envoyez-moi son code). Pas d'invitation ? "
                "Demandez un accès.\n  [1] Demander un accès\n",
            ),
            (
                f"/start {code}",
                f"# Charte réseaux sociaux\n{ANY}\n  [1] J'accepte\n\n"
                "Lisez et acceptez la charte réseaux sociaux pour continuer.\n",
            ),
            (
                "[J'accepte]",
                "Merci ! Vous pouvez maintenant partager.\n\n"
                "Bienvenue, Ada ! Partagez nos offres et nos actualités avec vos propres "
                "liens, recommandez des proches et gagnez des points. Que souhaitez-vous "
                "faire ?\n" + MENU["fr"],
            ),
        ],
    }
    await play(session, *dialog[language])
    joined = await Employee.get(id=ada.id)
    assert joined.language == language
    assert await runtime.policy.has_accepted_current(joined)


async def test_before_the_policy_nothing_but_the_policy_answers(runtime: Runtime) -> None:
    await make_employee(runtime)
    session = ConsoleSession(runtime, "ada@example.com")
    await play(
        session,
        (
            "/jobs",
            f"# Social media policy\n{ANY}\n  [1] I accept\n\n"
            "Please read and accept the social media policy to continue.\n",
        ),
    )


@pytest.mark.parametrize("language", LANGUAGES)
async def test_browsing_the_jobs_and_sharing_one_on_linkedin(
    runtime: Runtime, language: str
) -> None:
    session = await ada_the_sharer(runtime, language)
    await make_open_job(
        runtime, "Data Engineer", location="Lyon", description="Build our data pipelines."
    )
    link = "https://advocacy.test/r/" + ANY
    dialog = {
        "en": [
            (
                "/jobs",
                "Open jobs (1). Pick one to see it, share it or refer someone:\n"
                "  [1] Data Engineer · Lyon\n",
            ),
            (
                "[Data Engineer · Lyon]",
                "Data Engineer\nLyon · On site · Full time\n\nBuild our data pipelines.\n"
                "  [1] Share\n  [2] Refer a friend\n",
            ),
            (
                "[Share]",
                "Where do you want to share it?\n  [1] LinkedIn\n  [2] X\n  [3] Facebook\n"
                "  [4] WhatsApp\n  [5] E-mail\n  [6] Copy link\n",
            ),
            (
                "[LinkedIn]",
                "Your caption (edit it as you like):\n\n"
                "We are hiring: Data Engineer (Lyon). Apply or pass it on!\n\n"
                f"Your personal link: {link}\n\n"
                "+5 points for this share once someone opens your link.\n"
                "  -> Open LinkedIn: https://www.linkedin.com/sharing/share-offsite/?url="
                f"{ANY}\n",
            ),
        ],
        "fr": [
            (
                "/jobs",
                "Offres ouvertes (1). Choisissez-en une pour la voir, la partager ou "
                "recommander quelqu'un :\n  [1] Data Engineer · Lyon\n",
            ),
            (
                "[Data Engineer · Lyon]",
                "Data Engineer\nLyon · Sur site · Temps plein\n\nBuild our data pipelines.\n"
                "  [1] Partager\n  [2] Recommander un·e ami·e\n",
            ),
            (
                "[Partager]",
                "Où voulez-vous le partager ?\n  [1] LinkedIn\n  [2] X\n  [3] Facebook\n"
                "  [4] WhatsApp\n  [5] E-mail\n  [6] Copier le lien\n",
            ),
            (
                "[LinkedIn]",
                "Votre texte (modifiez-le à votre guise) :\n\n"
                "On recrute : Data Engineer (Lyon). Postulez ou faites passer !\n\n"
                f"Votre lien personnel : {link}\n\n"
                "+5 points pour ce partage dès qu'une personne ouvre votre lien.\n"
                "  -> Ouvrir LinkedIn: https://www.linkedin.com/sharing/share-offsite/?url="
                f"{ANY}\n",
            ),
        ],
    }
    await play(session, *dialog[language])


@pytest.mark.parametrize("language", LANGUAGES)
async def test_referring_a_friend_then_cancelling_refers_nobody(
    runtime: Runtime, language: str
) -> None:
    session = await ada_the_sharer(runtime, language)
    await make_open_job(runtime, "Data Engineer")
    dialog = {
        "en": [
            (
                "/refer",
                "For which job?\n  [1] Data Engineer\n"
                "  [2] A general referral (no specific job)\n  [3] Cancel\n",
            ),
            (
                "[Data Engineer]",
                "Refer a friend for Data Engineer. What is their full name?\n  [1] Cancel\n",
            ),
            ("Grace Hopper", "Their e-mail address?\n  [1] Cancel\n"),
            ("grace", "That does not look like an e-mail address. Try again?\n  [1] Cancel\n"),
            ("[Cancel]", "Cancelled.\n" + MENU["en"]),
            ("grace@navy.example", f"/jobs — {ANY}\n" + MENU["en"]),  # no form: the help
        ],
        "fr": [
            (
                "/refer",
                "Pour quelle offre ?\n  [1] Data Engineer\n"
                "  [2] Une candidature spontanée (sans offre précise)\n  [3] Annuler\n",
            ),
            (
                "[Data Engineer]",
                "Recommander quelqu'un pour Data Engineer. Quel est son nom complet ?\n"
                "  [1] Annuler\n",
            ),
            ("Grace Hopper", "Son adresse e-mail ?\n  [1] Annuler\n"),
            (
                "grace",
                "Cela ne ressemble pas à une adresse e-mail. Vous réessayez ?\n  [1] Annuler\n",
            ),
            ("[Annuler]", "Annulé.\n" + MENU["fr"]),
            ("grace@navy.example", f"/jobs — {ANY}\n" + MENU["fr"]),
        ],
    }
    await play(session, *dialog[language])
    assert await Referral.all().count() == 0


@pytest.mark.parametrize("language", LANGUAGES)
async def test_my_points(runtime: Runtime, language: str) -> None:
    session = await ada_the_sharer(runtime, language)
    dialog = {
        "en": (
            "/me",
            "10 points to spend · 10 earned in all\n"  # the policy accepted
            "Level: Newcomer (90 points to the next level)\n"
            "rank #1 this month\n"
            "Streak: 0 week(s) in a row\n"
            "Unique clicks on your links: 0\n"
            "Badges: —\n"
            "  [1] Leaderboard\n  [2] Rewards\n",
        ),
        "fr": (
            "/me",
            "10 points à dépenser · 10 gagnés au total\n"
            "Niveau : Nouveau venu (90 points avant le niveau suivant)\n"
            "rang n° 1 ce mois-ci\n"
            "Série : 0 semaine(s) d'affilée\n"
            "Clics uniques sur vos liens : 0\n"
            "Badges : —\n"
            "  [1] Classement\n  [2] Récompenses\n",
        ),
    }
    await play(session, dialog[language])


async def a_referral_of_grace(runtime: Runtime) -> Referral:
    """Ada referred Grace for a job, and Grace agreed: the recruiters' turn."""
    ada = await make_sharer(runtime)
    job = await make_open_job(runtime, "Data Engineer")
    outcome = await runtime.referrals.intake.refer(
        ada, job.id, CandidateDetails("Grace Hopper", "grace@navy.example")
    )
    return await consented(runtime, outcome)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_recruiter_moves_a_referral_along_the_pipeline(
    runtime: Runtime, language: str
) -> None:
    referral = await a_referral_of_grace(runtime)
    await make_sharer(
        runtime, "rita@example.com", name="Rita Recruiter", role=Role.RECRUITER, language=language
    )
    session = ConsoleSession(runtime, "rita@example.com")
    number = referral.id
    dialog = {
        "en": [
            (
                "/referrals",
                f"#{number} Grace Hopper · Data Engineer\nStatus: submitted\n"
                "  [1] screening\n  [2] rejected\n  [3] withdrawn\n",
            ),
            ("[screening]", f"Referral #{number} is now screening.\n"),
        ],
        "fr": [
            (
                "/referrals",
                f"#{number} Grace Hopper · Data Engineer\nStatut : transmis\n"
                "  [1] présélection\n  [2] refusé\n  [3] retiré\n",
            ),
            ("[présélection]", f"Recommandation #{number} : nouveau statut « présélection ».\n"),
        ],
    }
    await play(session, *dialog[language])
    assert (await Referral.get(id=number)).status == ReferralStatus.SCREENING


@pytest.mark.parametrize("language", LANGUAGES)
async def test_forged_buttons_are_refused_and_change_nothing(
    runtime: Runtime, language: str
) -> None:
    referral = await a_referral_of_grace(runtime)
    await Employee.filter(email="ada@example.com").update(language=language)
    session = ConsoleSession(runtime, "ada@example.com")
    refused = {
        "en": "This is for recruiters and admins.\n",
        "fr": "C'est réservé aux recruteurs et aux admins.\n",
    }[language]
    stale = {"en": "This button is no longer valid.\n", "fr": "Ce bouton n'est plus valide.\n"}[
        language
    ]
    await play(
        session,
        (f"@press mv:{referral.id}:hired", refused),  # a recruiter's button, forged
        (f"@press mv:{referral.id}", refused),  # malformed too: the role is checked first
        ("@press job:abc", stale),  # not a number
        (f"@press net:job:{referral.job_id}:myspace", stale),  # not a network we offer
        ("@press buy!:1:2", stale),  # one part too many
        ("@press refer:job:1" + "9" * 60, stale),  # longer than a real one could be
        ("@press nothing-we-made", stale),
    )
    assert (await Referral.get(id=referral.id)).status == ReferralStatus.SUBMITTED


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_leaderboard_names_people_and_marks_me(runtime: Runtime, language: str) -> None:
    session = await ada_the_sharer(runtime, language)  # 10 points for the policy
    await make_sharer(runtime, "grace@example.com", name="Grace Hopper")  # 10 as well
    grace = await runtime.people.find_by_email("grace@example.com")
    assert grace is not None
    await runtime.gamification.adjust(grace.id, 5, "a good week", by="admin")  # 15: she leads
    dialog = {
        "en": (
            "/leaderboard",
            "This month — the company\n1. Grace Hopper · 15\n2. Ada Lovelace · 10 ◀\n"
            "  [1] This week\n  [2] All time\n  [3] My department\n",
        ),
        "fr": (
            "/leaderboard",
            "Ce mois-ci — l'entreprise\n1. Grace Hopper · 15\n2. Ada Lovelace · 10 ◀\n"
            "  [1] Cette semaine\n  [2] Depuis le début\n  [3] Mon service\n",
        ),
    }
    await play(session, dialog[language])
