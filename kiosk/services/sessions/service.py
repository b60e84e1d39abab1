"""``SessionService``: the facade the UI and the guest flow call. It composes the parts,
each of which owns its state (see ``kiosk/core/README.md``, "The session service"):

- :class:`~.journal_io.JournalIO`: the journal thread;
- :class:`~.live.Registry`: the live session records and the subscribers;
- :class:`~.codes.GuestCodes`: issuing and checking guest codes, their lockout;
- :class:`~.auth.AttendantAuth`: the attendant PIN, its lockout, tokens, audit log;
- :class:`~.poller.Poller`: polling, applying answers, estimates, the stop;
- :class:`~.start.Starter`: the start protocol and recovery;
- :class:`~.views.Views`: read-only views (no translated text);
- :class:`~.venue.VenueLink`: the venue's other screens on a shared journal (poll leases,
  boards that follow each other); idle on a journal of one screen.

Identity: every session has a local ``key`` (the journal's intent id) that exists before
the service answered; ``charge_session_id`` is filled in once known. The UI passes ``key``
around, never the guest code. Guest data (the tag, the code) is never in a
:class:`BoardEntry`; a :class:`SessionView` only goes to the code holder or an attendant.

Time: every wait is in server seconds divided by ``time_scale`` (1 for the real service,
the simulator's speed in demo mode and tests). ``clock`` is the kiosk's own clock (audit,
lockouts, the elapsed time between polls); ``sleep`` is awaited for every wait.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.core.journal import JournalBase, open_journal
from kiosk.core.polling import PollPolicy
from kiosk.i18n import N_, Translator

from .auth import AttendantAuth
from .codes import GuestCodes
from .journal_io import JournalIO
from .live import Callback, Clock, Live, Registry, ServerClock, utcnow
from .model import (SHARED_PIN, Attendant, AuditEntry, BoardEntry, NotAllowed, Receipt, SessionView, StartedSession,
                    UnknownSession)
from .poller import Poller, Sleep
from .start import Starter
from .venue import VenueLink
from .views import Views

_ = Translator("core")   # the domain of the N_ messages here (SessionError translates them when read)
log = logging.getLogger(__name__)



class SessionService:
    """Charging sessions of this kiosk.

    ``client``: a ``kiosk.api.ChargeAssistClient`` (entered/closed by the caller).
    ``journal_path``: ``settings.journal_target()``: the SQLite file, a ``postgresql://``
    URL of the venue's shared journal (``journal_password`` beside it), or an open journal.
    ``screen``: this screen's name in the venue (the origin of its sessions, its leases).
    ``lease_s``: a session's poll lease; another screen takes over within ``lease_s * 4/3``.
    ``attendant_pin``: initial PIN, hashed into the journal on first start if none is set.
    ``evse_labels``: optional {evse_uid: display label} for the board.
    ``tz``: the venue's time zone (time-of-day tariff restrictions of the estimate).
    ``recent_s``: how long (kiosk seconds) an ended session stays on the board.
    ``keep_s``: how long (kiosk seconds) an ended session can still be opened with its code.
    ``settle_s``: server seconds to let a possibly-sent start land before looking it up.
    """

    def __init__(self, client: Any, journal_path: Path | str | JournalBase, *, time_scale: float = 1.0,
                 clock: Clock | None = None, sleep: Sleep | None = None, attendant_pin: str | None = None,
                 evse_labels: dict[str, str] | None = None, min_poll_s: float = 5.0, max_poll_s: float = 120.0,
                 start_poll_s: float = 4.0, tz: str = "Europe/Amsterdam", recent_s: float = 600.0,
                 keep_s: float = 86400.0, settle_s: float = 10.0, poll: bool = True,
                 estimate_interval_s: float = 1.0, max_data_points: int = 200, screen: str | None = None,
                 journal_password: str | None = None, lease_s: float = 15.0) -> None:
        self.client = client
        self.clock: Clock = clock or utcnow
        self.journal = open_journal(journal_path, clock=self.clock, password=journal_password)
        self.time_scale = float(time_scale)
        self.tz = tz
        self.recent_s = recent_s
        self.keep_s = max(keep_s, recent_s)
        self.evse_labels = dict(evse_labels or {})
        self.server_clock = ServerClock(self.time_scale)
        self.io = JournalIO(self.journal)
        # in memory: sessions not final and those still on the board; the journal keeps the
        # others (a code typed at their charger is checked there, for ``keep_s``)
        self.registry = Registry(clock=self.clock, tz=tz, memory_s=self.recent_s, load_row=self.journal.get)
        self.codes = GuestCodes(self.registry, self.io, self.clock, keep_s=self.keep_s)
        self.auth = AttendantAuth(self.journal, self.clock, attendant_pin)
        self.views = Views(self.server_clock, self.evse_labels)
        self.poller = Poller(client, self.registry, self.io, self.views,
                             policy=PollPolicy(startup_s=start_poll_s, min_s=min_poll_s, max_s=max_poll_s,
                                               time_scale=self.time_scale),
                             server_clock=self.server_clock, clock=self.clock, sleep=sleep or asyncio.sleep,
                             enabled=poll, estimate_interval_s=estimate_interval_s, max_data_points=max_data_points)
        self.starter = Starter(client, self.registry, self.io, self.codes, self.poller, self.views,
                               server_clock=self.server_clock, clock=self.clock, sleep=sleep or asyncio.sleep,
                               time_scale=self.time_scale, settle_s=settle_s)
        self.venue = VenueLink(self.io, self.registry, screen=screen or "screen", clock=self.clock, lease_s=lease_s,
                               recent_s=self.recent_s)
        self.venue.poller, self.venue.views = self.poller, self.views
        self.poller.may_poll = self.venue.may_poll
        self.starter.venue = self.venue
        for row in self.journal.sessions(limit=200):
            if row.open or (self.clock() - row.updated_at).total_seconds() <= self.recent_s:
                self.registry.add_row(row)

    # -- lifecycle ----------------------------------------------------------------------
    async def resume_all(self) -> list[BoardEntry]:
        """On launch: reconcile every journaled session that is not final and poll it (on a
        venue's shared journal: those whose poll lease this screen gets; it follows the rest)."""
        self.venue.start()
        await self.starter.resume_all()
        return self.active()

    async def aclose(self) -> None:
        """Stop polling tasks and close the journal (does not close the client)."""
        await self.venue.close()
        await self.poller.close()
        await self.io.close()
        self.codes.close()

    def _get(self, key: str) -> Live:
        live = self.registry.get(key)
        if live is None:
            raise UnknownSession(N_("This session is not known on this kiosk."))
        return live

    # -- guests -------------------------------------------------------------------------
    async def start(self, location_id: str, evse_uid: str, connector_id: str, payment_method_id: str,
                    tag: str | None = None, *, tariff: dict | None = None) -> StartedSession:
        """Start a session. Returns the session and the one-time guest code (only here).

        A second start on the same EVSE while one is pending or running raises
        ``StartPending``. A lost answer is resolved (adopted, or ``StartFailed``); when the
        service cannot be asked the session comes back UNKNOWN and is resolved in the
        background. ``tariff``: the tariff item JSON the screen already has (else fetched).
        """
        return await self.starter.start(location_id, evse_uid, connector_id, payment_method_id, tag,
                                        tariff=tariff)

    async def attach(self, code: str, evse_uid: str) -> SessionView:
        """The session of the code's holder at the charger ``evse_uid`` (the full check, off
        the loop). Raises ``WrongCode`` (also while code entry for that charger is locked;
        every wrong code is counted against that charger and its sessions)."""
        return self.views.view(await self.codes.find(code, evse_uid))

    def attach_known(self, code: str) -> SessionView:
        """Cheap twin of :meth:`attach` for a code this process issued or accepted (any
        other raises ``WrongCode`` and is counted): the UI's refreshes of a guest's screen."""
        return self.views.view(self.codes.find_known(code))

    async def stop(self, code: str) -> SessionView:
        """Stop the session of this guest code, one already accepted by :meth:`attach` or
        issued by :meth:`start` (one request however often it is asked)."""
        live = self.codes.find_known(code)
        await self.poller.stop(live, actor="guest", reason="")
        return self.views.view(live)

    async def abandon(self, started: StartedSession, reason: str) -> None:
        """Stop a session whose guest left before the start came back (nobody holds its code).
        ``started`` is what :meth:`start` returned: holding it is the right to stop it."""
        if not self.codes.issued(started.code, started.session.key):
            raise NotAllowed(N_("Only the guest with the code or an attendant can see this session."))
        await self.poller.stop(self._get(started.session.key), actor="kiosk", reason=reason)

    def receipt(self, key: str, *, code: str | None = None, attendant: Attendant | None = None) -> Receipt:
        """Receipt of a session for its code holder or an attendant (``NotAllowed`` otherwise)."""
        live = self._get(key)
        if attendant is not None:
            self.auth.check(attendant)
            self.audit(attendant.name, "session.receipt", key, "")
        elif code is None or self.codes.find_known(code).key != live.key:
            raise NotAllowed(N_("Only the guest with the code or an attendant can see this session."))
        return self.views.receipt(live)

    async def refresh(self, key: str) -> BoardEntry:
        """Poll this session now (e.g. when the guest opens its screen)."""
        live = self._get(key)
        await self.poller.refresh(live)
        return self.views.entry(live)

    # -- board --------------------------------------------------------------------------
    def active(self) -> list[BoardEntry]:
        """Sessions not yet final plus those finished in the last ``recent_s`` seconds."""
        now = self.clock()
        self.registry.forget_old()
        out = [self.views.entry(live) for live in self.registry.values()
               if not (live.lifecycle.is_final and live.finished_local is not None
                       and (now - live.finished_local).total_seconds() > self.recent_s)]
        out.sort(key=lambda e: (e.is_final, e.evse_label))
        return out

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Call ``callback(SessionUpdate)`` after every change; returns an unsubscribe function."""
        return self.registry.subscribe(callback)

    # -- attendant ----------------------------------------------------------------------
    def attendant_login(self, pin: str, *, name: str | None = SHARED_PIN) -> Attendant:
        """The shared PIN, or a staff member's own (the name then comes from the PIN unless
        given): see :mod:`.auth`. Synchronous (scrypt): call it off the loop."""
        return self.auth.login(pin, name=name)

    def staff_names(self) -> list[str]:
        """Staff members with their own PIN."""
        return self.auth.staff_names()

    def add_staff(self, attendant: Attendant, name: str, pin: str) -> None:
        """Give a staff member their own PIN (audited; synchronous: scrypt)."""
        self.auth.add_staff(attendant, name, pin)

    def remove_staff(self, attendant: Attendant, name: str) -> None:
        self.auth.remove_staff(attendant, name)

    def attendant_logout(self, attendant: Attendant) -> None:
        self.auth.logout(attendant)

    def lockout_remaining(self) -> float:
        return self.auth.lockout_remaining()

    def set_attendant_pin(self, attendant: Attendant, new_pin: str) -> None:
        self.auth.set_pin(attendant, new_pin)

    def view(self, key: str, attendant: Attendant) -> SessionView:
        """Details of any session for an attendant (audited)."""
        self.auth.check(attendant)
        live = self._get(key)
        self.audit(attendant.name, "session.view", key, "")
        return self.views.view(live)

    async def attendant_stop(self, key: str, attendant: Attendant, reason: str) -> SessionView:
        """Stop any session as attendant; the reason goes to the audit log."""
        self.auth.check(attendant)
        live = self._get(key)
        self.audit(attendant.name, "session.stop", key, f"reason: {reason}")
        await self.poller.stop(live, actor=attendant.name, reason=reason)
        return self.views.view(live)

    def reissue_code(self, key: str, attendant: Attendant) -> str:
        """New one-time guest code for a session (old one stops working); audited."""
        self.auth.check(attendant)
        live = self._get(key)
        code = self.codes.reissue(live)
        self.journal.update(key, code_hash=live.code_hash, event="code_reissued")
        self.audit(attendant.name, "session.reissue_code", key, "")
        return code

    def audit_log(self, attendant: Attendant, limit: int = 200) -> list[AuditEntry]:
        self.io.flush()          # the lines issued before it (on the journal thread) are in it
        return self.auth.audit_log(attendant, limit)

    def audit(self, actor: str, action: str, session_id: str | None = None, detail: str = "") -> None:
        """Record an attendant action (used by the attendant services too). On a venue's
        database (not safe to call from the loop: the network) it is written on the journal
        thread, in order with the session's writes; when that database is away the action
        goes ahead (a stop must reach the service) and the log says which line was lost."""
        if getattr(self.journal, "loop_safe", True):
            self.journal.audit(actor, action, session_id, detail)
        else:
            self.io.soon(_audit, self.journal, actor, action, session_id, detail)


def _audit(journal: Any, actor: str, action: str, session_id: str | None, detail: str) -> None:
    try:
        journal.audit(actor, action, session_id, detail)
    except Exception as exc:  # noqa: BLE001 - the action went ahead; the log keeps what happened
        log.error("audit line not written (%s): %s %s %s", type(exc).__name__, actor, action, session_id or "-")
