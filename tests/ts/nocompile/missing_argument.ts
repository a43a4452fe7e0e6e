// say takes a room and a text before its ack.
// schema: chat.sio
// expect: TS2554 Expected 4 arguments, but got 3
import type { AckError, ChatSocket } from "./chat.sio";
declare const socket: ChatSocket;
socket.emit("say", "room", (ok: boolean | AckError) => {}); // error here
