"""A synthetic test corpus: planted copies of register data, decoys, and hostile files.

Every person is an invented combination from generic name pools; no record describes a real
person. Each planted copy writes its people in many forms of name and of date, and the corpus
records what a correct scan must find (``Planted``), what it must not call strong (decoys) and
what it must report and skip (a malformed workbook and a zip bomb).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from listwarden.dlp.dates import excel_serial, written_forms
from listwarden.dlp.fingerprint import Person
from listwarden.dlp.writers import (
    Cell,
    eml_bytes,
    pdf_bytes,
    write_docx,
    write_ods,
    write_xlsx,
    zip_bomb_bytes,
    zip_bytes,
)


def _words(text: str, separator: str = " ") -> tuple[str, ...]:
    return tuple(text.split(separator))


def _family(text: str) -> tuple[str, ...]:
    single, several = text.split("|", 1)
    return _words(single) + _words(several, "|")


GIVEN = _words(
    "Aaron Adam Ali Amir Andre Ben Callum Chidi Chloé Connor Daniel David Dean Elijah "
    "Emeka Ethan Femi Grace Harry Ibrahim Isaac Jack Jamal Jason John Jordan José "
    "Joseph Kai Kofi Kwame Leon Liam Lucas Marcus Michael Mohammed Nathan Noah Omar "
    "Oscar Reece Ryan Samuel Sean Tariq Theo Tyrone Yusuf Zoë"
)
FAMILY = _family(  # after the first bar, names of more than one word
    "Smith Jones Brown Taylor Wilson Davies Evans Thomas Johnson Roberts Walker "
    "Wright Robinson Thompson White Hughes Edwards Green Hall Wood Clarke Campbell "
    "Okafor Mensah Hussain Khan Ahmed Osei Adeyemi Boateng Nwosu Ali Patel Begum "
    "Williams Lewis Harris Martin Jackson Clark|O'Brien|De Souza|Smith-Jones|Da Silva|Mac Neil"
)
_FIRST = _words(
    "ash bel brom car dal el fen gar hol ing kel lan mor nor oak pen quin rad sel tor "
    "ul vin wen yar zel bran cor dun ev fal"
)
_MIDDLE = _words("ber dor fin gal har mer nel pol ren sil tam vel wor ack ing")
_LAST = _words(
    "by croft dale field ford ham hurst ley man more stead ton well wick worth "
    "bourne combe gate low thorpe"
)
_NICK_A = _words("Lil Big Young Baby Mad Slim Tiny Ice Dark Quick")
_NICK_B = _words("Ghost Blade Shadow Reaper Chef Kid Smoke Viper Storm Drifter Spark Fox")
_POSTCODES = _words("N15 4RT|E8 2PB|SE15 5DQ|NW10 8LA|SW9 7AB|E17 6QT|N17 9LH|SE28 0JE", "|")


def synthetic_surname(rng: random.Random) -> str:
    """A family name made of syllables: plausible, rare, and nobody's in particular."""
    middle = rng.choice(_MIDDLE) if rng.random() < 0.7 else ""
    if rng.random() < 0.4:
        middle += rng.choice(_MIDDLE)
    return (rng.choice(_FIRST) + middle + rng.choice(_LAST)).capitalize()


def make_people(count: int, *, seed: int, today: date, common: float = 0.5) -> list[Person]:
    """``count`` invented people; ``common`` of them take a family name from the common pool."""
    rng = random.Random(seed)  # noqa: S311 - invented people need a seeded generator
    people = []
    for index in range(count):
        family = rng.choice(FAMILY) if rng.random() < common else synthetic_surname(rng)
        born = today - timedelta(days=rng.randint(13 * 365, 45 * 365))
        nick = (f"{rng.choice(_NICK_A)} {rng.choice(_NICK_B)}{rng.randint(1, 99)}",)
        people.append(
            Person(
                subject_id=f"S{seed % 1000:03d}-{index:07d}",
                given_name=rng.choice(GIVEN),
                family_name=family,
                nicknames=nick if rng.random() < 0.4 else (),
                date_of_birth=born,
                addresses=(f"{rng.randint(1, 200)} High Road, London {rng.choice(_POSTCODES)}",),
                identifiers=(f"{born.year % 100:02d}/{rng.randint(1, 999999):06d}X",),
            )
        )
    return people


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def name_forms(person: Person) -> list[str]:
    """Twelve ways a record writes a person's name."""
    g, f = person.given_name, person.family_name
    return [
        f"{g} {f}",
        f"{f.upper()}, {g}",
        f"{f}, {g}",
        f"{g[0]}. {f}",
        f"{f} {g[0]}",
        f"{g.upper()} {f.upper()}",
        f"{g.lower()} {f.lower()}",
        f"{g} {f.upper()}",
        f"{f}, {g[0]}.",
        f"{_plain(g)} {_plain(f)}",
        f"{f.upper()} {g}",
        f"{g}  {f}",
    ]


@dataclass(frozen=True, slots=True)
class Planted:
    """A planted copy and what a correct scan says of it."""

    path: str
    strong: frozenset[str]
    erased: int = 0
    informal: bool = False
    tags: frozenset[str] = frozenset()


@dataclass(slots=True)
class Corpus:
    """The generated files and the truth about them."""

    root: Path
    today: date
    key: bytes
    people: list[Person]
    erased: Person
    planted: list[Planted] = field(default_factory=list)
    decoys: list[str] = field(default_factory=list)
    hostile: list[str] = field(default_factory=list)

    def register(self) -> list[Person]:
        """The register as the scanner sees it: live people, and the erased one flagged."""
        return [*self.people, self.erased]


class _Writer:
    """Chooses people and forms with one seeded generator, varying forms record by record."""

    def __init__(self, corpus: Corpus, rng: random.Random) -> None:
        self.corpus = corpus
        self.rng = rng
        self.turn = 0

    def pick(self, count: int) -> list[Person]:
        return self.rng.sample(self.corpus.people, count)

    def name(self, person: Person) -> str:
        self.turn += 1
        return name_forms(person)[self.turn % 12]

    def day(self, person: Person) -> str:
        assert person.date_of_birth is not None
        return written_forms(person.date_of_birth)[(self.turn * 7) % 12]

    def day_cell(self, person: Person) -> Cell:
        """A spreadsheet date of birth: a date cell, a bare serial number, or written text."""
        assert person.date_of_birth is not None
        choice = self.turn % 3
        if choice == 0:
            return person.date_of_birth
        return excel_serial(person.date_of_birth) if choice == 1 else self.day(person)

    def plant(self, relative: str, people: Sequence[Person], **truth: object) -> Path:
        path = self.corpus.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        strong = frozenset(p.subject_id for p in people)
        self.corpus.planted.append(Planted(relative, strong, **truth))  # type: ignore[arg-type]
        return path


def generate_corpus(root: Path, *, seed: int = 8, today: date | None = None) -> Corpus:
    """Write the test corpus under ``root`` and return the truth about it (a few seconds)."""
    today = today or date(2025, 6, 1)
    rng = random.Random(seed)  # noqa: S311 - a reproducible corpus needs a seeded generator
    people = make_people(300, seed=seed, today=today)
    erased = make_people(1, seed=seed + 1, today=today)[0]
    erased = Person(
        erased.subject_id, "Quentin", "Falkirkson", (), erased.date_of_birth, (), (), True
    )
    corpus = Corpus(root, today, rng.randbytes(32), people, erased)
    write = _Writer(corpus, rng)
    _spreadsheets(write)
    _mail(write)
    _documents(write)
    _disclosure(write)
    _decoys_and_hostile(write)
    return corpus


def _sheet_rows(write: _Writer, people: Sequence[Person]) -> list[list[Cell]]:
    rows: list[list[Cell]] = [["Name", "DOB", "Nickname", "Borough", "Notes"]]
    for person in people:
        nickname = person.nicknames[0] if person.nicknames else ""
        rows.append([write.name(person), write.day_cell(person), nickname, "Haringey", "seen"])
    return rows


def _spreadsheets(write: _Writer) -> None:
    people = write.pick(12)
    path = write.plant("borough/haringey_matrix.xlsx", people, informal=True)
    write_xlsx(path, {"Matrix": _sheet_rows(write, people)})
    people = write.pick(12)
    path = write.plant("borough/haringey_matrix.ods", people, informal=True)
    write_ods(path, {"Matrix": _sheet_rows(write, people)})


def _mail(write: _Writer) -> None:
    people = write.pick(10)
    lines = ["surname,forename,dob,pnc"]
    lines += [f'"{write.name(p)}",,{write.day(p)},{p.identifiers[0]}' for p in people]
    inner = zip_bytes([("extract/matrix_extract.csv", "\n".join(lines).encode())])
    message = eml_bytes(
        sender="analyst@example.police.uk",
        to="personal.mail@example.com",
        subject="FW: matrix extract",
        body="As discussed, the extract is attached. Please keep it to yourself.",
        attachments=[("extract.zip", inner)],
    )
    write.plant("mail/fw_matrix_extract.eml", people, informal=True).write_bytes(message)


def _documents(write: _Writer) -> None:
    people = write.pick(10)
    lines = ["Tottenham nominals (working copy)", "Name | Date of birth | Nickname"]
    for person in people:
        nickname = person.nicknames[0] if person.nicknames else "-"
        lines.append(f"{write.name(person)} | {write.day(person)} | {nickname}")
    write.plant("reports/nominals_table.pdf", people, informal=True).write_bytes(pdf_bytes(lines))
    with_dates = write.pick(6)
    nicknamed = [p for p in write.corpus.people if p.nicknames and p not in with_dates][:3]
    table = [["Name", "Born", "Notes"]]
    table += [[write.name(p), write.day(p), "at the meeting"] for p in with_dates]
    paragraphs = ["Briefing for the borough meeting."]
    paragraphs += [f"{p.given_name} {p.family_name}, known as {p.nicknames[0]}." for p in nicknamed]
    path = write.plant("reports/briefing.docx", [*with_dates, *nicknamed], informal=True)
    write_docx(path, paragraphs, table)
    erased = write.corpus.erased
    assert erased.date_of_birth is not None
    name = f"{erased.family_name.upper()}, {erased.given_name}"
    note = f"Still watching {name} ({erased.date_of_birth:%d/%m/%Y}).\n"
    write.plant("old/removed_but_kept.txt", [], erased=1).write_text(note)


def _disclosure(write: _Writer) -> None:
    people = write.pick(5)
    tags = [write.rng.randbytes(16).hex() for _ in people]
    rows = ["row_tag,name,date_of_birth,band"]
    rows += [f"{t},{write.name(p)},{write.day(p)},amber" for t, p in zip(tags, people, strict=True)]
    path = write.plant(
        "shared/disclosure_fragment.csv", people, informal=True, tags=frozenset(tags)
    )
    path.write_text("\n".join(rows) + "\n")


def _decoys_and_hostile(write: _Writer) -> None:
    root, rng = write.corpus.root, write.rng
    (root / "misc").mkdir(parents=True, exist_ok=True)
    rota = ["name,shift,date"]
    rota += [
        f"{rng.choice(GIVEN)} {rng.choice(FAMILY)},early,{rng.randint(1, 28):02d}/03/2025"
        for _ in range(40)
    ]
    (root / "misc/staff_rota.csv").write_text("\n".join(rota) + "\n")
    people = write.pick(6)
    prose = " ".join(f"{p.given_name} {p.family_name} thanked the team." for p in people)
    (root / "misc/newsletter.txt").write_text(f"Community newsletter, spring 2025. {prose}\n")
    write.corpus.decoys += ["misc/staff_rota.csv", "misc/newsletter.txt"]
    (root / "broken").mkdir(exist_ok=True)
    workbook = zip_bytes([("[Content_Types].xml", b"<Types"), ("xl/workbook.xml", b"\x00\x01")])
    (root / "broken/matrix_copy.xlsx").write_bytes(workbook[: len(workbook) // 2])
    (root / "archive").mkdir(exist_ok=True)
    (root / "archive/backup.zip").write_bytes(zip_bomb_bytes(32 << 20))
    write.corpus.hostile += ["broken/matrix_copy.xlsx", "archive/backup.zip"]
