// A room is a string, not a number.
// schema: chat.sio
// expect: TS2345 Argument of type 'number' is not assignable to parameter of type 'string'
import type { ChatSocket } from "./chat.sio";
declare const socket: ChatSocket;
socket.emit("join", 42, () => {}); // error here
