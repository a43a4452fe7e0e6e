"""python-socketio's client (Debian python3-socketio) against the
conformance server.

Run with the system interpreter, which has the Debian packages:
    SIO_CONFORMANCE_BIN=build/examples/conformance \
        /usr/bin/python3 -m unittest -v tests/interop/test_python_client.py
The server is started on 127.0.0.1 with --port 0 and stopped by its PID.
"""
import os
import queue
import signal
import threading
import time
import unittest
import warnings

import socketio

from example_server import ExampleServer

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("SIO_CONFORMANCE_BIN") or os.path.join(
    HERE, "..", "..", "build", "examples", "conformance")
WAIT = 5.0


def Server(*args):
    """The conformance server on a free port; stop() by PID."""
    return ExampleServer(BIN, "conformance", *args)


SERVER = None


def setUpModule():
    global SERVER
    # python-socketio leaves sockets of its requests session to the GC.
    warnings.simplefilter("ignore", ResourceWarning)
    SERVER = Server()


def tearDownModule():
    code = SERVER.stop()
    if code != 0:
        raise RuntimeError("server exit code %r" % (code,))


class Recorder:
    """A socketio.Client whose events go to per-event queues."""

    def __init__(self, namespaces=("/",)):
        self.sio = socketio.Client(reconnection=False)
        self.queues = {}
        for ns in namespaces:
            for ev in ("auth", "message-back"):
                self._record(ev, ns)
        self.disconnected = threading.Event()
        self.sio.on("disconnect", self.disconnected.set)

    def _record(self, ev, ns):
        q = self.queues.setdefault((ev, ns), queue.Queue())
        self.sio.on(ev, lambda *args: q.put(args), namespace=ns)

    def get(self, ev, ns="/", timeout=WAIT):
        return self.queues[(ev, ns)].get(timeout=timeout)


class ClientTestsMixin:
    transports = None

    def connect(self, auth=None, namespaces=("/",)):
        r = Recorder(namespaces)
        r.sio.connect(SERVER.url, auth=auth, transports=self.transports,
                      namespaces=list(namespaces), wait_timeout=WAIT)
        self.addCleanup(r.sio.disconnect)
        return r

    def test_connect_transport_and_sid(self):
        r = self.connect()
        self.assertTrue(r.sio.connected)
        self.assertIsInstance(r.sio.get_sid("/"), str)
        # Without a transport list the client upgrades polling->websocket.
        want = self.transports[0] if self.transports else "websocket"
        for _ in range(100):
            if r.sio.transport() == want:
                break
            time.sleep(0.02)
        self.assertEqual(r.sio.transport(), want)
        self.assertEqual(r.sio.call("message-with-ack", "t", timeout=WAIT),
                         "t")

    def test_auth_payload_echoed(self):
        auth = {"token": "abc", "n": 1, "list": [1, None, "x"]}
        r = self.connect(auth=auth)
        self.assertEqual(r.get("auth"), (auth,))

    def test_auth_empty(self):
        r = self.connect()
        self.assertEqual(r.get("auth"), ({},))

    def test_emit_message_back(self):
        r = self.connect()
        r.sio.emit("message", (1, "2", {"3": [True]}, None, 1.5, "h\u00e9\u20ac"))
        self.assertEqual(r.get("message-back"),
                         (1, "2", {"3": [True]}, None, 1.5, "h\u00e9\u20ac"))
        r.sio.emit("message", {"one": "arg"})
        self.assertEqual(r.get("message-back"), ({"one": "arg"},))

    def test_call_with_ack(self):
        r = self.connect()
        self.assertEqual(r.sio.call("message-with-ack", {"a": 1}, timeout=WAIT),
                         {"a": 1})
        self.assertEqual(r.sio.call("message-with-ack", (1, "two", [3]),
                                    timeout=WAIT), (1, "two", [3]))

    def test_binary_round_trip(self):
        r = self.connect()
        blob = bytes(range(256)) * 4
        r.sio.emit("message", (blob, {"nested": b"\x00\x01"}, "text"))
        self.assertEqual(r.get("message-back"),
                         (blob, {"nested": b"\x00\x01"}, "text"))
        self.assertEqual(r.sio.call("message-with-ack", b"\xff\x00",
                                    timeout=WAIT), b"\xff\x00")

    def test_custom_namespace(self):
        r = self.connect(auth={"k": "v"}, namespaces=("/", "/custom"))
        self.assertEqual(r.get("auth", "/"), ({"k": "v"},))
        self.assertEqual(r.get("auth", "/custom"), ({"k": "v"},))
        self.assertEqual(
            r.sio.call("message-with-ack", "x", namespace="/custom",
                       timeout=WAIT), {"error": "unknown event"})
        self.assertEqual(r.sio.call("message-with-ack", "y", timeout=WAIT),
                         "y")

    def test_unknown_namespace_refused(self):
        r = Recorder(("/random",))
        errors = queue.Queue()
        r.sio.on("connect_error", lambda data: errors.put(data),
                 namespace="/random")
        with self.assertRaises(socketio.exceptions.ConnectionError):
            r.sio.connect(SERVER.url, transports=self.transports,
                          namespaces=["/random"], wait_timeout=2)
        self.assertEqual(errors.get(timeout=WAIT),
                         {"message": "Invalid namespace"})

    def test_disconnect(self):
        r = self.connect()
        self.assertEqual(r.get("auth"), ({},))
        r.sio.disconnect()
        self.assertTrue(r.disconnected.wait(WAIT))
        self.assertFalse(r.sio.connected)
        r2 = self.connect()
        self.assertEqual(r2.sio.call("message-with-ack", 7, timeout=WAIT), 7)

    def test_survives_heartbeats(self):
        r = self.connect()
        time.sleep(1.5)  # several 300 ms ping cycles
        self.assertFalse(r.disconnected.is_set())
        self.assertEqual(r.sio.call("message-with-ack", "alive",
                                    timeout=WAIT), "alive")


class WebSocketClient(ClientTestsMixin, unittest.TestCase):
    transports = ["websocket"]


class PollingClient(ClientTestsMixin, unittest.TestCase):
    transports = ["polling"]


class UpgradeClient(ClientTestsMixin, unittest.TestCase):
    transports = None  # polling first, then the upgrade to websocket


class ServerShutdown(unittest.TestCase):
    def test_sigterm_disconnects_and_exits_0(self):
        for transports in (["websocket"], ["polling"]):
            srv = Server()
            try:
                r = Recorder()
                r.sio.connect(srv.url, transports=transports,
                              namespaces=["/"], wait_timeout=WAIT)
                self.assertEqual(r.get("auth"), ({},))
                t0 = time.monotonic()
                srv.proc.send_signal(signal.SIGTERM)
                self.assertTrue(r.disconnected.wait(WAIT), transports)
                self.assertEqual(srv.proc.wait(5), 0)
                self.assertLess(time.monotonic() - t0, 5)
            finally:
                srv.stop()


if __name__ == "__main__":
    unittest.main()
