"""poll - the live poll of docs/examples.md ("poll") on Flask-SocketIO.

    PORT=8000 POLL_PASSWORD=... python3 app.py
"""
import os

from flask import Flask, send_from_directory, session
from flask_socketio import (ConnectionRefusedError, SocketIO, close_room,
                            emit, join_room, rooms)

CHOICES = ("c", "python", "js")
WWW = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../www")
app = Flask(__name__)
socketio = SocketIO(app)
tally = dict.fromkeys(CHOICES, 0)


@app.route("/")
def index():
    return send_from_directory(WWW, "index.html")


@socketio.on("connect")
def connect(auth):
    name = (auth or {}).get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        raise ConnectionRefusedError("name required")
    session["name"] = name


@socketio.on("vote")
def vote(choice):
    if choice not in CHOICES:
        return {"error": "choice: expected one of c, python, js"}
    if "voted" in rooms():
        return {"error": "already voted"}
    join_room("voted")
    tally[choice] += 1
    emit("tally", (tally, session["name"]), to="voted")
    return tally


@socketio.on("connect", namespace="/admin")
def admin_connect(auth):
    password = os.environ.get("POLL_PASSWORD")
    if not password or (auth or {}).get("password") != password:
        raise ConnectionRefusedError("unauthorized")


@socketio.on("reset", namespace="/admin")
def reset():
    tally.update(dict.fromkeys(CHOICES, 0))
    emit("tally", (tally, None), to="voted", namespace="/")
    close_room("voted", namespace="/")
    return True


if __name__ == "__main__":
    socketio.run(app, port=int(os.environ.get("PORT", 8000)))
