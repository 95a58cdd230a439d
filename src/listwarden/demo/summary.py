"""Printing the demo summary: counts by BCU, category and band, where data is, how to sign in."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from listwarden.demo.generator import MATRIX, DemoSummary
from listwarden.settings import Settings


def print_accounts(console: Console, summary: DemoSummary, url: str) -> None:
    """The web address and a demo account per role: password and authenticator-app secret."""
    console.print(f"\n[bold]Web pages: {url}/[/bold] (the certificate is self-signed)")
    console.print(f"  Demo accounts, one per role (also in {summary.accounts_file}):")
    for role, account in summary.accounts.items():
        # Whole lines, never wrapped or cut: each is copied into a sign-in form.
        console.print(
            f"    {role:<17} account {account.account}  password {account.password}  "
            f"TOTP secret {account.totp_secret}",
            soft_wrap=True,
            highlight=False,
        )
    console.print(
        "  The second factor: add the TOTP secret to an authenticator app, or print the "
        "current code with 'listwarden demo-code ROLE' (same LISTWARDEN_HOME).",
        soft_wrap=True,
    )


def print_summary(summary: DemoSummary, settings: Settings) -> None:
    console = Console()
    matrix_total = summary.entries_by_list[MATRIX]
    console.print(f"[bold]listwarden demo[/bold] — synthetic data in {summary.home}")
    for name, count in summary.entries_by_list.items():
        console.print(f"  {name}: {count} entries")
    console.print(
        f"  Matrix: {summary.zero_score} scoring zero "
        f"({100 * summary.zero_score / max(matrix_total, 1):.0f}%), "
        f"{summary.under_16} under 16, {summary.under_18} under 18 "
        "(each with IAO approval and a safeguarding referral)"
    )
    table = Table(title="Matrix entries by BCU")
    table.add_column("BCU")
    table.add_column("entries", justify="right")
    for bcu, count in summary.by_bcu.items():
        table.add_row(bcu, str(count))
    console.print(table)
    bands = ", ".join(
        f"{band} {count} ({100 * count / max(matrix_total, 1):.0f}%)"
        for band, count in summary.by_band.items()
    )
    console.print(f"  Matrix bands: {bands}")
    console.print(
        "  Categories (all lists): " + ", ".join(f"{c} {n}" for c, n in summary.by_category.items())
    )
    if summary.findings:
        console.print("  [bold]Top compliance findings[/bold] (the notice replayed):")
        for f in summary.findings:
            console.print(f"    {f.severity:<8} {f.check}: {f.count} found. {f.title}")
        console.print(f"  Compliance report: {summary.compliance_report}")
    console.print(f"  Database: {settings.resolved_database_url}")
    console.print(f"  Key store (kept apart): {settings.resolved_keystore_url}")
    console.print(f"  Demo API tokens, one per role: {summary.tokens_file}")
    url = f"https://{settings.host}:{settings.port}"
    print_accounts(console, summary, url)
    console.print(f"  API: {url}/api/v1 (OpenAPI at {url}/api/v1/openapi.json)")
    console.print(
        '  Try: curl -k -H "Authorization: Bearer $(jq -r .officer '
        f'{summary.tokens_file})" {url}/api/v1/lists'
    )
