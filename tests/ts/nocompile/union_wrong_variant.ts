// The tag picks the variant: a circle has no side.
// schema: unions.sio
// expect: TS2353 'side' does not exist
import type { UnionsSocket } from "./unions.sio";
declare const socket: UnionsSocket;
socket.emit("draw", { kind: "circle", side: 1 }, null, () => {}); // error here
