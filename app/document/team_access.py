"""Reaching a team project before it is open: its address as it may be shown and remembered, and the
password a server asks for. Widgets use these rather than the store's TeamAddress (they import no store).

A password is typed when the server asks for it, never as part of an address: what is remembered (the
recent list, the image folders) is the address without it, and a password the user wants kept goes to the
OS keyring, where the store looks for it next time.
"""

from __future__ import annotations

import getpass
from urllib.parse import quote, urlsplit, urlunsplit

from app.store.team.address import TeamAddress

# What libpq says when the server wants a password it was not given, or refused the one it got.
_PASSWORD_WANTED = ("no password supplied", "password authentication failed")


def shown_team_location(url: str) -> str:
    """The address without its password (raises ProjectError, with a message, if it is not one)."""
    return TeamAddress.parse(url).redacted


def has_password(url: str) -> bool:
    try:
        return bool(urlsplit(url).password)
    except ValueError:
        return False


def needs_password(message: str) -> bool:
    """Whether an open failed because the server wants a (different) password."""
    text = message.lower()
    return any(words in text for words in _PASSWORD_WANTED)


def with_password(url: str, password: str) -> str:
    """The address with `password` for this connection only. The user name is spelled out (libpq's
    default, the login name, when the address names none) so that the address shown keeps a name."""
    parts = urlsplit(url)
    user_part, _, host_part = parts.netloc.rpartition("@")
    user = user_part.split(":", 1)[0]
    if not user:
        try:
            user = quote(getpass.getuser(), safe="")
        except (OSError, KeyError):  # no login name to be had: libpq decides
            user = ""
    netloc = f"{user}:{quote(password, safe='')}@{host_part}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def remember_team_password(url: str, password: str) -> bool:
    """Keep the password in the OS keyring for this server and database; False when there is no keyring."""
    return TeamAddress.parse(url).save_password(password)
