"""Reference data: the Metropolitan Police's twelve Basic Command Units and their 32 boroughs."""

from __future__ import annotations

from types import MappingProxyType

from listwarden.domain.errors import InvalidInput, Reason

BOROUGHS_BY_BCU: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "CE": ("Hackney", "Tower Hamlets"),
        "CN": ("Camden", "Islington"),
        "AS": ("Lambeth", "Southwark"),
        "AW": ("Hammersmith and Fulham", "Kensington and Chelsea", "Westminster"),
        "EA": ("Barking and Dagenham", "Havering", "Redbridge"),
        "NA": ("Enfield", "Haringey"),
        "NE": ("Newham", "Waltham Forest"),
        "NW": ("Barnet", "Brent", "Harrow"),
        "SN": ("Bromley", "Croydon", "Sutton"),
        "SE": ("Bexley", "Greenwich", "Lewisham"),
        "SW": ("Kingston upon Thames", "Merton", "Richmond upon Thames", "Wandsworth"),
        "WA": ("Ealing", "Hillingdon", "Hounslow"),
    }
)

BCU_NAMES: MappingProxyType[str, str] = MappingProxyType(
    {
        "CE": "Central East",
        "CN": "Central North",
        "AS": "Central South",
        "AW": "Central West",
        "EA": "East Area",
        "NA": "North Area",
        "NE": "North East",
        "NW": "North West",
        "SN": "South Area",
        "SE": "South East",
        "SW": "South West",
        "WA": "West Area",
    }
)

BCU_OF_BOROUGH: MappingProxyType[str, str] = MappingProxyType(
    {borough: bcu for bcu, boroughs in BOROUGHS_BY_BCU.items() for borough in boroughs}
)


def require_bcu(code: str, *, field: str = "bcu") -> str:
    """Return ``code`` if it names a BCU; refuse it otherwise."""
    if code not in BOROUGHS_BY_BCU:
        raise InvalidInput(
            f"unknown BCU {code!r}",
            reasons=[
                Reason("unknown-bcu", f"BCU must be one of: {', '.join(BOROUGHS_BY_BCU)}", field)
            ],
        )
    return code
