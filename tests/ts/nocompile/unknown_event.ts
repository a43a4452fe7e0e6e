// "jion" is no event of the chat.
// schema: chat.sio
// expect: TS2345 Argument of type '"jion"' is not assignable to parameter of type '"join" \| "leave" \| "say"
import type { ChatSocket } from "./chat.sio";
declare const socket: ChatSocket;
socket.emit("jion", "room", () => {}); // error here
