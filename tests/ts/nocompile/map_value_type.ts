// A map's values have its value type: a string is not an int.
// schema: maps.sio
// expect: TS2322 Type 'string' is not assignable to type 'number'
import type { MapsSocket } from "./maps.sio";
declare const socket: MapsSocket;
socket.emit("score", { a: "1" }, null, () => {}); // error here
