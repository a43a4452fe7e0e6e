"""liar.py - a benchmark server that breaks docs/bench.md in one chosen
way, so that tests/bench/run.sh can check that the load generator notices
(a wrong or lost reply is an error, not a number).  Standard library only.

    python3 tests/bench/peers/liar.py MODE [PORT]      (PORT 0: any)

MODE:
  silent      accepts TCP connections and never answers (exit 4, timeout)
  bad-accept  answers the upgrade with a wrong Sec-WebSocket-Accept (3)
  wrong-ack   acks echo 3 with one payload byte changed (3)
  lost-tick   drops tick 12 to one socket of the room (3)
  pinger      behaves, but pings (Engine.IO "2" and a WebSocket ping) and
              closes the socket unless both are answered; sends each echo
              ack in two fragments (0)
Otherwise it behaves: echo, join and publish as the protocol says.
"""
import base64
import hashlib
import socket
import struct
import sys
import threading

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MODES = ("silent", "bad-accept", "wrong-ack", "lost-tick", "pinger")
room = []
room_lock = threading.Lock()


def frame(text):
    data = text.encode()
    n = len(data)
    if n < 126:
        head = struct.pack("!BB", 0x81, n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x81, 126, n)
    else:
        head = struct.pack("!BBQ", 0x81, 127, n)
    return head + data


def fragments(text):
    """text as a text frame without FIN and a final continuation frame."""
    data = text.encode()
    half = len(data) // 2
    a, b = data[:half], data[half:]
    return (struct.pack("!BB", 0x01, len(a)) + a +
            struct.pack("!BB", 0x80, len(b)) + b)


def read_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def read_frame(conn):
    """One client frame (masked, unfragmented): (opcode, text)."""
    b0, b1 = read_exact(conn, 2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", read_exact(conn, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", read_exact(conn, 8))[0]
    mask = read_exact(conn, 4)
    data = bytearray(read_exact(conn, n))
    for i in range(n):
        data[i] ^= mask[i & 3]
    if b0 & 0x0F == 8:
        raise ConnectionError("close frame")
    return b0 & 0x0F, data.decode()


def read_message(conn):
    return read_frame(conn)[1]


def ping_check(conn):
    """Pings both ways; raises unless both pongs come back."""
    conn.sendall(frame("2") + struct.pack("!BB", 0x89, 2) + b"hi")
    got = {read_frame(conn) for _ in range(2)}
    if got != {(1, "3"), (10, "hi")}:
        raise ConnectionError("ping not answered: %r" % got)


def handshake(conn, mode):
    req = b""
    while b"\r\n\r\n" not in req:
        chunk = conn.recv(4096)
        if not chunk:
            raise ConnectionError("closed")
        req += chunk
    key = b""
    for line in req.split(b"\r\n"):
        if line.lower().startswith(b"sec-websocket-key:"):
            key = line.split(b":", 1)[1].strip()
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    if mode == "bad-accept":
        accept = base64.b64encode(hashlib.sha1(key).digest())
    conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept +
                 b"\r\n\r\n")
    conn.sendall(frame('0{"sid":"liar","upgrades":[],"pingInterval":25000,'
                       '"pingTimeout":20000,"maxPayload":1000000}'))


def on_event(conn, mode, text):
    body = text[2:]
    ack_id = body[:len(body) - len(body.lstrip("0123456789"))]
    rest = body[len(ack_id):]
    if rest.startswith('["echo",'):
        payload = rest[8:-1]
        if mode == "wrong-ack" and ack_id == "3":
            payload = payload[:-2] + ("x" if payload[-2] != "x" else "y") + '"'
        ack = "43%s[%s]" % (ack_id, payload)
        conn.sendall(fragments(ack) if mode == "pinger" else frame(ack))
    elif rest.startswith('["join",'):
        with room_lock:
            room.append(conn)
        conn.sendall(frame("43%s[]" % ack_id))
    elif rest.startswith('["publish",'):
        args = rest[len('["publish",'):]  # "<room>",<p>]
        payload = args[args.index('",') + 2:-1]
        seq = payload[1:payload.index(".")]
        with room_lock:
            members = list(room)
        for i, m in enumerate(members):
            if mode == "lost-tick" and seq == "12" and i == 0:
                continue
            m.sendall(frame('42["tick",%s]' % payload))
        conn.sendall(frame("43%s[]" % ack_id))


def serve(conn, mode):
    try:
        if mode == "silent":
            while conn.recv(4096):
                pass
            return
        handshake(conn, mode)
        while True:
            text = read_message(conn)
            if text == "40":
                conn.sendall(frame('40{"sid":"liar"}'))
                if mode == "pinger":
                    ping_check(conn)
            elif text.startswith("42"):
                on_event(conn, mode, text)
    except (ConnectionError, OSError, ValueError):
        pass
    finally:
        with room_lock:
            if conn in room:
                room.remove(conn)
        conn.close()


def main():
    if len(sys.argv) not in (2, 3) or sys.argv[1] not in MODES:
        sys.exit("usage: liar.py %s [PORT]" % "|".join(MODES))
    port = int(sys.argv[2]) if len(sys.argv) == 3 else 0
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(128)
    print("liar: listening on http://127.0.0.1:%d/" % srv.getsockname()[1],
          flush=True)
    while True:
        conn, _ = srv.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve, args=(conn, sys.argv[1]),
                         daemon=True).start()


if __name__ == "__main__":
    main()
