"""python-socketio's client (Debian python3-socketio) and python3-requests
against examples/login (docs/examples.md "login"), over websocket and polling,
in both session modes: log in with requests, connect with the session
cookie (headers=), the greeting, whoami, the session fork, a login over the
socket on /open, tokens on /token.

Run with the system interpreter, which has the Debian packages:
    SIO_LOGIN_BIN=build/examples/login \
        /usr/bin/python3 -m unittest -v tests/interop/test_login_python.py
Each server is started on 127.0.0.1 with --port 0 and stopped by its PID.
"""
import os
import queue
import threading
import time
import unittest
import warnings

import requests
import socketio

from example_server import ExampleServer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
BIN = os.environ.get("SIO_LOGIN_BIN") or os.path.join(
    ROOT, "build", "examples", "login")
SECRET = "py-login-secret"
WAIT = 5.0
QUIET = 0.3


def LoginServer(sessions):
    """The login server on a free port; stop() by PID."""
    return ExampleServer(BIN, "login", "--secret", SECRET, "--sessions",
                         sessions)


SERVERS = {}


def setUpModule():
    warnings.simplefilter("ignore", ResourceWarning)
    for mode in ("cookie", "server"):
        SERVERS[mode] = LoginServer(mode)


def tearDownModule():
    codes = {mode: s.stop() for mode, s in SERVERS.items()}
    for mode, code in codes.items():
        if code != 0:
            raise RuntimeError("login (%s) exit code %r" % (mode, code))


class Conn:
    """A socketio.Client whose `my response` events (per namespace) and
    connect errors go to queues."""

    def __init__(self, namespaces):
        self.sio = socketio.Client(reconnection=False)
        self.responses = {ns: queue.Queue() for ns in namespaces}
        for ns in namespaces:
            self.sio.on("my response", self._recorder(ns), namespace=ns)
            self.sio.on("connect_error", self._error(ns), namespace=ns)
        self.errors = queue.Queue()
        self.disconnected = {ns: threading.Event() for ns in namespaces}
        for ns in namespaces:
            self.sio.on("disconnect", self.disconnected[ns].set, namespace=ns)

    def _recorder(self, ns):
        q = self.responses[ns]
        return lambda *args: q.put(args)

    def _error(self, ns):
        return lambda *args: self.errors.put((ns,) + args)

    def response(self, ns="/", timeout=WAIT):
        return self.responses[ns].get(timeout=timeout)

    def no_response(self, ns="/", wait=QUIET):
        time.sleep(wait)
        left = []
        while not self.responses[ns].empty():
            left.append(self.responses[ns].get_nowait())
        if left:
            raise AssertionError("unexpected my response: %r" % (left,))

    def ack(self, event, *args, ns="/"):
        """Emits with an ack id; returns all the ack's arguments (a tuple)."""
        got = queue.Queue()
        self.sio.emit(event, tuple(args), namespace=ns,
                      callback=lambda *a: got.put(a))
        return got.get(timeout=WAIT)


class LoginMixin:
    transport = None
    sessions = None

    @property
    def url(self):
        return SERVERS[self.sessions].url

    def http_login(self, username, password):
        s = requests.Session()
        r = s.post(self.url + "/login",
                   data={"username": username, "password": password},
                   timeout=WAIT)
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.json(), {"user": username})
        self.assertIn("session", s.cookies)
        self.addCleanup(s.close)
        return s

    def cookie(self, s):
        return "session=" + s.cookies["session"]

    def connect(self, namespaces, headers=None, auth=None, query="",
                expect_error=None):
        c = Conn(namespaces)
        url = self.url + (("?" + query) if query else "")
        if expect_error is not None:
            with self.assertRaises(socketio.exceptions.ConnectionError):
                c.sio.connect(url, headers=headers or {}, auth=auth,
                              transports=[self.transport],
                              namespaces=namespaces, wait_timeout=1)
            ns, *data = c.errors.get(timeout=WAIT)
            self.assertEqual(data, [{"message": expect_error}])
            c.sio.disconnect()
            return c
        c.sio.connect(url, headers=headers or {}, auth=auth,
                      transports=[self.transport], namespaces=namespaces,
                      wait_timeout=WAIT)
        self.addCleanup(c.sio.disconnect)
        self.assertEqual(c.sio.transport(), self.transport)
        return c

    # ---- tests --------------------------------------------------------------

    def test_anonymous_root_refused(self):
        self.connect(["/"], expect_error="unauthorized")
        self.connect(["/"], headers={"Cookie": "session=forged.x.y"},
                     expect_error="unauthorized")

    def test_login_cookie_greeting(self):
        s = self.http_login("alice", "wonderland")
        c = self.connect(["/"], headers={"Cookie": self.cookie(s)})
        self.assertEqual(c.response(), ({"message": "alice has joined"},))
        c.no_response()
        c.sio.emit("my event", {"n": [1, 2.5, "x"]}, namespace="/")
        self.assertEqual(c.response(),
                         ({"message": 'alice: {"n":[1,2.5,"x"]}'},))

    def test_whoami(self):
        s = self.http_login("bob", "builder")
        c = self.connect(["/"], headers={"Cookie": self.cookie(s),
                                         "X-Sio-Test": "py-" + self.transport},
                         query="q=py%20q")
        c.response()
        want = {"user": "bob", "sid": c.sio.get_sid("/"), "namespace": "/",
                "event": "whoami", "header": "py-" + self.transport,
                "query": "py q", "remote": "127.0.0.1"}
        self.assertEqual(c.ack("whoami"), (want,))
        time.sleep(0.1)
        self.assertEqual(c.ack("whoami"), (want,))

    def test_g_is_per_call(self):
        s = self.http_login("alice", "wonderland")
        c = self.connect(["/"], headers={"Cookie": self.cookie(s)})
        self.assertEqual(c.ack("g_put", "v"), (True,))
        self.assertEqual(c.ack("g_get"), (None,))

    def test_session_fork(self):
        s = self.http_login("alice", "wonderland")
        r = s.post(self.url + "/session/k0", data={"value": "http"},
                   timeout=WAIT)
        self.assertEqual(r.status_code, 200)
        c = self.connect(["/"], headers={"Cookie": self.cookie(s)})
        self.assertEqual(c.ack("session_get", "k0"), ("http",))
        self.assertEqual(c.ack("session_set", "k", "sio"), (True,))
        self.assertEqual(c.ack("session_get", "k"), ("sio",))
        self.assertEqual(c.ack("session_set", "_user_id", "2"),
                         ({"error": "reserved key"},))
        r = s.get(self.url + "/session/k", timeout=WAIT)
        self.assertEqual(r.status_code, 404)
        # a second connection of the same user does not see it
        d = self.connect(["/"], headers={"Cookie": self.cookie(s)})
        self.assertEqual(d.ack("session_get", "k"), (None,))
        # HTTP changes after connect: server-side sessions show them until
        # the connection's first own change; cookie sessions never do
        s.post(self.url + "/session/h", data={"value": "1"}, timeout=WAIT)
        self.assertEqual(d.ack("session_get", "h"),
                         ("1" if self.sessions == "server" else None,))
        self.assertEqual(c.ack("session_get", "h"), (None,))  # forked

    def test_open_login_over_socket(self):
        c = self.connect(["/open"])
        self.assertEqual(c.ack("whoami", ns="/open")[0]["user"], None)
        self.assertEqual(c.ack("login", "alice", "nope", ns="/open"),
                         ({"error": "invalid credentials"},))
        self.assertEqual(c.ack("login", "alice", "wonderland", ns="/open"),
                         ("alice",))
        c.sio.emit("my event", "hi", namespace="/open")
        self.assertEqual(c.response("/open"), ({"message": 'alice: "hi"'},))
        info = c.ack("whoami", ns="/open")[0]
        self.assertEqual((info["user"], info["namespace"]), ("alice", "/open"))

    def test_open_guarded_event_anonymous(self):
        before = requests.get(self.url + "/stats", timeout=WAIT).json()
        c = self.connect(["/open"])
        got = queue.Queue()
        c.sio.emit("my event", "x", namespace="/open",
                   callback=lambda *a: got.put(a))
        self.assertTrue(c.disconnected["/open"].wait(WAIT))
        time.sleep(QUIET)
        self.assertTrue(got.empty(), "the ack was answered")
        c.no_response("/open", wait=0)
        after = requests.get(self.url + "/stats", timeout=WAIT).json()
        self.assertEqual(after["my_event"]["/open"],
                         before["my_event"]["/open"])

    def test_token(self):
        s = self.http_login("bob", "builder")
        token = s.get(self.url + "/token", timeout=WAIT).json()["token"]
        c = self.connect(["/token"], auth={"token": token})
        self.assertEqual(c.response("/token"), ({"message": "bob has joined"},))
        self.assertEqual(c.ack("whoami", ns="/token")[0]["user"], "bob")
        bad = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
        self.connect(["/token"], auth={"token": bad},
                     expect_error="invalid token")
        self.connect(["/token"], expect_error="invalid token")


def _cases():
    for sessions in ("cookie", "server"):
        for transport in ("websocket", "polling"):
            name = "TestLogin_%s_%s" % (sessions, transport)
            globals()[name] = type(name, (LoginMixin, unittest.TestCase),
                                   {"transport": transport,
                                    "sessions": sessions})


_cases()

if __name__ == "__main__":
    unittest.main()
