// The UI's names for everything that crosses the IPC boundary. Every shape is
// generated from the Rust definitions (generated.ts, never edited by hand);
// this module only re-exports them and adds a few helpers over them.

export type * from './generated';
export { EVENT_CHANNEL, LIMITS, PALETTE } from './generated';

import type { HearthEvent } from './generated';

export type EventKind = HearthEvent['kind'];
export type EventOf<K extends EventKind> = Extract<HearthEvent, { kind: K }>;
export type EventHandler = (event: HearthEvent) => void;
