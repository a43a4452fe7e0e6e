// node-server.mjs - the Node socket.io 4.x peer of make bench
// (docs/bench.md): echo, join and publish, each acked.
//
//   node tests/bench/peers/node-server.mjs [PORT [REDIS_URL]]
//                                  (PORT 0, the default: any)
// With REDIS_URL, rooms and broadcasts span the processes through
// @socket.io/redis-adapter (the cluster table of make bench).
// Prints "node-server: listening on http://127.0.0.1:PORT/" when ready.
import { createServer } from "node:http";
import { Server } from "socket.io";

const port = Number(process.argv[2] ?? 0);
const redisUrl = process.argv[3];
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error("usage: node-server.mjs [PORT]");
  process.exit(1);
}

const httpServer = createServer();
// WebSocket only, as the load generator speaks it; no compression, as
// none is negotiated by the other servers either.
const io = new Server(httpServer, {
  transports: ["websocket"],
  serveClient: false,
  perMessageDeflate: false,
});
if (redisUrl) {
  const { createAdapter } = await import("@socket.io/redis-adapter");
  const { createClient } = await import("redis");
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub));
}

io.on("connection", (socket) => {
  socket.on("echo", (p, ack) => {
    if (typeof ack === "function") ack(p);
  });
  socket.on("join", (room, ack) => {
    socket.join(room);
    if (typeof ack === "function") ack();
  });
  socket.on("publish", (room, p, ack) => {
    io.to(room).emit("tick", p);
    if (typeof ack === "function") ack();
  });
});

httpServer.listen(port, "127.0.0.1", () => {
  const { port: bound } = httpServer.address();
  console.log(`node-server: listening on http://127.0.0.1:${bound}/`);
});

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => process.exit(0));
}
