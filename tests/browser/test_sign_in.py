"""Signing in with a password and a second factor, CSRF on forms, and signing out."""

from __future__ import annotations

import pyotp
from playwright.sync_api import expect

from listwarden.demo.generator import MATRIX
from tests.browser.conftest import Demo, Visit


def test_sign_in_needs_the_second_factor_then_signs_out(visit: Visit, demo: Demo) -> None:
    page = visit.page
    page.goto("/lists")
    expect(page).to_have_url(f"{demo.base_url}/sign-in")
    visit.check("sign-in")
    account = demo.summary.accounts["data_board"]
    wrong = f"{(int(pyotp.TOTP(account.totp_secret).now()) + 1) % 1_000_000:06d}"
    visit.fill_sign_in("data_board", code=wrong)
    expect(page.get_by_role("alert")).to_contain_text("The account, password or code is wrong")
    # The password is never sent back to the browser.
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    expect(page.get_by_label("Account reference")).to_have_value(account.account)
    visit.check("sign-in-refused")
    assert not demo.events("session:open", actor_id=account.account, outcome="done")
    visit.fill_sign_in("data_board")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    cookie = next(c for c in page.context.cookies() if c["name"].startswith("__Host-"))
    assert (cookie["secure"], cookie["httpOnly"], cookie["sameSite"]) == (True, True, "Strict")
    assert len(demo.events("session:open", actor_id=account.account, outcome="done")) == 1
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    page.goto("/lists")
    expect(page).to_have_url(f"{demo.base_url}/sign-in")


def test_a_form_posted_without_its_csrf_token_is_refused(visit: Visit, demo: Demo) -> None:
    visit.sign_in("officer")
    officer = demo.user_id("officer")
    list_id = demo.summary.lists[MATRIX]
    before = len(demo.events("entry:consult", list_id=list_id, actor_id=officer))
    response = visit.page.request.post(
        f"/lists/{list_id}/search",
        form={"purpose": "gang_violence_reduction", "justification": "a forged request here"},
    )
    assert response.status == 403
    assert "You cannot do this" in response.text()
    assert "CSRF" in response.text()
    assert len(demo.events("entry:consult", list_id=list_id, actor_id=officer)) == before
