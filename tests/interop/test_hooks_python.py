"""python-socketio's client (Debian python3-socketio) against the hooks
server (tests/interop/hooks.sio): the connect middleware's refusal, the
event middleware's error ack before the requirements, socket data kept
per socket, and a disconnect by the server.

    SIO_HOOKS_BIN=build/tests/interop/hooks_server \\
        /usr/bin/python3 -m unittest -v tests/interop/test_hooks_python.py
The server is started on 127.0.0.1 with --port 0 and stopped by its PID.
"""
import os
import queue
import threading
import unittest
import warnings

import socketio

from example_server import ExampleServer

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("SIO_HOOKS_BIN") or os.path.join(
    HERE, "..", "..", "build", "tests", "interop", "hooks_server")
WAIT = 5.0
SERVER = None


def setUpModule():
    global SERVER
    warnings.simplefilter("ignore", ResourceWarning)
    SERVER = ExampleServer(BIN, "hooks")


def tearDownModule():
    code = SERVER.stop()
    if code != 0:
        raise RuntimeError("server exit code %r" % (code,))


class HooksTests(unittest.TestCase):
    def client(self):
        sio = socketio.Client(reconnection=False)
        self.addCleanup(sio.disconnect)
        return sio

    def test_connect_middleware_refuses(self):
        sio = self.client()
        errors = queue.Queue()
        sio.on("connect_error", errors.put)
        # The client waits its whole wait_timeout after a refusal.
        with self.assertRaises(socketio.exceptions.ConnectionError):
            sio.connect(SERVER.url, auth={"name": "mallory"}, wait_timeout=1)
        self.assertEqual(errors.get(timeout=WAIT),
                         {"message": "banned", "data": {"who": "mallory"}})

    def test_event_middleware_and_socket_data(self):
        sio = self.client()
        sio.connect(SERVER.url, auth={"name": "ann"}, wait_timeout=WAIT)
        self.assertEqual(sio.call("forbidden", timeout=WAIT),
                         {"error": "not allowed"})
        # The middleware runs before the guard: this one counts too.
        self.assertEqual(sio.call("vip", timeout=WAIT),
                         {"error": "forbidden: vip"})
        self.assertEqual(sio.call("whoami", timeout=WAIT), ("ann", 3))

    def test_server_disconnects(self):
        sio = self.client()
        gone = threading.Event()
        sio.on("disconnect", gone.set)
        sio.connect(SERVER.url, auth={"name": "vip"}, wait_timeout=WAIT)
        self.assertEqual(sio.call("vip", timeout=WAIT), True)
        sio.emit("leave")
        self.assertTrue(gone.wait(WAIT))


if __name__ == "__main__":
    unittest.main()
