"""Cross-framework sessions (docs/semantics.md 8, docs/examples.md "login"): a real
Flask app (Debian python3-flask, tests/unit/fixtures/flask_login_app.py)
and examples/login share a secret, so they share session cookies:

- log in with Flask (Flask-Login's keys: _user_id, _fresh, _id; the
  cookie is zlib-compressed, with a leading "."), connect to sioc's "/"
  with that cookie (python-socketio, websocket and polling) and get
  "alice has joined";
- set a session key over sioc's HTTP side (POST /session/k) with Flask's
  cookie, read it in Flask with the cookie sioc answered, Flask's own keys
  intact;
- log in with sioc, Flask's user loader sees the user; log out with sioc,
  Flask sees nobody;
- a Flask cookie signed with another secret is anonymous for sioc.

    SIO_LOGIN_BIN=build/examples/login \
        /usr/bin/python3 -m unittest -v tests/interop/test_flask_cross.py
Both servers run on 127.0.0.1 with port 0 and are stopped by their PIDs.
"""
import os
import queue
import re
import signal
import subprocess
import threading
import unittest
import warnings

import requests
import socketio
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
BIN = os.environ.get("SIO_LOGIN_BIN") or os.path.join(
    ROOT, "build", "examples", "login")
FLASK_APP = os.path.join(ROOT, "tests", "unit", "fixtures",
                         "flask_login_app.py")
PY = "/usr/bin/python3"
SECRET = "shared-by-flask-and-sioc"
WAIT = 5.0


class Proc:
    """A server printing "<name>: listening on http://127.0.0.1:PORT/"."""

    def __init__(self, argv, name):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        lines = queue.Queue()

        def reader():
            for line in self.proc.stdout:
                lines.put(line.rstrip("\n"))
            lines.put(None)

        threading.Thread(target=reader, daemon=True).start()
        try:
            line = lines.get(timeout=15)
        except queue.Empty:
            line = None
        m = re.match(r"^%s: listening on http://127\.0\.0\.1:(\d+)/$"
                     % re.escape(name), line or "")
        if not m:
            self.proc.kill()
            self.proc.wait(5)
            raise RuntimeError("%s did not start: %r" % (name, line))
        self.url = "http://127.0.0.1:%d" % int(m.group(1))

    def stop(self):
        """SIGTERM, at most 5 s, then SIGKILL. Returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            return None
        finally:
            self.proc.stdout.close()


SIOC = FLASK = None


def setUpModule():
    global SIOC, FLASK
    warnings.simplefilter("ignore", ResourceWarning)
    SIOC = Proc([BIN, "--host", "127.0.0.1", "--port", "0", "--secret",
                 SECRET, "--sessions", "cookie"], "login")
    try:
        FLASK = Proc([PY, FLASK_APP, "--secret", SECRET], "flask")
    except Exception:
        SIOC.stop()
        raise


def tearDownModule():
    codes = (SIOC.stop(), FLASK.stop())
    if codes != (0, 0):
        raise RuntimeError("exit codes (sioc, flask): %r" % (codes,))


def flask_cookie(session, secret):
    """A session cookie as Flask with this secret writes it."""
    app = Flask("signer")
    app.secret_key = secret
    return SecureCookieSessionInterface().get_signing_serializer(
        app).dumps(dict(session))


class FlaskCross(unittest.TestCase):

    def flask_login(self, username="alice", password="wonderland"):
        s = requests.Session()
        self.addCleanup(s.close)
        r = s.post(FLASK.url + "/login",
                   data={"username": username, "password": password},
                   timeout=WAIT)
        self.assertEqual(r.status_code, 200, r.text)
        return s, s.cookies["session"]

    def connect_root(self, cookie, transport, expect_error=None):
        sio = socketio.Client(reconnection=False)
        got = queue.Queue()
        errors = queue.Queue()
        sio.on("my response", lambda *a: got.put(a))
        sio.on("connect_error", lambda *a: errors.put(a))
        if expect_error:
            with self.assertRaises(socketio.exceptions.ConnectionError):
                sio.connect(SIOC.url, headers={"Cookie": "session=" + cookie},
                            transports=[transport], wait_timeout=1)
            self.assertEqual(errors.get(timeout=WAIT),
                             ({"message": expect_error},))
            sio.disconnect()
            return None, None
        sio.connect(SIOC.url, headers={"Cookie": "session=" + cookie},
                    transports=[transport], wait_timeout=WAIT)
        self.addCleanup(sio.disconnect)
        return sio, got

    def call(self, sio, event, *args):
        got = queue.Queue()
        sio.emit(event, tuple(args), callback=lambda *a: got.put(a))
        return got.get(timeout=WAIT)

    def test_flask_login_then_sioc_socket(self):
        s, cookie = self.flask_login("alice", "wonderland")
        # Flask-Login's long _id makes Flask compress the payload.
        self.assertTrue(cookie.startswith("."), cookie)
        for transport in ("websocket", "polling"):
            sio, got = self.connect_root(cookie, transport)
            self.assertEqual(sio.transport(), transport)
            self.assertEqual(got.get(timeout=WAIT),
                             ({"message": "alice has joined"},))
            info = self.call(sio, "whoami")[0]
            self.assertEqual(info["user"], "alice")
            self.assertEqual(self.call(sio, "session_get", "_user_id"),
                             ("1",))
            self.assertEqual(self.call(sio, "session_get", "_id"),
                             (s.get(FLASK.url + "/session/_id",
                                    timeout=WAIT).json()["value"],))
            sio.disconnect()

    def test_sioc_sets_a_key_flask_reads_it(self):
        s, cookie = self.flask_login("bob", "builder")
        fresh_id = s.get(FLASK.url + "/session/_id", timeout=WAIT).json()
        r = requests.post(SIOC.url + "/session/color", data={"value": "blue"},
                          cookies={"session": cookie}, timeout=WAIT)
        self.assertEqual(r.status_code, 200, r.text)
        sioc_cookie = r.cookies.get("session")
        self.assertTrue(sioc_cookie, "sioc answered with a new cookie")
        self.assertNotEqual(sioc_cookie, cookie)
        jar = {"session": sioc_cookie}
        get = lambda k: requests.get(FLASK.url + "/session/" + k,
                                     cookies=jar, timeout=WAIT)
        self.assertEqual(get("color").json(), {"value": "blue"})
        self.assertEqual(get("_user_id").json(), {"value": "2"})
        self.assertEqual(get("_fresh").json(), {"value": True})
        self.assertEqual(get("_id").json(), fresh_id)
        self.assertEqual(requests.get(FLASK.url + "/whoami", cookies=jar,
                                      timeout=WAIT).json(), {"user": "bob"})
        # and back: Flask changes it, sioc reads it
        r = requests.post(FLASK.url + "/session/size", data={"value": "XL"},
                          cookies=jar, timeout=WAIT)
        self.assertEqual(r.status_code, 200)
        r = requests.get(SIOC.url + "/session/size",
                         cookies={"session": r.cookies["session"]},
                         timeout=WAIT)
        self.assertEqual(r.json(), {"value": "XL"})

    def test_sioc_login_flask_sees_the_user(self):
        s = requests.Session()
        self.addCleanup(s.close)
        r = s.post(SIOC.url + "/login",
                   data={"username": "alice", "password": "wonderland"},
                   timeout=WAIT)
        self.assertEqual(r.status_code, 200)
        jar = {"session": s.cookies["session"]}
        self.assertEqual(requests.get(FLASK.url + "/whoami", cookies=jar,
                                      timeout=WAIT).json(), {"user": "alice"})
        s.post(SIOC.url + "/logout", timeout=WAIT)
        jar = {"session": s.cookies.get("session", "")}
        self.assertEqual(requests.get(FLASK.url + "/whoami", cookies=jar,
                                      timeout=WAIT).json(), {"user": None})

    def test_flask_cookie_other_secret_is_anonymous(self):
        good = flask_cookie({"_user_id": "1", "_fresh": True}, SECRET)
        bad = flask_cookie({"_user_id": "1", "_fresh": True}, "other-secret")
        sio, got = self.connect_root(good, "websocket")
        self.assertEqual(got.get(timeout=WAIT),
                         ({"message": "alice has joined"},))
        self.connect_root(bad, "websocket", expect_error="unauthorized")
        r = requests.get(SIOC.url + "/session/_user_id",
                         cookies={"session": bad}, timeout=WAIT)
        self.assertEqual(r.status_code, 404)


if __name__ == "__main__":
    unittest.main()
