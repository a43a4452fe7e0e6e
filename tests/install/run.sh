#!/usr/bin/env bash
# make install into a temporary prefix, then build and run a program
# against the installed headers and library found through pkg-config
# (shared and static), and run the installed sioc on a schema.
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
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
