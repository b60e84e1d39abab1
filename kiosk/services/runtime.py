"""Settings staff may change at run time (idle timeout, default language, high contrast,
the venue's payment method, the guest price, the desk's parking alert time), persisted next to the journal and applied without a restart.

Its own module: the kiosk reads them before its first frame (start-up time), without the
rest of the attendant desk's services.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.i18n import LANGUAGES, Translator

log = logging.getLogger(__name__)
_ = Translator("attendant")



class RuntimeSettingError(ValueError):
    """A value staff entered is not acceptable; ``str()`` is a translated message."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(message)


def _check_idle(v: Any) -> int:
    try:
        n = int(v)
    except (TypeError, ValueError):
        raise RuntimeSettingError("idle_timeout_s", _("The idle timeout must be a whole number of seconds.")) from None
    if not 15 <= n <= 3600:
        raise RuntimeSettingError("idle_timeout_s",
                                  _("The idle timeout must be between {lo} and {hi} seconds.", lo=15, hi=3600))
    return n


def _check_lang(v: Any) -> str:
    if v not in LANGUAGES:
        raise RuntimeSettingError("default_language", _("Choose one of the offered languages."))
    return str(v)


def _check_pm(v: Any) -> str | None:
    if v is None or v == "":
        return None
    return str(v)


def _check_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if v in (0, 1):
        return bool(v)
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    raise RuntimeSettingError("high_contrast", _("Choose on or off."))


def _check_price(v: Any) -> dict | None:
    """The guest price policy staff set (a dict of kiosk.core.pricing.PricePolicy fields);
    None: the configuration file's. The pricing module loads only when staff set one."""
    if v is None or v == {}:
        return None
    if not isinstance(v, dict):
        raise RuntimeSettingError("guest_price", _("The price settings are not valid."))
    from kiosk.core.pricing import PolicyError, PricePolicy

    try:
        return PricePolicy.from_dict(v).to_dict()
    except (PolicyError, TypeError) as exc:
        field = getattr(exc, "field", "")
        raise RuntimeSettingError("guest_price", _("The price setting {field} is not valid.", field=field)) from None


def _check_unknown(v: Any) -> bool:
    try:
        return _check_bool(v)
    except RuntimeSettingError:
        raise RuntimeSettingError("price_unknown_start", _("Choose on or off.")) from None


def _check_parking(v: Any) -> int:
    try:
        n = int(v)
    except (TypeError, ValueError):
        raise RuntimeSettingError("desk_parking_alert_min", _("The parking alert time must be a whole number of "
                                                              "minutes.")) from None
    if not 1 <= n <= 1440:
        raise RuntimeSettingError("desk_parking_alert_min",
                                  _("The parking alert time must be between {lo} and {hi} minutes.", lo=1, hi=1440))
    return n


class RuntimeSettings:
    """Settings staff may change at run time, applied without a restart.

    The configuration file gives the defaults; values staff chose are kept in a small JSON
    file in the data dir (``runtime-settings.json``) and win over the configuration file
    until reset. Listeners (the UI shell, the venue service) subscribe and get a dict of the
    changed values; they are called on the thread that called :meth:`update` (the UI's
    event loop thread).
    """

    FIELDS: dict[str, Callable[[Any], Any]] = {
        "idle_timeout_s": _check_idle,
        "default_language": _check_lang,
        "payment_method_id": _check_pm,
        "high_contrast": _check_bool,
        # hotel billing: the guest price policy and whether Start is allowed while it is unknown
        "guest_price": _check_price,
        "price_unknown_start": _check_unknown,
        # the desk: minutes in PARKING before an alert
        "desk_parking_alert_min": _check_parking,
    }
    FILE_NAME = "runtime-settings.json"
    #: On a venue's shared journal these are the venue's (journal ``kv 'setting:<name>'``,
    #: announced to every screen); the others stay per screen (this file). The attendant PIN
    #: and the guess limits are in the journal anyway (shared); camera, panel and screen
    #: name are configuration of each screen.
    SHARED = frozenset({"payment_method_id", "guest_price", "price_unknown_start", "default_language"})

    def __init__(self, path: Path | str, defaults: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self._defaults = {"idle_timeout_s": 60, "default_language": "en", "payment_method_id": None,
                          "high_contrast": False, "guest_price": None, "price_unknown_start": True,
                          "desk_parking_alert_min": 45}
        for k, v in (defaults or {}).items():
            if k in self.FIELDS:
                self._defaults[k] = v
        self._overrides: dict[str, Any] = {}
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._lock = threading.Lock()
        self._shared: Any = None
        self._load()

    # -- the venue's shared settings ----------------------------------------------------
    def share(self, store: Any) -> None:
        """Keep :attr:`SHARED` in ``store`` (``get_all()``, ``put(name, value | None)``:
        :class:`JournalSettings`) from now on; they are read from it at once."""
        self._shared = store
        self.reload_shared()

    def reload_shared(self) -> dict[str, Any]:
        """Read the venue's shared settings again (another screen changed one); listeners
        hear what changed here."""
        if self._shared is None:
            return {}
        try:
            values = self._shared.get_all()
        except Exception as exc:  # noqa: BLE001 - the database away: keep what we have
            log.warning("venue settings not read: %s", exc)
            return {}
        before = self.as_dict()
        with self._lock:
            new = {k: v for k, v in self._overrides.items() if k not in self.SHARED}
            for k, v in values.items():
                if k in self.SHARED:
                    try:
                        new[k] = self.FIELDS[k](v)
                    except RuntimeSettingError:
                        log.warning("ignoring invalid venue setting %s", k)
            self._overrides = new
        changed = {k: v for k, v in self.as_dict().items() if before[k] != v}
        self._tell(changed)
        return changed

    def _tell(self, changed: dict[str, Any]) -> None:
        for cb in list(self._listeners) if changed else []:
            try:
                cb(dict(changed))
            except Exception:  # a broken listener must not undo a saved setting
                log.exception("runtime settings listener failed")

    @classmethod
    def from_settings(cls, settings: Any) -> RuntimeSettings:
        """Defaults from :class:`kiosk.config.Settings`, file in ``settings.data_dir``."""
        defaults = {name: getattr(settings, name) for name in cls.FIELDS if hasattr(settings, name)}
        return cls(Path(settings.data_dir) / cls.FILE_NAME, defaults)

    # -- reading ----------------------------------------------------------------------
    def _load(self) -> None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("runtime settings file unreadable, using the configuration: %s", exc)
            return
        if not isinstance(raw, dict):
            return
        for k, v in raw.items():
            if k in self.FIELDS:
                try:
                    self._overrides[k] = self.FIELDS[k](v)
                except RuntimeSettingError:
                    log.warning("ignoring invalid runtime setting %s", k)

    def get(self, name: str) -> Any:
        if name not in self.FIELDS:
            raise KeyError(name)
        return self._overrides.get(name, self._defaults[name])

    def __getattr__(self, name: str) -> Any:
        if name in RuntimeSettings.FIELDS:
            return self.get(name)
        raise AttributeError(name)

    def as_dict(self) -> dict[str, Any]:
        return {k: self.get(k) for k in self.FIELDS}

    def is_overridden(self, name: str) -> bool:
        return name in self._overrides

    # -- writing ----------------------------------------------------------------------
    def subscribe(self, cb: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        """Call ``cb(changed_values)`` after each change. Returns an unsubscribe function."""
        self._listeners.append(cb)
        return lambda: self._listeners.remove(cb) if cb in self._listeners else None

    def update(self, **changes: Any) -> dict[str, Any]:
        """Validate, persist and apply; returns the values that actually changed.

        Raises :class:`RuntimeSettingError` (nothing is changed) on a bad value.
        """
        checked = {}
        for k, v in changes.items():
            if k not in self.FIELDS:
                raise KeyError(k)
            checked[k] = self.FIELDS[k](v)
        changed = {k: v for k, v in checked.items() if self.get(k) != v}
        if not changed:
            return {}
        with self._lock:
            new = dict(self._overrides)
            new.update(changed)
            self._save(new, changed)
            self._overrides = new
        self._tell(changed)
        return changed

    def _save(self, values: dict[str, Any], changed: dict[str, Any], *, reset: bool = False) -> None:
        """The venue's settings to the shared store (first: nothing is half-saved if it is
        away), this screen's to the file."""
        if self._shared is not None:
            for k in self.SHARED:
                if k in changed or reset:
                    self._shared.put(k, values.get(k))
            values = {k: v for k, v in values.items() if k not in self.SHARED}
        self._write(values)

    def reset(self) -> dict[str, Any]:
        """Forget staff choices: back to the configuration file's values."""
        before = self.as_dict()
        with self._lock:
            self._save({}, {}, reset=True)
            self._overrides = {}
        changed = {k: v for k, v in self.as_dict().items() if before[k] != v}
        self._tell(changed)
        return changed

    def _write(self, values: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".runtime-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(values, fh, indent=1, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise


class JournalSettings:
    """The venue's shared settings in the journal's ``kv`` (``setting:<name>``; a database
    trigger announces every change to the screens). ``None`` deletes one (back to each
    screen's configuration)."""

    PREFIX = "setting:"

    def __init__(self, journal: Any) -> None:
        self.journal = journal

    def get_all(self) -> dict[str, Any]:
        return {k[len(self.PREFIX):]: v for k, v in self.journal.kv_prefixed(self.PREFIX).items()}

    def put(self, name: str, value: Any) -> None:
        if value is None:
            self.journal.kv_delete(self.PREFIX + name)
        else:
            self.journal.kv_set(self.PREFIX + name, value)
