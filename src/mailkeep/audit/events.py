"""The catalogue of named events.

Every event mailkeep records (audit log, structured logs, later metrics) has a name from this
catalogue, so that administrators can filter on stable names and a test can check that each
is documented. Later features (compliance, directory sync, jobs) extend the catalogue here.
"""

from __future__ import annotations

from types import MappingProxyType

_EVENTS = {
    "login.succeeded": "A user logged on (web, API or IMAP).",
    "login.failed": "A logon was refused: wrong password, unknown user, no login privilege, "
    "or the default admin password from a remote address.",
    "login.throttled": "A logon was refused because of too many recent failures.",
    "logout": "A user logged off.",
    "user.created": "A user was created.",
    "user.updated": "A user's full name, email addresses or other properties changed.",
    "user.renamed": "A user was renamed (the user archive keeps its name).",
    "user.deleted": "A user was deleted (the user archive is kept and its name reserved).",
    "user.archive_attached": "An administrator made a kept user archive a user's own archive "
    "(the user's previous archive is kept).",
    "user.password_changed": "A user's password was set or changed.",
    "user.privileges_changed": "A user's global privileges changed.",
    "user.login_privileges_changed": "The interfaces a user may log on through changed.",
    "archive.access_changed": "A user's privileges on a user archive changed.",
    "message.viewed": "A user opened an archived message.",
    "message.downloaded": "A user downloaded an archived message or one of its attachments.",
    "messages.uploaded": "A user uploaded files into a user archive.",
    "store.created": "An archive store was created.",
    "store.renamed": "An archive store was renamed.",
    "store.state_changed": "An archive store's requested state changed.",
    "store.verified": "An archive store was verified.",
    "store.creation_failed": "A new current archive store could not be created at rollover.",
    "store.index_rebuilt": "An archive store's search index was rebuilt.",
    "store.attached": "An archive store was attached.",
    "store.detached": "An archive store was detached (its files are kept).",
    "store.relocated": "An archive store's parts were registered at new locations.",
    "store.compacted": "An archive store was compacted.",
    "store.catalogs_maintained": "The SQLite catalogs of the archive stores were checked and "
    "compacted.",
    "master.compacted": "The master database was compacted.",
    "folder.moved": "An archive folder was moved or renamed within its user archive.",
    "api.called": "An administration API command was called (from the API or the management "
    "shell), with its outcome; argument names only, never values.",
    "api.cancelled": "Cancellation of a long-running API command was requested.",
    "settings.changed": "A setting was changed.",
    "certificate.created": "A new self-signed TLS certificate was generated.",
    "profile.created": "An archiving profile was created.",
    "profile.updated": "An archiving profile's settings, credentials or schedule were changed.",
    "profile.deleted": "An archiving profile was deleted (archived mail stays).",
    "profile.run": "An archiving profile was started by hand.",
    "profile.cancelled": "A running archiving job was asked to stop.",
    "directory.configured": "The directory service configuration changed.",
    "directory.synced": "Users were synchronised with the directory service (names created, "
    "updated and deleted).",
    "directory.sync_failed": "A directory sync failed before changing any user.",
    "quarantine.kept": "A pushed message that could not be archived was kept in the quarantine "
    "(with the step and reason).",
    "quarantine.retried": "Quarantined messages were run through ingest again (counts).",
    "quarantine.discarded": "A quarantined message was deleted without being archived.",
}

EVENTS: MappingProxyType[str, str] = MappingProxyType(_EVENTS)


def check_event(name: str) -> str:
    """``name`` if it is in the catalogue; a ValueError otherwise (a programming error)."""
    if name not in EVENTS:
        raise ValueError(f"event {name!r} is not in the catalogue (mailkeep.audit.events)")
    return name
