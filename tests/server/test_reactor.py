"""``boardroom.reactor``: Twisted's asyncio reactor calling ``doRead`` without Twisted's
log context, still serving sockets as before: daphne keeps it, data is read and written,
a connection whose handler raises is dropped (and logged) while the others go on."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.servers import ROOT

# In a subprocess: a reactor is installed once per process.
SERVE = """
import json, socket
from boardroom import reactor as ours
installed = ours.install()
import daphne.server  # keeps the reactor installed first
from twisted.internet import protocol, reactor
from twisted.python import log
failures = []
log.addObserver(lambda event: event.get("isError") and failures.append(1))

class Echo(protocol.Protocol):
    def dataReceived(self, data):
        if data == b"boom":
            raise RuntimeError("a handler that fails")
        self.transport.write(data.upper())
    def connectionLost(self, reason):
        lost.append(1)

lost = []
factory = protocol.Factory.forProtocol(Echo)
port = reactor.listenTCP(0, factory, interface="127.0.0.1").getHost().port
result = {"kept": reactor is installed, "callback": []}
for fd, key in reactor._asyncioEventloop._selector.get_map().items():
    handle = key.data[0]
    if handle is not None:
        result["callback"].append(getattr(handle._callback, "__name__", ""))

def client():
    good = socket.create_connection(("127.0.0.1", port))
    bad = socket.create_connection(("127.0.0.1", port))
    bad.sendall(b"boom")
    good.sendall(b"hello")
    bad.settimeout(5)
    result["bad_closed"] = bad.recv(10) == b""
    good.settimeout(5)
    result["echo"] = good.recv(10).decode()
    good.sendall(b"again")
    result["echo_again"] = good.recv(10).decode()
    good.close()
    reactor.callFromThread(reactor.stop)

reactor.callInThread(client)
reactor.callLater(20, reactor.stop)
reactor.run()
result["logged"] = len(failures)
result["lost"] = len(lost)
print(json.dumps(result))
"""


def test_the_direct_reactor_serves_sockets_and_drops_a_failing_one():
    process = subprocess.run(
        [sys.executable, "-c", SERVE], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert process.returncode == 0, process.stderr
    result = json.loads(process.stdout.strip().splitlines()[-1])
    assert result["kept"] is True  # daphne did not install a reactor of its own
    # The listening port (and the reactor's waker) called directly, no log wrapper:
    assert "_readOrWrite" in result["callback"]
    assert "callWithLogger" not in result["callback"]
    assert result["echo"] == "HELLO" and result["echo_again"] == "AGAIN"
    assert result["bad_closed"] is True
    assert result["logged"] == 1  # the failure is logged, as Twisted's reactor does
    assert result["lost"] == 2
