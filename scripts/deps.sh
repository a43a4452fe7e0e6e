#!/usr/bin/env bash
# Installs what sioc needs and is missing: Debian packages (apt-get, as
# root) and the npm packages of tests/ and tests/asyncapi/ (npm ci from
# their package-lock.json).
#   scripts/deps.sh [--quiet]
set -euo pipefail
cd "$(dirname "$0")/.."
quiet=0
[ "${1:-}" = "--quiet" ] && quiet=1
say() { [ $quiet = 1 ] || echo "deps: $*"; }

debs=(build-essential pkg-config libwebsockets-dev libjansson-dev re2c
	libev-dev libwebsockets-evlib-ev libuv1-dev libwebsockets-evlib-uv
	libssl-dev zlib1g-dev libcmocka-dev clang libclang-rt-14-dev
	python3 python3-socketio python3-websocket python3-requests
	man-db groff-base openssl)
# Extra packages a feature adds: one per line in scripts/deps-extra.txt.
if [ -f scripts/deps-extra.txt ]; then
	while read -r p; do [ -n "$p" ] && debs+=("$p"); done \
		< <(grep -v '^#' scripts/deps-extra.txt)
fi
missing=()
for p in "${debs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing+=("$p")
done
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	if [ "$(id -u)" != 0 ]; then
		echo "deps: not root; run: sudo apt-get install ${missing[*]}" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	# Servers the tests start themselves (nginx, redis-server) must not
	# be started as system services by their install: policy-rc.d says
	# no for the length of the install.
	rc_policy=/usr/sbin/policy-rc.d
	own_policy=0
	if [ ! -e $rc_policy ]; then
		printf '#!/bin/sh\nexit 101\n' >$rc_policy
		chmod +x $rc_policy
		own_policy=1
		trap 'rm -f $rc_policy' EXIT
	fi
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	[ $own_policy = 0 ] || rm -f $rc_policy
fi

# npm packages for the tests, from the committed lock files: tests/ (the
# clients, typescript) and tests/asyncapi/ (the AsyncAPI validator, large,
# so in a folder of its own).
for dir in tests tests/asyncapi; do
	[ -f $dir/package-lock.json ] || continue
	stamp=$dir/node_modules/.sioc-lock-stamp
	if [ ! -f "$stamp" ] || ! cmp -s $dir/package-lock.json "$stamp"; then
		echo "deps: npm ci in $dir/"
		(cd $dir && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
		cp $dir/package-lock.json "$stamp"
	fi
done
say "all present"
