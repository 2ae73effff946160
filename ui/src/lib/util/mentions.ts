// Mentions as the UI shows and types them. Who a message mentions is the
// server's word (`mentions`, `mention_room`, `mentions_me`); the text is only
// split here to mark those names where they stand.

import { LIMITS } from '../backend/types';
import { mentionSpans } from './validate';

const lower = (name: string) => name.toLowerCase();

/** A piece of a message's text: plain, or an `@name` the server resolved. */
export interface Segment {
  text: string;
  /** `me`: this user (or `@room`); `other`: someone else; absent: plain text. */
  mention?: 'me' | 'other';
}

/**
 * Splits `text` into plain runs and the `@name`s the server listed in
 * `mentions` (or `@room` when `mentionRoom`). An `@word` the server did not
 * resolve stays plain.
 */
export function mentionSegments(text: string, mentions: string[], mentionRoom: boolean, me: string | null): Segment[] {
  const known = new Set(mentions.map(lower));
  const out: Segment[] = [];
  let at = 0;
  for (const { start, name } of mentionSpans(text)) {
    const isRoom = mentionRoom && lower(name) === LIMITS.roomMention;
    if (!isRoom && !known.has(lower(name))) continue;
    if (start > at) out.push({ text: text.slice(at, start) });
    const end = start + 1 + name.length;
    out.push({ text: text.slice(start, end), mention: isRoom || (me !== null && lower(name) === lower(me)) ? 'me' : 'other' });
    at = end;
  }
  if (at < text.length || out.length === 0) out.push({ text: text.slice(at) });
  return out;
}

/** The `@partial` being typed just before the caret: where its `@` is and what follows it. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|[^\p{Alphabetic}\p{N}_.-])@([\p{Alphabetic}\p{N}_.-]*)$/u.exec(before);
  if (!m) return null;
  return { start: caret - m[2].length - 1, query: m[2] };
}

/**
 * Names to offer for `@query`: the conversation's people (not this user) whose
 * name starts with it, sorted, then `@room` for admins in a room.
 */
export function mentionCandidates(query: string, people: string[], me: string | null, offerRoom: boolean, max = 8): string[] {
  const q = lower(query);
  const names = [...new Set(people)]
    .filter((n) => n !== me && lower(n).startsWith(q))
    .sort((a, b) => a.localeCompare(b));
  if (offerRoom && LIMITS.roomMention.startsWith(q) && !names.some((n) => lower(n) === LIMITS.roomMention)) names.push(LIMITS.roomMention);
  return names.slice(0, max);
}

/** `text` with the `@partial` at `start` (up to the caret) replaced by `@name `; and where the caret goes. */
export function completeMention(text: string, caret: number, start: number, name: string): { text: string; caret: number } {
  const inserted = `@${name} `;
  const rest = text.slice(caret).replace(/^ /, '');
  return { text: text.slice(0, start) + inserted + rest, caret: start + inserted.length };
}
