"""A serial port made of a pseudo-terminal pair, so drivers under test open a real tty with pyserial.

The simulator writes device output to the master side; the driver opens the slave path. ``close()``
makes the port vanish like a pulled USB cable (the driver's read fails, the path disappears) and
``reopen()`` plugs it back in. A new pty gets a new ``/dev/pts/N`` path, so for reconnect tests give a
``link_path`` that you own: the driver opens the symlink, and the simulator re-points it on every
reopen, just as udev keeps ``/dev/serial/by-id/...`` stable across replugs.
"""

from __future__ import annotations

import contextlib
import os
import select
import tty
from pathlib import Path


class PtyPort:
    """One pty pair in raw mode. The simulator keeps the slave open too so the pty outlives the driver's
    own open/close cycles, and so bytes written before the driver opens it are not cooked (CR→LF)."""

    def __init__(self, link_path: str | os.PathLike[str] | None = None) -> None:
        self.link_path = Path(link_path) if link_path is not None else None
        self._master: int | None = None
        self._slave: int | None = None
        self.slave_name = ""
        self.open()

    @property
    def is_open(self) -> bool:
        return self._master is not None

    @property
    def path(self) -> str:
        """What the driver should open: the stable link if there is one, else the pts path."""
        return str(self.link_path) if self.link_path is not None else self.slave_name

    def open(self) -> None:
        if self.is_open:
            return
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        self._master, self._slave = master, slave
        self.slave_name = os.ttyname(slave)
        if self.link_path is not None:
            tmp = self.link_path.with_name(self.link_path.name + ".tmp")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(self.slave_name)
            os.replace(tmp, self.link_path)  # atomic: the driver never sees a half-made link

    def close(self) -> None:
        """Unplug: the link disappears first, then the pty; a driver reading it gets an I/O error."""
        if self.link_path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link_path.unlink()
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None

    def reopen(self) -> None:
        self.close()
        self.open()

    def write(self, data: bytes) -> None:
        if self._master is None:
            raise OSError("the simulated port is unplugged")
        view = memoryview(data)
        while view:
            written = os.write(self._master, view)
            view = view[written:]

    def read(self, timeout: float = 0.0, size: int = 4096) -> bytes:
        """What the driver wrote to the device (for simulators of devices that receive commands)."""
        if self._master is None:
            raise OSError("the simulated port is unplugged")
        ready, _, _ = select.select([self._master], [], [], timeout)
        return os.read(self._master, size) if ready else b""

    def __enter__(self) -> PtyPort:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
