"""Mail to residents from a persistent outbox: sent by a real SMTP client, retried, never twice.

Why an outbox: a mail is queued in the same transaction as the booking (or the closed slot) it tells
of, so it exists if and only if that change committed; the counter never waits for an SMTP server. A
sender thread claims due rows (state `sending`, in its own short transaction), talks SMTP outside any
transaction, then marks each row sent. A row left `sending` by a crash mid-conversation is not sent
again on its own (the resident may already have it): "never twice" beats "surely once"; `station` logs
it and the outbox list shows it. A refusal or an unreachable server puts the row back with a back-off.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from station.clock import Clock
from station.config import MailSettings
from station.store import reservations_repo as repo
from station.store.uow import UnitOfWork

log = logging.getLogger(__name__)


def qr_png(text: str) -> bytes:
    """The booking's QR (what the kiosk scanner reads) as a PNG for the mail."""
    import io

    import qrcode

    img = qrcode.make(text, box_size=8, border=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


class MailSender:
    def __init__(self, settings: MailSettings, uow: UnitOfWork, clock: Clock) -> None:
        self.settings = settings
        self.uow = uow
        self.clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.settings.host)

    def start(self, interval_s: float = 5.0) -> None:
        if not self.enabled or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(interval_s,), name="mail-sender", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def wake(self) -> None:
        """A mail was queued: send it now rather than at the next round."""
        self._wake.set()

    def _run(self, interval_s: float) -> None:
        while not self._stop.is_set():
            try:
                self.send_due()
            except Exception:  # the sender must outlive a broken database moment; the row stays pending
                log.exception("mail sender round failed")
            self._wake.wait(interval_s)
            self._wake.clear()

    def send_due(self) -> int:
        """Send every due mail once; returns how many were accepted by the server."""
        if not self.enabled:
            return 0
        now = self.clock.now()
        with self.uow.change() as ch:
            batch = [(m.id, m.to_addr, m.subject, m.body, m.qr_text, m.attempts)
                     for m in repo.claim_mail(ch.session, now)]
        sent = 0
        for mail_id, to_addr, subject, body, qr, attempts in batch:
            error = self._send(to_addr or "", subject, body, qr)
            with self.uow.change() as ch:
                if error is None:
                    repo.mail_done(ch.session, mail_id, self.clock.now())
                    sent += 1
                else:
                    retry = None if attempts >= self.settings.max_attempts else \
                        self.clock.now() + timedelta(seconds=30 * 2 ** min(attempts, 6))
                    repo.mail_failed(ch.session, mail_id, error, retry)
                    log.warning("mail %s not sent (attempt %s): %s", mail_id, attempts, error)
        return sent

    def _send(self, to_addr: str, subject: str, body: str, qr: str | None = None) -> str | None:
        """One SMTP conversation; None when the server accepted the mail, else why not."""
        if not to_addr:
            return "no address"
        s = self.settings
        msg = EmailMessage()
        msg["From"] = s.sender
        msg["To"] = to_addr
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=s.sender.rsplit("@", 1)[-1] or "station")
        msg.set_content(body, charset="utf-8")
        if qr:
            msg.add_attachment(qr_png(qr), maintype="image", subtype="png", filename="reservation-qr.png")
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout_s) as smtp:
                if s.starttls:
                    smtp.starttls()
                if s.username:
                    smtp.login(s.username, s.password)
                smtp.send_message(msg)
        except Exception as e:  # refused, unreachable, a bad address: the row goes back, the sender lives on
            return f"{type(e).__name__}: {e}"
        return None
