"""Law 9: protected characteristics are held for equality monitoring only, never for decisions.

The officer-assigned identity code and the person's self-defined ethnicity are kept apart from
the entry, in a monitoring record under the equality key. Nothing in scoring, search or
disclosure reads them; "unknown" and "not stated" are values that are counted, not dropped.
"""

from __future__ import annotations

from enum import StrEnum

from listwarden.domain.errors import InvalidInput, Reason


class IdentityCode(StrEnum):
    """The officer-assigned identity codes (IC codes) used by police forces in England."""

    IC1 = "IC1"  # White - North European
    IC2 = "IC2"  # White - South European
    IC3 = "IC3"  # Black
    IC4 = "IC4"  # Asian
    IC5 = "IC5"  # Chinese, Japanese or other South East Asian
    IC6 = "IC6"  # Arabic or North African
    IC9 = "IC9"  # Unknown


class SelfDefinedEthnicity(StrEnum):
    """The census 2011 ethnic groups (18 categories), plus "not stated"."""

    WHITE_BRITISH = "white_british"
    WHITE_IRISH = "white_irish"
    WHITE_GYPSY_TRAVELLER = "white_gypsy_traveller"
    WHITE_OTHER = "white_other"
    MIXED_WHITE_BLACK_CARIBBEAN = "mixed_white_black_caribbean"
    MIXED_WHITE_BLACK_AFRICAN = "mixed_white_black_african"
    MIXED_WHITE_ASIAN = "mixed_white_asian"
    MIXED_OTHER = "mixed_other"
    ASIAN_INDIAN = "asian_indian"
    ASIAN_PAKISTANI = "asian_pakistani"
    ASIAN_BANGLADESHI = "asian_bangladeshi"
    ASIAN_CHINESE = "asian_chinese"
    ASIAN_OTHER = "asian_other"
    BLACK_AFRICAN = "black_african"
    BLACK_CARIBBEAN = "black_caribbean"
    BLACK_OTHER = "black_other"
    OTHER_ARAB = "other_arab"
    OTHER_ANY = "other_any"
    NOT_STATED = "not_stated"


def parse_identity_code(value: str | None) -> IdentityCode:
    """An absent code is recorded as IC9 (unknown), so that it is counted."""
    if value is None or not value.strip():
        return IdentityCode.IC9
    try:
        return IdentityCode(value.strip().upper())
    except ValueError:
        raise InvalidInput(
            "invalid identity code",
            reasons=[
                Reason(
                    "invalid-identity-code", f"one of: {', '.join(IdentityCode)}", "identity_code"
                )
            ],
        ) from None


def parse_self_defined(value: str | None) -> SelfDefinedEthnicity:
    if value is None or not value.strip():
        return SelfDefinedEthnicity.NOT_STATED
    try:
        return SelfDefinedEthnicity(value.strip())
    except ValueError:
        raise InvalidInput(
            "invalid self-defined ethnicity",
            reasons=[
                Reason(
                    "invalid-self-defined-ethnicity",
                    f"one of: {', '.join(SelfDefinedEthnicity)}",
                    "self_defined_ethnicity",
                )
            ],
        ) from None
