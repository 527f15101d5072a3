"""Remember-me: the session token lives in the OS keyring, one entry per database.

Headless Linux often has no keyring backend at all; then ``available`` is False and the login
dialog says remember-me is off instead of failing.
"""

from __future__ import annotations

import logging

import keyring
from keyring.errors import KeyringError

log = logging.getLogger(__name__)

SERVICE = "VideoLab"


class TokenStore:
    def __init__(self, database_key: str) -> None:
        self.key = database_key
        self.available = self._probe()

    @staticmethod
    def _probe() -> bool:
        try:
            backend = keyring.get_keyring()
            if backend.priority <= 0:  # fail.Keyring and null backends
                return False
            keyring.get_password(SERVICE, "__probe__")
        except (KeyringError, RuntimeError) as exc:
            log.info("no usable keyring: %s", exc)
            return False
        except Exception as exc:  # a broken backend must not stop the app
            log.warning("keyring failed: %s", exc)
            return False
        return True

    def load(self) -> str | None:
        if not self.available:
            return None
        try:
            return keyring.get_password(SERVICE, self.key)
        except Exception as exc:
            log.warning("could not read the saved session: %s", exc)
            return None

    def save(self, token: str) -> bool:
        if not self.available:
            return False
        try:
            keyring.set_password(SERVICE, self.key, token)
        except Exception as exc:
            log.warning("could not save the session: %s", exc)
            return False
        return True

    def clear(self) -> None:
        if not self.available:
            return
        try:
            keyring.delete_password(SERVICE, self.key)
        except Exception:  # nothing saved, or the keyring went away: nothing to forget
            pass
