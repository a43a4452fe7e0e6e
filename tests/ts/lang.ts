// Maps, unions and defaults as a client uses them: this must compile
// under tsc --strict (the nocompile/ cases show what must not).
import type { MapsSocket, Player } from "./maps.sio";
import type { UnionsSocket, Shape } from "./unions.sio";
import type { DefaultsSocket, Settings } from "./defaults.sio";

declare const maps: MapsSocket;
declare const unions: UnionsSocket;
declare const defaults: DefaultsSocket;

export function area(s: Shape): number {
    switch (s.kind) { // the tag narrows to the variant's record
        case "circle":
            return Math.PI * s.r * s.r;
        case "square":
            return s.side * s.side;
        case "text-label":
            return s.text.length;
    }
}

export async function play(): Promise<number> {
    const p: Player = { name: "n", scores: { a: 1, b: 2 }, levels: { x: "low" } };
    const totals = await maps.emitWithAck("score", { ...p.scores }, null);
    let sum = 0;
    if (!("error" in totals))
        for (const [, v] of Object.entries(totals)) sum += v;
    unions.emit("draw", { kind: "square", side: 2 }, undefined, () => {});
    unions.on("drawn", (s) => { sum += area(s); });
    // Defaulted fields and trailing parameters may be left out.
    const st: Settings = {};
    defaults.emit("list", st, undefined, undefined, () => {});
    return sum;
}
