// said's arguments are strings: a listener taking a number is refused.
// schema: chat.sio
// expect: TS2345 Types of parameters 'from' and 'from' are incompatible
import type { ChatSocket } from "./chat.sio";
declare const socket: ChatSocket;
socket.on("said", (from: number) => {}); // error here
