"""One OpenLDAP server for all directory tests (seeded once; tests only read it), and a
fresh data directory per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailkeep.directory import config as directory_config
from mailkeep.directory.config import DirectoryConfig
from mailkeep.runtime import Runtime
from tests import slapdserver

READER_DN = "cn=reader,ou=system,dc=example,dc=com"
READER_PASSWORD = "reader secret"
PEOPLE = "ou=people,dc=example,dc=com"
AD_BASE = "ou=ad,dc=example,dc=com"
STAFF = "cn=Staff,ou=ad,dc=example,dc=com"


@pytest.fixture(scope="session")
def slapd() -> Iterator[slapdserver.Slapd]:
    if not slapdserver.available():
        pytest.skip("slapd/ldap-utils not installed (scripts/setup.sh --test installs them)")
    server = slapdserver.start()
    yield server
    server.stop()


@pytest.fixture
def ldap_config(slapd: slapdserver.Slapd) -> DirectoryConfig:
    """Generic LDAP over the people subtree, plain LDAP, bound as the reader account."""
    return DirectoryConfig(
        type="ldap",
        host="127.0.0.1",
        port=slapd.port,
        bind_dn=READER_DN,
        bind_password=READER_PASSWORD,
        base_dn=PEOPLE,
        timeout_seconds=3,
    )


@pytest.fixture
def ad_config(ldap_config: DirectoryConfig) -> DirectoryConfig:
    """The Active Directory preset over the AD-like subtree."""
    return directory_config.updated(ldap_config, type="ad", base_dn=AD_BASE)


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    with Runtime.init(tmp_path / "data") as runtime:
        runtime.users.create("admin", privileges=("admin", "login"), password="admin pw 1")
        yield runtime


def configure(runtime: Runtime, config: DirectoryConfig, **changes: Any) -> DirectoryConfig:
    """Store ``config`` with ``changes`` as the runtime's directory configuration."""
    return directory_config.save(runtime, directory_config.updated(config, **changes))


def names(runtime: Runtime) -> set[str]:
    return {u.name for u in runtime.users.list()}
