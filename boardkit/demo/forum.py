"""Demo forum: a dozen threads in Engparken's board forum (one on the next meeting's agenda, one
mentioning the chair) and about fifteen posts on Engparken's bulletin board, one of them hidden
by three flags and waiting for review. Rows are added directly, all older than the day's digest
window (from 17:00 yesterday), so loading the demo sends no mail for them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.db import utcnow
from boardkit.forum import markup
from boardkit.forum.models import Flag, Mention, Post, Space, Thread
from boardkit.meetings.models import AgendaItem
from boardkit.org.models import Board, Membership, Person, Residency, Tenancy
from boardkit.org.periods import today

THREADS = (
    ("Legepladsen ved Engvænget", "Tilbuddet på faldunderlag er kommet. Skal vi tage det op på næste møde?"),
    (
        "Nyt faldunderlag – tre tilbud",
        "Jeg har samlet de tre tilbud i et skema. Det billigste er fra Legeland.",
    ),
    ("Julefrokost for beboerne", "Skal vi holde den i fælleshuset igen? **Tilmelding** senest 1. december."),
    ("Vaskeriet i kælderen", "Maskine 3 er i stykker igen. Driften er kontaktet."),
    ("Budget 2027: vedligehold", "Driftschefen foreslår at flytte udskiftningen af tagrender til 2028."),
    ("Markvandring i maj", "Hvem kan deltage? Vi går rundt fra kl. 16."),
    ("Cykelkælderen", "Der står mange efterladte cykler. Skal vi lave en oprydningsdag?"),
    ("Hjemmesiden", "Adgangskoden til opslagstavlen på hjemmesiden ligger hos formanden."),
    ("Velkomstpakke til nye beboere", "Forslag: en folder med husorden, vaskeri og kontaktpersoner."),
    ("Affaldssortering", "Kommunen indfører ny sortering fra marts. Vi skal have flere containere."),
    ("Grønt område ved blok 4", "Beboerne ønsker en bænk og et bed. Hvad koster det?"),
    ("Mødet i januar", "Husk at sende punkter til dagsordenen senest en uge før."),
)
BULLETIN = (
    (
        "lend",
        "Boremaskine til udlån",
        "Jeg har en slagboremaskine, som I gerne må låne. Banke på i opgang 3.",
    ),
    (
        "lend",
        "Søger trailer i weekenden",
        "Er der nogen, der kan låne mig en trailer lørdag? Jeg betaler gerne.",
    ),
    ("events", "Loppemarked i gården", "Lørdag kl. 10–14. Tag et bord med, og sælg ud af gemmerne."),
    ("events", "Fællesspisning fredag", "Vi laver lasagne i fælleshuset. 30 kr. for voksne, børn gratis."),
    (
        "found",
        "Nøgle fundet ved postkasserne",
        "En nøgle med en rød ring. Den hænger på opslagstavlen i opgang 2.",
    ),
    ("found", "Kat savnes", "Vores grå kat Misse er væk siden tirsdag. Ring, hvis I ser hende."),
    ("other", "Tak for hjælpen", "Tak til naboen, der hjalp med at bære sofaen op til tredje sal."),
    ("lend", "Stige til udlån", "Aluminiumsstige på 4 meter. Henvendelse i opgang 5."),
    ("events", "Yoga i fælleshuset", "Hver onsdag kl. 19. Alle kan være med, tag en måtte med."),
    ("other", "Lektiehjælp", "Studerende tilbyder lektiehjælp i matematik. Gratis for børn i afdelingen."),
    ("found", "Barnevogn i cykelkælderen", "Der står en blå barnevogn uden navn. Er det din?"),
    ("lend", "Symaskine", "Jeg låner gerne min symaskine ud til små reparationer."),
    ("events", "Fastelavn", "Tøndeslagning for børnene søndag kl. 11 i gården."),
    ("other", "Sælges: billig sofa!!!", "Køb min sofa, ring nu, bedste pris i byen, se link i min profil."),
)


def _space(db: Session, **kwargs: object) -> Space:
    space = Space(**kwargs)
    db.add(space)
    db.flush()
    return space


def add_demo_forum(db: Session, *, board: Board) -> None:
    assert board.department_id is not None
    members = {
        m.person.email: m.person
        for m in db.scalars(select(Membership).where(Membership.board_id == board.id))
        if m.person.email
    }
    chair, treasurer = members["formand@demo.boardkit.dk"], members["kasserer@demo.boardkit.dk"]
    writers = [chair, treasurer, *[p for e, p in members.items() if e not in ("formand@demo.boardkit.dk",)]]
    space = _space(db, organisation_id=board.organisation_id, kind="board", board_id=board.id)
    now = utcnow()
    for n, (title, text) in enumerate(THREADS):
        started = now - timedelta(days=40 - 3 * n, hours=n)
        thread = Thread(
            space_id=space.id, title=title, created_by=writers[n % len(writers)].id, created_at=started
        )
        db.add(thread)
        db.flush()
        bodies = [text, "Enig. Lad os tage det op på næste møde.", "Jeg kan se på det i weekenden."][
            : 1 + n % 3
        ]
        if n == 1:
            bodies.append(f"@{chair.name} kan du underskrive bestillingen, når vi har besluttet det?")
        for k, body in enumerate(bodies):
            author = writers[(n + k) % len(writers)] if k else writers[n % len(writers)]
            if n == 1 and k == len(bodies) - 1:
                author = treasurer
            at = started + timedelta(hours=3 * k)
            post = Post(
                thread_id=thread.id, author_id=author.id, body=body, html=markup.render(body), created_at=at
            )
            db.add(post)
            db.flush()
            if "@" in body:
                db.add(Mention(post_id=post.id, person_id=chair.id))
            thread.post_count, thread.last_post_at = thread.post_count + 1, at
    playground = db.scalar(select(AgendaItem).where(AgendaItem.title == "Legepladsen ved Engvænget"))
    first = db.scalar(select(Thread).where(Thread.space_id == space.id, Thread.title == THREADS[0][0]))
    if playground is not None and first is not None:
        first.agenda_item_id = playground.id

    residents = list(
        db.scalars(
            select(Person)
            .join(Residency, Residency.person_id == Person.id)
            .join(Tenancy, Tenancy.id == Residency.tenancy_id)
            .where(Tenancy.department_id == board.department_id, Residency.role == "tenant")
            .order_by(Person.id)
            .limit(20)
        )
    )
    bulletin = _space(
        db, organisation_id=board.organisation_id, kind="bulletin", department_id=board.department_id
    )
    day = today()
    for n, (category, title, text) in enumerate(BULLETIN):
        author = residents[n % len(residents)]
        at = now - timedelta(days=2 + n, hours=2)
        thread = Thread(
            space_id=bulletin.id,
            title=title,
            created_by=author.id,
            created_at=at,
            last_post_at=at,
            post_count=1,
            category=category,
            expires_on=day + timedelta(days=30 - n),
        )
        db.add(thread)
        db.flush()
        post = Post(
            thread_id=thread.id, author_id=author.id, body=text, html=markup.render(text), created_at=at
        )
        db.add(post)
        db.flush()
        if title.startswith("Sælges"):  # three neighbours flagged the advert: hidden until reviewed
            for flagger in residents[-3:]:
                db.add(Flag(post_id=post.id, person_id=flagger.id))
            post.flag_count, post.state = 3, "flagged"
    announcement = "Vandet lukkes tirsdag kl. 9–12 på grund af arbejde på stigstrengene i blok 2."
    thread = Thread(
        space_id=bulletin.id,
        title="Vandet lukkes tirsdag",
        created_by=chair.id,
        created_at=now - timedelta(days=2),
        last_post_at=now - timedelta(days=2),
        post_count=1,
        category="other",
        expires_on=day + timedelta(days=7),
        announcement=True,
    )
    db.add(thread)
    db.flush()
    db.add(
        Post(
            thread_id=thread.id,
            author_id=chair.id,
            body=announcement,
            html=markup.render(announcement),
            created_at=thread.created_at,
        )
    )
    db.flush()
