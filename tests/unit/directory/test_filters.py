"""RFC 4515 filter validation: a table of filters that are and are not well-formed."""

from __future__ import annotations

import pytest

from mailkeep.directory.filters import check_filter
from mailkeep.errors import InvalidInputError

GOOD = [
    "(uid=alice)",
    "(objectClass=*)",
    "(&(objectClass=posixAccount)(mail=*))",
    "(|(cn=Ali*)(cn=*ce)(cn=A*l*e))",
    "(!(userAccountControl:1.2.840.113556.1.4.803:=2))",
    "(memberOf:1.2.840.113556.1.4.1941:=cn=Staff,dc=example,dc=com)",
    "(cn:dn:2.4.6.8.10:=Dino)",
    "(:1.2.3:=value)",
    "(o=Parens R Us \\28for all your parenthetical needs\\29)",
    "(sn~=smith)",
    "(uidNumber>=1000)",
    "(cn;lang-en=x)",
    "(&)",
]
BAD = [
    "",
    "uid=alice",
    "(uid=alice",
    "(uid=alice))",
    "((uid=alice))",
    "(=alice)",
    "(uid alice)",
    "(uid>=al*)",
    "(uid=a\\zz)",
    "(uid=a(b)",
    "(&(uid=a)x)",
]


@pytest.mark.parametrize("text", GOOD)
def test_well_formed_filters_pass(text: str) -> None:
    assert check_filter(text) == text


@pytest.mark.parametrize("text", BAD)
def test_malformed_filters_are_refused_with_a_position(text: str) -> None:
    with pytest.raises(InvalidInputError, match="LDAP filter"):
        check_filter(text)
