"""Twisted's asyncio reactor, calling a socket's ``doRead`` straight from the event loop.

Twisted's :class:`AsyncioSelectorReactor` registers every socket with asyncio through
``twisted.python.log.callWithLogger``: on each readable event it asks the connection for
its log prefix, builds a context dict, pushes it on Twisted's context stack (a copy of the
parent dict, in a thread-local), calls ``doRead`` and pops it again. That context only
prefixes Twisted's legacy log lines, which this server does not use (it logs through
:mod:`logging`; a failing ``doRead`` is still caught and logged by the reactor's own
``_readOrWrite``). It was about 4% of a one-process server's time in the throughput
benchmark (py-spy, 500 games: ``callWithLogger`` 13.6% inclusive around ``doRead`` 9.5%).

:func:`install` must run before ``daphne.server`` is imported: daphne keeps an
``AsyncioSelectorReactor`` already installed instead of installing its own.
"""

from __future__ import annotations

import asyncio
import errno

from twisted.internet.asyncioreactor import AsyncioSelectorReactor


class DirectReactor(AsyncioSelectorReactor):
    """``addReader``/``addWriter`` of Twisted 26 without ``callWithLogger``."""

    def addReader(self, reader):
        if reader in self._readers or reader in self._continuousPolling._readers:
            return
        fd = reader.fileno()
        try:
            self._asyncioEventloop.add_reader(fd, self._readOrWrite, reader, True)
            self._readers[reader] = fd
        except OSError as exc:
            self._unregisterFDInAsyncio(fd)
            if exc.errno != errno.EPERM:  # epoll refuses regular files: polled instead
                raise
            self._continuousPolling.addReader(reader)

    def addWriter(self, writer):
        if writer in self._writers or writer in self._continuousPolling._writers:
            return
        fd = writer.fileno()
        try:
            self._asyncioEventloop.add_writer(fd, self._readOrWrite, writer, False)
            self._writers[writer] = fd
        except PermissionError:
            self._unregisterFDInAsyncio(fd)
            self._continuousPolling.addWriter(writer)
        except BrokenPipeError:
            self._unregisterFDInAsyncio(fd)
        except BaseException:
            self._unregisterFDInAsyncio(fd)
            raise


def install() -> DirectReactor:
    """Install :class:`DirectReactor` on a new event loop (before ``daphne.server``)."""
    from twisted.internet.main import installReactor

    reactor = DirectReactor(asyncio.new_event_loop())
    installReactor(reactor)
    return reactor
