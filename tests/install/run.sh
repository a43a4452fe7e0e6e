#!/usr/bin/env bash
# make install into a temporary prefix, then build and run a program
# against the installed headers and library found through pkg-config
# (shared and static), run the installed sioc on a schema, check the man
# pages, make uninstall, and follow docs/tutorial.md literally.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build}
pass=0 fail=0
check() { # name, then a command
	local name=$1
	shift
	if "$@" >/tmp/sioc-install.$$ 2>&1; then
		pass=$((pass + 1))
	else
		echo "FAIL install: $name"
		sed 's/^/    /' /tmp/sioc-install.$$ | tail -20
		fail=$((fail + 1))
	fi
}
if [ "$B" != build ]; then # one install check is enough: plain build only
	echo "install: checked on the plain build only"
	echo "0 passed, 0 failed"
	exit 0
fi
prefix=$(mktemp -d)
trap 'rm -rf "$prefix" /tmp/sioc-install.$$' EXIT
check "make install" make -s install PREFIX="$prefix"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
cat >"$prefix/app.c" <<'C'
#include <sio.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    sio_options o;
    sio_options_init(&o);
    return strcmp(o.eio.path, "/socket.io/") == 0 &&
                   o.eio.ping_interval_ms == 25000 &&
                   strcmp(SIO_VERSION, "0.1.0") == 0
               ? 0
               : 1;
}
C
check "pkg-config knows libsio" pkg-config --exists libsio
check "build against the shared library" \
	sh -c "cc -std=c11 -Wall -Werror \"$prefix/app.c\" \$(pkg-config --cflags --libs libsio) -o \"$prefix/app\""
check "run with the installed libsio.so" \
	env LD_LIBRARY_PATH="$prefix/lib" "$prefix/app"
check "the installed library's soname" \
	sh -c "objdump -p \"$prefix/lib/libsio.so\" | grep -q 'SONAME *libsio.so.0'"
check "build against the static library" \
	sh -c "cc -std=c11 \"$prefix/app.c\" \$(pkg-config --cflags libsio) \"$prefix/lib/libsio.a\" \$(pkg-config --libs libwebsockets jansson) -lev -lcrypto -lz -lpthread -o \"$prefix/app-static\" && \"$prefix/app-static\""
check "the installed sioc generates code that compiles" \
	sh -c "\"$prefix/bin/sioc\" -o \"$prefix\" schemas/chat.sio && cc -std=c11 -Wall -Wextra -Wpedantic -Werror -c \"$prefix/chat.sio.c\" \$(pkg-config --cflags libsio) -I\"$prefix\" -o \"$prefix/chat.o\""
check "make install puts the headers in include/sio only" \
	sh -c "[ -f \"$prefix/include/sio/sio.h\" ] && [ ! -e \"$prefix/include/sio.h\" ]"
check "make install installs the browser client" \
	test -s "$prefix/share/sioc/socket.io.js"
check "pkg-config names the client" \
	sh -c "[ \"\$(pkg-config --variable=clientjs libsio)\" = \"$prefix/share/sioc/socket.io.js\" ]"
for page in share/man/man1/sioc.1 share/man/man3/libsio.3; do
	check "man page $page renders without warnings" \
		sh -c "out=\$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l \"$prefix/$page\" 2>&1 >/dev/null); [ -z \"\$out\" ] || { echo \"\$out\"; exit 1; }"
done
check "make uninstall removes every installed file" \
	sh -c "make -s uninstall PREFIX=\"$prefix\" && [ -z \"\$(find \"$prefix/include\" \"$prefix/lib\" \"$prefix/bin\" \"$prefix/share\" -type f -o -type l 2>/dev/null)\" ]"

# docs/tutorial.md, followed literally from an empty home: install into
# ~/.local, write its files, build with its Makefile, run its server and
# its Python client, which must print the greeting.
tutorial() {
	local home port out rc pid
	home=$(mktemp -d)
	port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$PY" tests/install/tutorial.py docs/tutorial.md "$port" >"$home/.tutorial.sh" ||
		return 1
	# Debian's python3 first (the one with python3-socketio).
	out=$(cd "$PWD" && HOME=$home PATH=/usr/bin:$PATH \
		timeout --kill-after=5 300 bash "$home/.tutorial.sh" 2>&1)
	rc=$?
	for pid in $(cat "$home/.tutorial-pids" 2>/dev/null); do
		kill "$pid" 2>/dev/null
	done
	echo "$out" | tail -15
	rm -rf "$home"
	[ "$rc" = 0 ] && grep -qx 'Hello, Ada!' <<<"$out"
}
PY=/usr/bin/python3
check "docs/tutorial.md, followed literally" tutorial

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
