#!/usr/bin/env python3
"""Turns docs/tutorial.md into a bash script that follows it literally.

    tutorial.py PAGE PORT > script.sh

A fenced block right after a line "<!-- file: PATH -->" is written to
PATH (~ is $HOME); every ```sh block is run, in order, in one shell. The
page's port 8000 becomes PORT (a free one), a command ending in "&" is
followed by a bounded wait for that port and its PID is kept in
$HOME/.tutorial-pids for the caller to stop.
"""
import re
import shlex
import sys

WAIT = """for _ in $(seq 1 100); do
  (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null && break
  sleep 0.1
done
"""


def blocks(lines):
    """Yields (kind, target, text) for each fenced block."""
    target = None
    i = 0
    while i < len(lines):
        m = re.match(r"<!-- file: (\S+) -->$", lines[i])
        if m:
            target = m.group(1)
            i += 1
            continue
        m = re.match(r"```(\w*)$", lines[i])
        if m:
            body = []
            i += 1
            while i < len(lines) and lines[i] != "```":
                body.append(lines[i])
                i += 1
            yield m.group(1), target, "\n".join(body) + "\n"
            target = None
        i += 1


def main():
    page, port = sys.argv[1], sys.argv[2]
    lines = open(page, encoding="utf-8").read().split("\n")
    out = ["set -euo pipefail"]
    files = commands = 0
    for kind, target, text in blocks(lines):
        if target:
            path = target.replace("~", "$HOME", 1)
            out.append('mkdir -p "$(dirname "%s")"' % path)
            out.append("cat > \"%s\" <<'TUTORIAL_EOF'\n%sTUTORIAL_EOF"
                       % (path, text))
            files += 1
        elif kind == "sh":
            for cmd in text.replace("8000", port).splitlines():
                out.append("echo %s" % shlex.quote("+ " + cmd))
                out.append(cmd)
                if cmd.rstrip().endswith("&"):
                    out.append('echo $! >> "$HOME/.tutorial-pids"')
                    out.append(WAIT.format(port=port))
            commands += 1
    if not files or not commands:
        sys.exit("tutorial.py: no files or no commands in " + page)
    print("\n".join(out))


main()
