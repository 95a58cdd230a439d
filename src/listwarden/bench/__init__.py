"""bench layer: ``listwarden bench`` and its suites.

The suite names live here, apart from the suites, so that the CLI's help can list them without
importing every benchmark.
"""

SUITE_NAMES = (
    "core",
    "access",
    "auditlog",
    "crypto",
    "sharing",
    "reports",
    "retention",
    "dlp",
    "import",
    "sar",
)
