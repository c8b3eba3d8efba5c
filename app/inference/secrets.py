"""Deployment tokens live in the OS keyring, never in the project file, settings or logs.

Where no keyring is available (a bare Linux box without a Secret Service), a token is kept in memory for
this session only and the user is told so.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)
SERVICE = "LabelAssist"

_session_only: dict[str, str] = {}
_known: dict[str, str | None] = {}  # read from the keyring once: it may be slow (D-Bus) or ask to unlock
_lock = threading.Lock()


def _account(url: str, name: str) -> str:
    return f"{name} @ {url}"


def save_token(url: str, name: str, token: str) -> str:
    """Store the token; returns '' or a note for the user when it could only be kept for this session."""
    import keyring
    from keyring.errors import KeyringError

    account = _account(url, name)
    try:
        keyring.set_password(SERVICE, account, token)
    except (KeyringError, RuntimeError) as e:
        log.warning("no usable keyring (%s); keeping the token for this session only", type(e).__name__)
        with _lock:
            _session_only[account] = token
        return "No system keyring is available: the token is kept only until LabelAssist closes."
    with _lock:
        _session_only.pop(account, None)
        _known[account] = token
    return ""


def load_token(url: str, name: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    account = _account(url, name)
    with _lock:
        if account in _session_only:
            return _session_only[account]
        if account in _known:
            return _known[account]
    try:
        token = keyring.get_password(SERVICE, account)
    except (KeyringError, RuntimeError):
        return None
    with _lock:
        _known[account] = token
    return token


def delete_token(url: str, name: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    account = _account(url, name)
    with _lock:
        _session_only.pop(account, None)
        _known.pop(account, None)
    try:
        keyring.delete_password(SERVICE, account)
    except (KeyringError, RuntimeError):
        pass
