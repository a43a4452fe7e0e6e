// emitWithAck's result may be the server's error object: it is not a
// plain number until checked.
// schema: chat.sio
// expect: TS2322 Type 'number \| AckError' is not assignable to type 'number'
import type { ChatSocket } from "./chat.sio";
declare const socket: ChatSocket;
export async function f() {
    const n: number = await socket.emitWithAck("join", "room"); // error here
    return n;
}
