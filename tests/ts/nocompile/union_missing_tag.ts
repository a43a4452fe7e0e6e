// A union's value needs its tag: a bare record is not a Shape.
// schema: unions.sio
// expect: TS2345 Property 'kind' is missing
import type { UnionsSocket } from "./unions.sio";
declare const socket: UnionsSocket;
socket.emit("draw", { r: 1 }, null, () => {}); // error here
