"""Where a team project is: `postgresql://[user@]host[:port]/dbname?project=NAME[&sslmode=…]`.

The password never travels with the project's name: the address a user sees, a log line or the recent
list shows is `redacted`. libpq itself reads `PG*` variables and `~/.pgpass`; a password kept in the OS
keyring is offered when those give none.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from app.store.errors import ProjectError

log = logging.getLogger(__name__)

SCHEMES = ("postgresql", "postgres")
KEYRING_SERVICE = "LabelAssist PostgreSQL"
_PROJECT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


def is_team_location(location: object) -> bool:
    """Whether a location a user gave (command line, recent list) is a team project's URL."""
    return isinstance(location, str) and location.split("://", 1)[0].lower() in SCHEMES


@dataclass(frozen=True)
class TeamAddress:
    conninfo: str  # for libpq: the URL without `project` (and with the password if the user typed one)
    project: str
    redacted: str  # the URL with `project`, without the password: what is shown and remembered

    @classmethod
    def parse(cls, url: str) -> TeamAddress:
        parts = urlsplit(url)
        if parts.scheme.lower() not in SCHEMES:
            raise ProjectError(f"'{url}' is not a team project address (postgresql://host/db?project=NAME).")
        query = parse_qsl(parts.query, keep_blank_values=True)
        names = [v for k, v in query if k == "project"]
        if not names:
            raise ProjectError("The team project address names no project: add ?project=NAME.")
        project = names[-1]
        if not _PROJECT_NAME.match(project):
            raise ProjectError(
                f"'{project}' is not a team project name: use lowercase letters, digits and '_' "
                "(up to 48, starting with a letter)."
            )
        rest = [(k, v) for k, v in query if k != "project"]
        conninfo = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(rest), ""))
        netloc = parts.netloc.rsplit("@", 1)
        shown_netloc = netloc[-1] if len(netloc) == 1 else f"{netloc[0].split(':', 1)[0]}@{netloc[1]}"
        shown_query = urlencode([*rest, ("project", project)])
        redacted = urlunsplit((parts.scheme, shown_netloc, parts.path, shown_query, ""))
        return cls(conninfo=conninfo, project=project, redacted=redacted)

    @property
    def schema(self) -> str:
        """The PostgreSQL schema that holds this project's tables (several projects share a database)."""
        return f"la_{self.project}"

    @property
    def keyring_account(self) -> str:
        parts = urlsplit(self.redacted)
        return f"{parts.netloc}{parts.path}"

    def keyring_password(self) -> str | None:
        """The password kept in the OS keyring for this server and database, if there is one."""
        try:
            import keyring

            return keyring.get_password(KEYRING_SERVICE, self.keyring_account)
        except Exception as e:  # no usable keyring backend: libpq's own sources still apply
            log.info("no password from the keyring (%s)", type(e).__name__)
            return None

    def save_password(self, password: str) -> bool:
        """Keep a password in the OS keyring for the next time; False when there is no keyring."""
        try:
            import keyring

            keyring.set_password(KEYRING_SERVICE, self.keyring_account, password)
        except Exception as e:
            log.info("cannot keep the password in the keyring (%s)", type(e).__name__)
            return False
        return True
