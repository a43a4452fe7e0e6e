"""python-socketio's client (Debian python3-socketio) against examples/chat:
a subset of docs/examples.md "chat" (connect with an auth name, join, say/said,
rooms, upload bytes, disconnect) over websocket and polling.

Run with the system interpreter, which has the Debian packages:
    SIO_CHAT_BIN=build/examples/chat \
        /usr/bin/python3 -m unittest -v tests/interop/test_chat_python.py
The server is started on 127.0.0.1 with --port 0 and stopped by its PID.
"""
import itertools
import os
import queue
import threading
import time
import unittest
import warnings

import socketio

from example_server import ExampleServer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
BIN = os.environ.get("SIO_CHAT_BIN") or os.path.join(
    ROOT, "build", "examples", "chat")
WWW = os.path.join(ROOT, "examples", "chat", "www")
CLIENT_JS = os.path.join(ROOT, "tests", "node_modules", "socket.io-client",
                         "dist", "socket.io.js")
WAIT = 5.0
QUIET = 0.3
EVENTS = ("joined", "left", "said", "file")


def ChatServer():
    """The chat server on a free port; stop() by PID."""
    return ExampleServer(BIN, "chat", "--www", WWW, "--client-js", CLIENT_JS)


SERVER = None
SEQ = itertools.count(1)


def setUpModule():
    global SERVER
    warnings.simplefilter("ignore", ResourceWarning)
    SERVER = ChatServer()


def tearDownModule():
    code = SERVER.stop()
    if code != 0:
        raise RuntimeError("chat exit code %r" % (code,))


class User:
    """A socketio.Client whose chat events go to per-event queues."""

    def __init__(self, name):
        self.name = name
        self.sio = socketio.Client(reconnection=False)
        self.queues = {ev: queue.Queue() for ev in EVENTS}
        for ev in EVENTS:
            self.sio.on(ev, self._recorder(ev))
        self.errors = queue.Queue()
        self.sio.on("connect_error", lambda *a: self.errors.put(a))
        self.disconnected = threading.Event()
        self.sio.on("disconnect", self.disconnected.set)

    def _recorder(self, ev):
        q = self.queues[ev]
        return lambda *args: q.put(args)

    def get(self, ev, timeout=WAIT):
        return self.queues[ev].get(timeout=timeout)

    def none(self, ev, wait=QUIET):
        """Asserts nothing (more) arrives for ev."""
        time.sleep(wait)
        left = []
        while not self.queues[ev].empty():
            left.append(self.queues[ev].get_nowait())
        if left:
            raise AssertionError("unexpected %s at %s: %r" % (ev, self.name, left))

    def ack(self, event, *args):
        """Emits with an ack id; returns all the ack's arguments (a tuple)."""
        got = queue.Queue()
        self.sio.emit(event, tuple(args), callback=lambda *a: got.put(a))
        return got.get(timeout=WAIT)


class ChatMixin:
    transports = None

    def room(self, tag):
        return "py-%s-%s-%d" % (self.transports[0], tag, next(SEQ))

    def user(self, name):
        u = User(name)
        u.sio.connect(SERVER.url, auth={"name": name},
                      transports=self.transports, wait_timeout=WAIT)
        self.addCleanup(u.sio.disconnect)
        self.assertEqual(u.sio.transport(), self.transports[0])
        return u

    def members(self, room, *names):
        users = []
        for n in names:
            u = self.user(n)
            self.assertEqual(u.ack("join", room), (len(users) + 1,))
            users.append(u)
        for i, u in enumerate(users):
            for later in names[i + 1:]:
                self.assertEqual(u.get("joined"), (later, room))
        return users

    def test_connect_needs_a_name(self):
        for auth in (None, {}, {"name": ""}, {"name": "   "},
                     {"name": "x" * 33}, {"name": 7}):
            u = User("bad")
            with self.assertRaises(socketio.exceptions.ConnectionError):
                u.sio.connect(SERVER.url, auth=auth,
                              transports=self.transports, wait_timeout=1)
            self.assertEqual(u.errors.get(timeout=WAIT),
                             ({"message": "name required"},), auth)
            u.sio.disconnect()

    def test_connect_with_name(self):
        a = self.user("\u00c5sa \U0001F600")
        self.assertTrue(a.sio.connected)
        self.assertIsInstance(a.sio.get_sid("/"), str)
        self.assertEqual(a.ack("rooms"), ([],))

    def test_join_and_joined(self):
        r = self.room("join")
        a, b = self.members(r, "Ann", "Bob")
        b.none("joined")
        self.assertEqual(b.ack("join", r), (2,))
        a.none("joined")
        self.assertEqual(a.ack("join", b.sio.get_sid("/")),
                         ({"error": "invalid room"},))

    def test_say_and_said(self):
        r = self.room("say")
        a, b = self.members(r, "Ann", "Bob")
        for i in range(20):
            self.assertEqual(a.ack("say", r, "m%d \u20ac" % i), (True,))
        for u in (a, b):
            for i in range(20):
                self.assertEqual(u.get("said"), ("Ann", r, "m%d \u20ac" % i))
            u.none("said")
        c = self.user("Cy")
        self.assertEqual(c.ack("say", r, "x"), ({"error": "not in room"},))
        a.none("said")

    def test_rooms(self):
        a = self.user("Ann")
        p = self.room("rooms")
        names = [p + "b", p + "a", p + "\u00e9", p + "Z", p + "\U0001F600",
                 p + "\uff01"]
        for n in names:
            self.assertEqual(a.ack("join", n), (1,))
        want = sorted(names, key=lambda s: s.encode("utf-8"))
        self.assertEqual(a.ack("rooms"), (want,))
        self.assertEqual(a.ack("leave", p + "a"), (0,))
        want.remove(p + "a")
        self.assertEqual(a.ack("rooms"), (want,))

    def test_upload_bytes(self):
        r = self.room("upload")
        a, b, c = self.members(r, "Ann", "Bob", "Cy")
        data = bytes(range(256)) * 300 + b"\x00end"
        self.assertEqual(a.ack("upload", r, "blob.bin", data), (len(data),))
        for u in (b, c):
            got = u.get("file")
            self.assertEqual(got[:3], ("Ann", r, "blob.bin"))
            self.assertIsInstance(got[3], bytes)
            self.assertEqual(got[3], data)
        a.none("file")
        d = self.user("Di")
        self.assertEqual(d.ack("upload", r, "x", b"\x01"),
                         ({"error": "not in room"},))
        b.none("file")

    def test_leave_and_disconnect(self):
        r1, r2 = self.room("dc1"), self.room("dc2")
        a, b = self.members(r1, "Ann", "Bob")
        self.assertEqual(a.ack("join", r2), (1,))
        c = self.user("Cy")
        self.assertEqual(c.ack("join", r2), (2,))
        self.assertEqual(a.get("joined"), ("Cy", r2))
        self.assertEqual(c.ack("leave", r2), (1,))
        self.assertEqual(a.get("left"), ("Cy", r2))
        self.assertEqual(c.ack("leave", r2), ({"error": "not in room"},))
        self.assertEqual(c.ack("join", r2), (2,))
        self.assertEqual(a.get("joined"), ("Cy", r2))
        a.sio.disconnect()
        self.assertTrue(a.disconnected.wait(WAIT))
        self.assertEqual(b.get("left"), ("Ann", r1))
        self.assertEqual(c.get("left"), ("Ann", r2))
        b.none("left")
        c.none("left")
        self.assertEqual(b.ack("leave", r1), (0,))


class WebSocketChat(ChatMixin, unittest.TestCase):
    transports = ["websocket"]


class PollingChat(ChatMixin, unittest.TestCase):
    transports = ["polling"]


if __name__ == "__main__":
    unittest.main()
