"""The demo's people: naming traditions of the resident population, e-mail addresses, and the
:class:`Builder` that holds the one random stream and every object made, in creation order."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from boardkit.demo.accounts import ACCOUNT_NAMES, DepartmentSpec
from boardkit.org.models import (
    Person,
)


@dataclass(frozen=True)
class Origin:
    """A naming tradition of the resident population: gendered first names and surnames."""

    weight: int
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[tuple[str, str], ...]  # (male form, female form)
    family_first: bool = False  # Vietnamese order: family, middle, given
    middles: tuple[tuple[str, str], ...] = ()
    english: float = 0.02  # share who prefer English


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _same(text: str) -> tuple[tuple[str, str], ...]:
    """Surnames with one form for both genders."""
    return tuple((n, n) for n in text.split())


ORIGINS = (
    Origin(  # Danish
        weight=72,
        male=_names(
            "Søren Jørgen Bjørn Jens Niels Lars Peter Henrik Thomas Mads Rasmus Frederik Mikkel Kasper "
            "Ove Poul Knud Asger Troels Emil Jonas Jørn Bo Anders Morten Kåre Torben Flemming Erik Ib"
        ),
        female=_names(
            "Åse Mette Anne Hanne Kirsten Lone Ida Sofie Freja Bodil Inger Birthe Grethe Else Astrid "
            "Signe Mathilde Laura Cecilie Tove Gitte Susanne Maja Karen Lærke Bente Jytte Rikke Pia"
        ),
        surnames=_same(
            "Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen "
            "Petersen Madsen Kristensen Olsen Thomsen Poulsen Johansen Møller Mortensen Knudsen Jakobsen "
            "Lauridsen Søndergaard Kjær Grønbæk Lykkegård Bækgaard Ærø Frølund Dalsgård Holm Bach Dæhli"
        ),
    ),
    Origin(  # Turkish
        weight=7,
        male=_names("Ömer Mehmet Yusuf Şükrü Çağlar Emre Hüseyin"),
        female=_names("Ayşe Øzlem Özlem Gülşen Emine Zeynep Hülya Şeyma"),
        surnames=_same("Şahin Yılmaz Öztürk Kaya Çelik Doğan Güneş Aydın"),
        english=0.05,
    ),
    Origin(  # Vietnamese: family name first
        weight=4,
        male=_names("Hùng Dũng Minh Tuấn Quang"),
        female=_names("Hương Lan Thảo Linh Ngọc"),
        surnames=_same("Nguyễn Trần Lê Phạm Hoàng Vũ"),
        family_first=True,
        middles=(("Văn", "Thị"), ("Đức", "Thị"), ("Minh", "Thu")),
        english=0.2,
    ),
    Origin(  # Polish: gendered surnames
        weight=5,
        male=_names("Łukasz Wojciech Paweł Tomasz Michał Krzysztof"),
        female=_names("Małgorzata Agnieszka Katarzyna Zofia Joanna Ewa"),
        surnames=(
            ("Kowalski", "Kowalska"),
            ("Wiśniewski", "Wiśniewska"),
            ("Wójcik", "Wójcik"),
            ("Lewandowski", "Lewandowska"),
            ("Dąbrowski", "Dąbrowska"),
            ("Zieliński", "Zielińska"),
        ),
        english=0.3,
    ),
    Origin(  # Spanish and Portuguese
        weight=4,
        male=_names("José João Sebastián Andrés Joaquín Martín"),
        female=_names("María Inés Conceição Lucía Begoña Mônica"),
        surnames=_same("García Núñez Gonçalves Fernández Muñoz Peña Conceição"),
        english=0.3,
    ),
    Origin(  # Arabic and Somali
        weight=6,
        male=_names("Mohammed Ahmad Hassan Abdi Omar Khalid Bilal"),
        female=_names("Fatima Leila Amira Yasmin Hodan Nour Sara"),
        surnames=_same("Ali Hassan Abdullahi El-Amin Haddad Khalil Farah Warsame"),
        english=0.1,
    ),
    Origin(  # Icelandic
        weight=1,
        male=_names("Sigurður Þórður Guðmundur"),
        female=_names("Guðrún Þórunn Sólveig"),
        surnames=(("Jónsson", "Jónsdóttir"), ("Sigurðsson", "Sigurðardóttir")),
        english=0.2,
    ),
    Origin(  # Greenlandic
        weight=1,
        male=_names("Aqqaluk Kuupik Ole"),
        female=_names("Naja Aviaja Nivi"),
        surnames=_same("Kleist Lyberth Kristiansen Møller"),
    ),
    Origin(  # Faroese
        weight=1,
        male=_names("Rógvi Bárður Jóannes"),
        female=_names("Sólja Rannvá Turið"),
        surnames=_same("Joensen Dam Hansen Olsen"),
    ),
    Origin(  # German
        weight=1,
        male=_names("Jürgen Günther Stefan"),
        female=_names("Jutta Käthe Sabine"),
        surnames=_same("Müller Schäfer Weiß Groß"),
        english=0.1,
    ),
)
ORIGIN_WEIGHTS = [o.weight for o in ORIGINS]

# Letters that Unicode does not decompose into ASCII + a combining mark.
FOLD = str.maketrans(
    {
        "æ": "ae",
        "ø": "oe",
        "å": "aa",
        "ł": "l",
        "đ": "d",
        "ı": "i",
        "ß": "ss",
        "þ": "th",
        "ð": "d",
        "œ": "oe",
    }
)


def ascii_fold(text: str) -> str:
    """'Søren Ødegård' → 'soeren oedegaard'; 'Şahin' → 'sahin'; 'Nguyễn' → 'nguyen'."""
    text = text.lower().translate(FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).encode("ascii", "ignore").decode()


def _email_part(name: str) -> str:
    return "".join(c for c in ascii_fold(name) if c.isalnum())


def demo_email(name: str, n: int) -> str:
    """firstname.lastname.N@example.dk, lowercase ASCII; N (the person's number) makes it unique."""
    parts = name.split()
    return f"{_email_part(parts[0])}.{_email_part(parts[-1])}.{n}@example.dk"


class Builder:
    """Holds the random stream and the objects made so far, in creation order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.people: list[Person] = []
        self.objects: list[object] = []
        self.by_email: dict[str, Person] = {}

    def add(self, obj: object) -> None:
        self.objects.append(obj)

    def next_external_id(self) -> str:
        return f"P{len(self.people) + 1:06d}"

    def account(self, email: str) -> Person:
        person = Person(
            external_id=self.next_external_id(),
            name=ACCOUNT_NAMES[email],
            email=email,
            phone="",
            preferred_channel="email",
            paper=False,
            language="da",
            active=True,
        )
        self.people.append(person)
        self.by_email[email] = person
        self.add(person)
        return person

    def phone(self) -> str:
        """A Danish mobile number, '+45 2x xx xx xx'."""
        r = self.rng
        groups = [f"{r.choice('2345')}{r.randint(0, 9)}"] + [f"{r.randint(0, 99):02d}" for _ in range(3)]
        return "+45 " + " ".join(groups)

    def resident(self, name: str, origin: Origin) -> Person:
        """A generated resident with a realistic mix of channels."""
        r = self.rng
        n = len(self.people) + 1
        roll = r.random()
        email: str | None = None
        phone = ""
        channel = "email"
        paper = False
        if roll < 0.08:  # asked for paper
            paper, channel = True, "paper"
            if r.random() < 0.3:
                phone = self.phone()
        elif roll < 0.18:  # texts, no e-mail
            channel, phone = "sms", self.phone()
        elif roll < 0.40:  # no e-mail known: falls back to a printed letter
            if r.random() < 0.5:
                phone = self.phone()
        else:
            email = demo_email(name, n)
            if r.random() < 0.6:
                phone = self.phone()
        person = Person(
            external_id=f"P{n:06d}",
            name=name,
            email=email,
            phone=phone,
            preferred_channel=channel,
            paper=paper,
            language="en" if r.random() < origin.english else "da",
            active=True,
        )
        self.people.append(person)
        self.add(person)
        return person

    # --- names ---------------------------------------------------------------------------

    def origin(self) -> Origin:
        return self.rng.choices(ORIGINS, weights=ORIGIN_WEIGHTS)[0]

    def first_name(self, origin: Origin, female: bool) -> str:
        name = self.rng.choice(origin.female if female else origin.male)
        if origin is ORIGINS[0] and self.rng.random() < 0.15:  # a Danish double first name
            second = self.rng.choice(origin.female if female else origin.male)
            if second != name:
                name = f"{name} {second}"
        return name

    def full_name(self, origin: Origin, female: bool, surname: tuple[str, str]) -> str:
        given = self.first_name(origin, female)
        family = surname[1] if female else surname[0]
        if origin.family_first:
            middle = self.rng.choice(origin.middles)
            return f"{family} {middle[1] if female else middle[0]} {given}"
        return f"{given} {family}"

    def household(self, size: int) -> list[tuple[str, Origin]]:
        """Names of the adults of one household: a couple often shares a surname, adult children do."""
        r = self.rng
        origin = self.origin()
        surname = r.choice(origin.surnames)
        female = r.random() < 0.5
        names = [(self.full_name(origin, female, surname), origin)]
        if size >= 2:
            partner_origin = origin if r.random() < 0.85 else self.origin()
            keeps_surname = partner_origin is origin and r.random() < 0.6
            partner_surname = surname if keeps_surname else r.choice(partner_origin.surnames)
            partner_female = not female if r.random() < 0.9 else female
            names.append((self.full_name(partner_origin, partner_female, partner_surname), partner_origin))
        for _ in range(size - 2):
            names.append((self.full_name(origin, r.random() < 0.5, surname), origin))
        return names


def unit_address(spec: DepartmentSpec, index: int) -> tuple[str, str]:
    """(street address, unit) of household ``index``: entrances of len(units) flats, even numbers."""
    per_entrance = len(spec.units)
    entrance = index // per_entrance
    entrances_per_street = -(-spec.households // per_entrance // len(spec.streets))
    street = spec.streets[min(entrance // max(entrances_per_street, 1), len(spec.streets) - 1)]
    number_on_street = entrance % max(entrances_per_street, 1)
    if spec.units == ("",):  # terraced houses: one home per number
        return f"{street} {index + 1}", ""
    return f"{street} {4 + 2 * number_on_street}", spec.units[index % per_entrance]
