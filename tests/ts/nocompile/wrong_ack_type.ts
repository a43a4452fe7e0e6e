// join answers a member count (or an error object), not a string.
// schema: chat.sio
// expect: TS2345 Types of parameters 'members' and 'members' are incompatible
import type { ChatSocket } from "./chat.sio";
declare const socket: ChatSocket;
socket.emit("join", "room", (members: string) => {}); // error here
