"""Guards the shape of libsio from its symbols.

1. Layers: an object of runtime/src/<layer>/ may reference symbols
   defined only in the layers below it (ALLOWED), and only transport/
   may reference libwebsockets (lws_*). The codec does no I/O at all.
2. ABI: the dynamic symbols libsio.so defines are exactly the functions
   runtime/include/*.h declares, both ways.

Each check is one test line; the last line is "N passed, N failed".
"""
import os
import re
import subprocess
import sys

# Which layers each layer may use (its own included).
ALLOWED = {
    "util": {"util"},
    "codec": {"util", "codec"},
    "transport": {"util", "codec", "transport"},
    "core": {"util", "codec", "transport", "core"},
    "web": {"util", "codec", "transport", "core", "web"},
    "admin": {"util", "codec", "transport", "core", "admin"},
}
# libc calls that are I/O: the codec works on buffers only.
IO_CALLS = {
    "read", "write", "send", "recv", "sendto", "recvfrom", "socket",
    "connect", "accept", "bind", "listen", "open", "close", "fopen",
    "fclose", "fread", "fwrite", "fprintf", "printf", "puts", "fputs",
    "poll", "select", "epoll_wait", "getaddrinfo",
}

build = sys.argv[1] if len(sys.argv) > 1 else "build"
passed = failed = 0


def result(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok - {what}")
    else:
        failed += 1
        print(f"not ok - {what}")
        for line in detail.splitlines():
            print(f"    {line}")


def nm(args, path):
    out = subprocess.run(["nm"] + args + [path], capture_output=True,
                         text=True, check=True).stdout
    return [line.split() for line in out.splitlines() if line.strip()]


def objects(layer):
    d = os.path.join(build, "obj", "runtime", layer)
    if not os.path.isdir(d):
        return []
    return sorted(os.path.join(d, f) for f in os.listdir(d)
                  if f.endswith(".o"))


# ---- 1. layers ------------------------------------------------------------
defined = {}  # symbol -> layer
undefined = {}  # layer -> {symbol: [objects]}
for layer in ALLOWED:
    objs = objects(layer)
    result(bool(objs), f"{layer}: objects built")
    undefined[layer] = {}
    for o in objs:
        for f in nm(["--defined-only", "-g"], o):
            defined[f[-1]] = layer
        for f in nm(["-u"], o):
            undefined[layer].setdefault(f[-1], []).append(os.path.basename(o))

for layer, allowed in ALLOWED.items():
    bad = []
    for sym, objs in sorted(undefined[layer].items()):
        owner = defined.get(sym)
        if owner is not None and owner not in allowed:
            bad.append(f"{', '.join(objs)} -> {sym} ({owner})")
    result(not bad, f"{layer}: uses only {', '.join(sorted(allowed))}",
           "\n".join(bad))

for layer in ALLOWED:
    if layer == "transport":
        continue
    bad = [f"{', '.join(o)} -> {s}" for s, o in sorted(undefined[layer].items())
           if s.startswith("lws_")]
    result(not bad, f"{layer}: no libwebsockets symbol", "\n".join(bad))

bad = [f"{', '.join(o)} -> {s}" for s, o in sorted(undefined["codec"].items())
       if s in IO_CALLS]
result(not bad, "codec: no I/O call", "\n".join(bad))

# ---- 2. ABI -----------------------------------------------------------------
def declared_functions():
    names = set()
    inc = "runtime/include"
    for f in sorted(os.listdir(inc)):
        if not f.endswith(".h"):
            continue
        text = open(os.path.join(inc, f), encoding="utf-8").read()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        text = re.sub(r"//[^\n]*", " ", text)
        # preprocessor lines, continuations included
        text = re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", " ", text, flags=re.M)
        # a name followed by "(" that is not "(*name)": a function
        for m in re.finditer(r"(\(\s*\*\s*)?\b([A-Za-z_]\w*)\s*\((?!\s*\*)",
                             text):
            if m.group(1) is None:
                names.add(m.group(2))
    keywords = {"if", "while", "for", "sizeof", "return", "switch",
                "__attribute__", "typedef"}
    return {n for n in names if n not in keywords}


so = os.path.join(build, "lib", "libsio.so")
if os.path.exists(so):
    exported = {f[-1].split("@")[0] for f in nm(["-D", "--defined-only"], so)}
    declared = declared_functions()
    extra = sorted(exported - declared)
    missing = sorted(declared - exported)
    result(not extra, "libsio.so exports nothing the public headers do not "
           "declare", "\n".join(extra))
    result(not missing, "libsio.so exports every function the public "
           "headers declare", "\n".join(missing))
else:
    result(False, f"{so} built")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
