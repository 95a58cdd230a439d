"""The agreement register and the disclosure wizard: refused with every reason, or sealed."""

from __future__ import annotations

import io
import zipfile

from playwright.sync_api import expect
from pyrage import decrypt, x25519
from sqlalchemy import select

from listwarden.demo.generator import MATRIX
from listwarden.demo.sharing import AGREEMENT, IDENTITY_FILE, RECIPIENT
from listwarden.store.tables import Entry
from tests.browser.conftest import Demo, Visit


def _entry(demo: Demo, band: str) -> str:
    with demo.register.uow.read_only() as session:
        return (
            session.scalars(
                select(Entry.id)
                .where(
                    Entry.list_id == demo.summary.lists[MATRIX],
                    Entry.bcu == "CE",
                    Entry.band == band,
                    Entry.child_at_entry.is_(False),
                )
                .order_by(Entry.id)
            ).first()
            or ""
        )


def test_a_disclosure_is_refused_with_every_reason_then_sealed_for_the_recipient(
    visit: Visit, demo: Demo
) -> None:
    page = visit.page
    visit.sign_in("analyst")
    page.goto("/sharing")
    expect(page.get_by_test_id("agreements")).to_contain_text(AGREEMENT)
    expect(page.get_by_test_id("recipients")).to_contain_text(RECIPIENT)
    visit.check("sharing-register")
    red, green = _entry(demo, "red"), _entry(demo, "green")

    def ask(entries: str) -> None:
        page.goto("/disclosures/new")
        page.get_by_label("Recipient").select_option(label=RECIPIENT)
        page.get_by_label("Agreement").select_option(label=AGREEMENT)
        page.get_by_label("Gang violence reduction").check()
        page.get_by_label("Entries").fill(entries)
        for field in ("Entry id", "Given name", "Family name", "Band", "Address"):
            page.get_by_label(field, exact=True).check()
        page.get_by_label("Why is this disclosure necessary?").fill(
            "Joint review of youth violence cases with the youth justice service"
        )

    ask(f"{red}: open youth justice case on this person\n{green}")
    visit.check("disclosure-form")
    page.get_by_role("button", name="Request the disclosure").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The disclosure is refused")
    reasons = page.get_by_test_id("refusal-reasons").locator("li")
    assert reasons.count() >= 2  # the green entry's band, and its missing necessity
    expect(page.get_by_test_id("refusal-reasons")).to_contain_text(green)
    visit.check("disclosure-refused")
    assert demo.events("entry:disclose", entry_id=red) == []

    ask(f"{red}: open youth justice case on this person")
    with page.expect_download() as download:
        page.get_by_role("button", name="Request the disclosure").click()
    sealed = download.value.path().read_bytes()
    identity = x25519.Identity.from_str((demo.settings.home / IDENTITY_FILE).read_text().strip())
    package = zipfile.ZipFile(io.BytesIO(decrypt(sealed, [identity])))
    content = b"".join(package.read(name) for name in package.namelist()).decode()
    assert red in content
    # The agreement does not allow the address: it was removed, not sent.
    assert "address" not in package.read("disclosure.csv").decode().splitlines()[0]
    assert len(demo.events("entry:disclose", entry_id=red)) == 1
