"""Arguments as they arrive over the wire, and the registry's description of commands."""

from __future__ import annotations

from datetime import datetime

import pytest

from mailkeep.access.api.commands import MODULES, load_commands
from mailkeep.access.api.registry import ApiArgumentError, Arg, Command, CommandRegistry
from mailkeep.access.cli.api import parse_arguments


@pytest.mark.parametrize(
    ("arg", "text", "value"),
    [
        (Arg("a", "bool"), "true", True),
        (Arg("a", "bool"), "False", False),
        (Arg("a", "number"), "42", 42),
        (Arg("a", "json"), '{"x": [1]}', {"x": [1]}),
        (Arg("a", "datetime"), "2013-01-01T00:00:00", datetime(2013, 1, 1)),
        # PowerShell's Out-String appends CRLF: stripped before parsing, as MailStore does.
        (Arg("a", "datetime"), "2013-01-01T00:00:00\r\n", datetime(2013, 1, 1)),
        (Arg("a", "number"), " 42\r\n", 42),
        (Arg("a", "bool"), "true\r\n", True),
        (Arg("a"), " johndoe\r\n", "johndoe"),
        (Arg("a", verbatim=True), " a password ", " a password "),
    ],
)
def test_wire_values_become_typed(arg: Arg, text: str, value: object) -> None:
    assert arg.parse(text) == value


@pytest.mark.parametrize(("kind", "text"), [("bool", "maybe"), ("number", "1.5"), ("json", "{")])
def test_malformed_values_name_the_argument(kind: str, text: str) -> None:
    with pytest.raises(ApiArgumentError, match=f"API argument a must be a {kind}"):
        Arg("a", kind).parse(text)


def test_missing_unknown_and_case_insensitive_arguments() -> None:
    command = Command("C", "", (Arg("userName"), Arg("x", nullable=True)), lambda _call: None)
    assert command.parse({"USERNAME": "bob"}) == {"userName": "bob"}
    with pytest.raises(ApiArgumentError, match=r"^Missing API argument userName\.$"):
        command.parse({"x": "1"})
    with pytest.raises(ApiArgumentError, match="Unknown API argument y"):
        command.parse({"userName": "bob", "y": "1"})


def test_registry_refuses_duplicates_and_finds_names_in_any_case() -> None:
    registry = CommandRegistry()
    registry.command("GetThing", "")(lambda _call: 1)
    with pytest.raises(ValueError, match="twice"):
        registry.command("getthing", "")(lambda _call: 2)
    found = registry.find("GETTHING")
    assert found is not None and found.name == "GetThing"


def test_every_command_has_a_summary_and_wire_types() -> None:
    registry = load_commands()
    assert len(MODULES) >= 7 and len(registry) >= 40
    for command in registry:
        assert command.summary.endswith(".") or command.summary.endswith(")"), command.name
        assert all(a.type in ("string", "number", "bool", "json", "datetime") for a in command.args)


@pytest.mark.parametrize(
    ("words", "given"),
    [
        (["--id=1"], {"id": "1"}),
        (["--id", "1", "--includeIndexes"], {"id": "1", "includeIndexes": "true"}),
        (
            ["--fromFolder=johndoe/Outlook", "--toFolder=johndoe/Microsoft Outlook"],
            {"fromFolder": "johndoe/Outlook", "toFolder": "johndoe/Microsoft Outlook"},
        ),
        (["--fullName="], {"fullName": ""}),
    ],
)
def test_management_shell_arguments(words: list[str], given: dict[str, str]) -> None:
    assert parse_arguments(words) == given
