"""The settings schema refuses values it does not know, with the allowed ones named."""

from __future__ import annotations

import pytest

from mailkeep.errors import InvalidInputError
from mailkeep.settings import SETTINGS, setting


def test_a_misspelt_choice_is_refused_naming_the_allowed_values() -> None:
    with pytest.raises(InvalidInputError, match=r"'starttsl'; allowed: none, starttls, tls"):
        setting("notify.smtp_security").parse("starttsl")
    assert setting("notify.smtp_security").parse("starttls") == "starttls"


def test_each_item_of_a_list_setting_is_checked() -> None:
    kinds = setting("index.attachment_kinds")
    assert kinds.parse("pdf, docx") == ["pdf", "docx"]
    with pytest.raises(InvalidInputError, match="'exe'"):
        kinds.parse("pdf,exe")


def test_an_empty_choice_is_allowed_only_where_listed() -> None:
    assert setting("directory.type").parse("") == ""
    with pytest.raises(InvalidInputError, match="allowed: '', ldap"):
        setting("directory.type").parse("openldap")


def test_every_default_is_one_of_its_choices() -> None:
    for item in SETTINGS.values():
        if item.choices:
            values = item.default if isinstance(item.default, list) else [item.default]
            assert set(values) <= set(item.choices), item.name
