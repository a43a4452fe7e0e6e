// A Node socket.io 4 server in a cluster through @socket.io/redis-adapter
// 8.x, driven over stdin/stdout (one JSON object a line) by the tests:
// it speaks the chat's join/say/leave, and runs the cluster operations
// the tests name. Usage: node node-server.mjs redis://HOST:PORT
import http from "node:http";
import readline from "node:readline";
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { Server } from "socket.io";

const url = process.argv[2];
const pub = createClient({ url });
const sub = pub.duplicate();
pub.on("error", () => {});
sub.on("error", () => {});
await Promise.all([pub.connect(), sub.connect()]);
const httpServer = http.createServer();
const io = new Server(httpServer, {
  adapter: createAdapter(pub, sub, { requestsTimeout: 3000 }),
});
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");

io.on("connection", (socket) => {
  socket.data.name = socket.handshake.auth?.name ?? "?";
  socket.onAny((ev, ...args) => out({ socket: socket.id, event: ev, args }));
  socket.on("join", async (room, cb) => {
    await socket.join(room);
    socket.to(room).emit("joined", socket.data.name, room);
    cb?.((await io.in(room).fetchSockets()).length);
  });
  socket.on("say", (room, text, cb) => {
    io.to(room).emit("said", socket.data.name, room, text);
    cb?.(true);
  });
  socket.on("upload", (room, name, data, cb) => {
    socket.to(room).emit("file", socket.data.name, room, name, data);
    cb?.(data.length);
  });
});
io.on("pong_me", () => {});
io.on("server_hello", (...args) => {
  const cb = typeof args.at(-1) === "function" ? args.pop() : null;
  out({ serverEvent: "server_hello", args });
  cb?.({ from: "node" });
});

const ops = {
  fetch: async ({ room }) =>
    (await (room ? io.in(room) : io).fetchSockets()).map((s) => ({
      id: s.id,
      rooms: [...s.rooms],
      handshake: s.handshake,
      data: s.data,
    })),
  rooms: async () => [...(await io.of("/").adapter.allRooms())],
  join: async ({ room, to }) => (to ? io.in(to) : io).socketsJoin(room),
  leave: async ({ room, to }) => (to ? io.in(to) : io).socketsLeave(room),
  disconnect: async ({ to, close }) => (to ? io.in(to) : io).disconnectSockets(!!close),
  emit: async ({ to, event, args }) => {
    (to ? io.to(to) : io).emit(event, ...args);
  },
  emitBinary: async ({ to, event }) => {
    io.to(to).emit(event, Buffer.from([1, 2, 3, 255]));
  },
  emitWithAck: async ({ to, event, args, timeout }) => {
    try {
      return { ok: await io.to(to).timeout(timeout).emitWithAck(event, ...args) };
    } catch (e) {
      return { error: String(e.message) };
    }
  },
  serverSideEmit: async ({ event, args }) => {
    try {
      return { ok: await io.serverSideEmitWithAck(event, ...args) };
    } catch (e) {
      return { error: String(e.message) };
    }
  },
  serverCount: async () => io.of("/").adapter.serverCount(),
};

readline.createInterface({ input: process.stdin }).on("line", async (line) => {
  const c = JSON.parse(line);
  try {
    out({ id: c.id, result: (await ops[c.op](c)) ?? null });
  } catch (e) {
    out({ id: c.id, error: String(e?.message ?? e) });
  }
});
process.on("SIGTERM", () => {
  io.close();
  process.exit(0);
});
httpServer.listen(0, "127.0.0.1", () =>
  out({ ready: true, port: httpServer.address().port }),
);
