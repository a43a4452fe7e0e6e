"""Starts an example server of this project for the Python interop tests.

ExampleServer(binary, name, *args) runs BINARY --host 127.0.0.1 --port 0
ARGS, reads its start line "NAME: listening on http(s)://127.0.0.1:PORT/"
(waiting at most 15 s) and stops it by PID: SIGTERM, at most 5 s, then
SIGKILL.
"""
import queue
import re
import signal
import subprocess
import threading


class ExampleServer:
    """One example server on a free port of 127.0.0.1."""

    def __init__(self, binary, name, *args):
        start_re = re.compile(
            r"^%s: listening on (https?)://127\.0\.0\.1:(\d+)/$"
            % re.escape(name))
        self.proc = subprocess.Popen(
            [binary, "--host", "127.0.0.1", "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
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
        m = start_re.match(line or "")
        if not m:
            self.proc.kill()
            self.proc.wait(5)
            raise RuntimeError("%s did not start: %r" % (name, line))
        self.port = int(m.group(2))
        self.url = "%s://127.0.0.1:%d" % (m.group(1), self.port)

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
