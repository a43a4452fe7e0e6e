"""python-socketio's client (Debian python3-socketio) against the bench
server (docs/bench.md): echo, join and publish with their acks, over
the websocket transport the load generator uses and over polling.

    SIO_BENCH_BIN=build/examples/bench \\
        /usr/bin/python3 -m unittest -v tests/interop/test_bench_python.py
The server is started on 127.0.0.1 with --port 0 and stopped by its PID.
"""
import os
import queue
import unittest
import warnings

import socketio

from example_server import ExampleServer

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("SIO_BENCH_BIN") or os.path.join(
    HERE, "..", "..", "build", "examples", "bench")
WAIT = 5.0
SERVER = None


def setUpModule():
    global SERVER
    warnings.simplefilter("ignore", ResourceWarning)
    SERVER = ExampleServer(BIN, "bench")


def tearDownModule():
    code = SERVER.stop()
    if code != 0:
        raise RuntimeError("server exit code %r" % (code,))


class BenchTests(unittest.TestCase):
    def client(self, transports):
        sio = socketio.Client(reconnection=False)
        ticks = queue.Queue()
        sio.on("tick", ticks.put)
        self.addCleanup(sio.disconnect)
        sio.connect(SERVER.url, transports=transports, wait_timeout=WAIT)
        return sio, ticks

    def check_events(self, transports):
        a, a_ticks = self.client(transports)
        b, b_ticks = self.client(transports)
        text = "0.héllo \"quoted\" " + "x" * 100
        self.assertEqual(a.call("echo", text, timeout=WAIT), text)
        room = "r-" + "-".join(transports)
        self.assertIn(a.call("join", room, timeout=WAIT), (None, True))
        # b publishes without being a member: a gets the tick, b does not.
        self.assertIn(b.call("publish", (room, "1.tick"), timeout=WAIT),
                      (None, ()))
        self.assertEqual(a_ticks.get(timeout=WAIT), "1.tick")
        # The sender gets its own tick when it is a member.
        self.assertIn(a.call("publish", (room, "2.tick"), timeout=WAIT),
                      (None, ()))
        self.assertEqual(a_ticks.get(timeout=WAIT), "2.tick")
        self.assertTrue(b_ticks.empty())

    def test_websocket(self):
        self.check_events(["websocket"])

    def test_polling(self):
        self.check_events(["polling"])


if __name__ == "__main__":
    unittest.main()
