// Only the union's tags are allowed.
// schema: unions.sio
// expect: TS2322 Type '"triangle"' is not assignable to type '"(circle|square)" \| 
import type { UnionsSocket } from "./unions.sio";
declare const socket: UnionsSocket;
socket.emit("draw", { kind: "triangle", r: 1 }, null, () => {}); // error here
