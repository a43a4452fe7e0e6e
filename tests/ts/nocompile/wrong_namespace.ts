// "login" is an event of namespace "/open", not of "/".
// schema: login.sio
// expect: TS2345 Argument of type '"login"' is not assignable to parameter of type '"my event" \| "whoami"
import type { LoginSocket } from "./login.sio";
declare const socket: LoginSocket;
socket.emit("login", "alice", "secret", () => {}); // error here
