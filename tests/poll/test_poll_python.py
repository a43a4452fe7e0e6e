"""The poll of docs/examples.md with python-socketio's client (Debian's
python3-socketio) against the three servers that must behave alike: the
C one (sioc), the Flask-SocketIO peer and the Node socket.io peer. The
same scenario as poll.test.mjs, from the other client.

    POLL_C_BIN=build/examples/poll POLL_WWW=examples/poll/www \\
    POLL_NODE_PATH=tests/bench/node_modules \\
        /usr/bin/python3 -m unittest -v tests/poll/test_poll_python.py

Each server is started on 127.0.0.1 on a free port and stopped by its
PID (SIGTERM, then SIGKILL); every wait is bounded.
"""
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import warnings

import socketio

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
POLL = os.path.join(ROOT, "examples", "poll")
PASSWORD = "correct horse"
WAIT = 10.0  # any one wait
START = 30.0  # a start (Python's imports are slow on a busy machine)
ZERO = {"c": 0, "python": 0, "js": 0}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port, proc, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


class Server:
    """One poll server: kind is "c", "flask" or "node"."""

    def __init__(self, kind):
        env = dict(os.environ, POLL_PASSWORD=PASSWORD)
        port = 0 if kind == "c" else free_port()
        if kind == "c":
            cmd = [os.environ.get("POLL_C_BIN",
                                  os.path.join(ROOT, "build/examples/poll")),
                   "--host", "127.0.0.1", "--port", "0", "--www",
                   os.environ.get("POLL_WWW", os.path.join(POLL, "www"))]
        elif kind == "flask":
            cmd = ["/usr/bin/python3",
                   os.path.join(POLL, "peers/flask/app.py")]
        else:
            cmd = [os.environ.get("NODE") or shutil.which("node"),
                   os.path.join(POLL, "peers/node/server.js")]
            if os.environ.get("POLL_NODE_PATH"):
                env["NODE_PATH"] = os.environ["POLL_NODE_PATH"]
        env["PORT"] = str(port)
        self.kind = kind
        self.err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                                     stderr=self.err, text=True)
        lines = queue.Queue()

        def reader():
            for line in self.proc.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=reader, daemon=True).start()
        if kind == "c":
            port = self._port_from(lines)
        if not port or not port_open(port, self.proc, START):
            self.stop()
            raise RuntimeError("%s did not start: %s" % (kind, self.stderr()))
        self.url = "http://127.0.0.1:%d" % port

    @staticmethod
    def _port_from(lines):
        try:
            line = lines.get(timeout=START) or ""
        except queue.Empty:
            return 0
        m = re.search(r"listening on http://[^:]+:(\d+)/", line)
        return int(m.group(1)) if m else 0

    def stderr(self):
        self.err.seek(0)
        return self.err.read()[-2000:]

    def stop(self):
        """SIGTERM, at most 10 s, then SIGKILL. Returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(WAIT)
            return None
        finally:
            self.proc.stdout.close()


class Voter:
    """A client of "/" that records every "tally" it gets."""

    def __init__(self, test, url, name):
        self.sio = socketio.Client(reconnection=False)
        self.tallies = []
        self.sio.on("tally", lambda tally, by: self.tallies.append(
            (tally, by)))
        test.addCleanup(self.sio.disconnect)
        self.sio.connect(url, auth={"name": name}, wait_timeout=WAIT)

    def vote(self, choice):
        return self.sio.call("vote", choice, timeout=WAIT)

    def until(self, pred, what):
        deadline = time.monotonic() + WAIT
        while not pred(self.tallies):
            if time.monotonic() > deadline:
                raise AssertionError("timeout: " + what)
            time.sleep(0.02)


class PollScenario:
    """The tests; a subclass per server names KIND."""

    KIND = None

    @classmethod
    def setUpClass(cls):
        warnings.simplefilter("ignore", ResourceWarning)
        cls.server = Server(cls.KIND)

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        if cls.KIND == "c" and code != 0:
            raise RuntimeError("exit code %r: %s" % (code,
                                                     cls.server.stderr()))

    def refused(self, nsp, auth):
        """The CONNECT_ERROR message of a refused connection."""
        sio = socketio.Client(reconnection=False)
        errors = queue.Queue()
        sio.on("connect_error", errors.put, namespace=nsp)
        self.addCleanup(sio.disconnect)
        # The client waits its whole wait_timeout after a refusal.
        with self.assertRaises(socketio.exceptions.ConnectionError):
            sio.connect(self.server.url, auth=auth, namespaces=[nsp],
                        wait_timeout=1)
        data = errors.get(timeout=WAIT)
        return data.get("message") if isinstance(data, dict) else data

    def test_a_name_is_required(self):
        for auth in (None, {"name": 42}, {"name": "x" * 33}):
            self.assertRegex(self.refused("/", auth), "name", auth)

    def test_votes_tallies_and_reset(self):
        alice = Voter(self, self.server.url, "alice")
        bob = Voter(self, self.server.url, "bob")
        one = dict(ZERO, python=1)
        self.assertEqual(alice.vote("python"), one)
        alice.until(lambda t: t, "alice's own tally")
        self.assertEqual(alice.tallies, [(one, "alice")])
        self.assertEqual(alice.vote("c"), {"error": "already voted"})
        self.assertIsInstance(bob.vote("rust").get("error"), str)
        two = dict(one, c=1)
        self.assertEqual(bob.vote("c"), two)
        alice.until(lambda t: len(t) == 2, "alice hears bob's vote")
        self.assertEqual(alice.tallies[-1], (two, "bob"))

        self.assertEqual(self.refused("/admin", {"password": "wrong"}),
                         "unauthorized")
        admin = socketio.Client(reconnection=False)
        self.addCleanup(admin.disconnect)
        admin.connect(self.server.url, auth={"password": PASSWORD},
                      namespaces=["/admin"], wait_timeout=WAIT)
        self.assertIs(admin.call("reset", namespace="/admin", timeout=WAIT),
                      True)
        for v in (alice, bob):
            v.until(lambda t: t and t[-1][1] is None, "the reset's tally")
            self.assertEqual(v.tallies[-1], (ZERO, None))
        # The room was emptied: everyone may vote again.
        self.assertEqual(alice.vote("js"), dict(ZERO, js=1))


class C(PollScenario, unittest.TestCase):
    KIND = "c"


class Flask(PollScenario, unittest.TestCase):
    KIND = "flask"


class Node(PollScenario, unittest.TestCase):
    KIND = "node"


if __name__ == "__main__":
    unittest.main()
