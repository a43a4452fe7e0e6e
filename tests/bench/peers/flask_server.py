"""flask_server.py - the Flask-SocketIO peer of make bench
(docs/bench.md): echo, join and publish, each acked, on
eventlet.

    /usr/bin/python3 tests/bench/peers/flask_server.py [PORT]   (0: any)

Run it with Debian's python3 (python3-flask-socketio, python3-eventlet).
Prints "flask_server: listening on http://127.0.0.1:PORT/" when ready.
"""
import eventlet

eventlet.monkey_patch()

import signal  # noqa: E402
import sys  # noqa: E402

import eventlet.wsgi  # noqa: E402
from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, emit, join_room  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(app, async_mode="eventlet", logger=False,
                    engineio_logger=False)


@socketio.on("echo")
def on_echo(p):
    return p


@socketio.on("join")
def on_join(room):
    join_room(room)


@socketio.on("publish")
def on_publish(room, p):
    emit("tick", p, to=room)


def main():
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and not sys.argv[1].isdigit()):
        sys.exit("usage: flask_server.py [PORT]")
    port = int(sys.argv[1]) if len(sys.argv) == 2 else 0
    listener = eventlet.listen(("127.0.0.1", port))
    print("flask_server: listening on http://127.0.0.1:%d/"
          % listener.getsockname()[1], flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # max_size: eventlet's default of 1024 green threads would cap the
    # connections at 1024.
    eventlet.wsgi.server(listener, app, log_output=False, max_size=200000)


if __name__ == "__main__":
    main()
