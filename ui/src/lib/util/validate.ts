// The server's input rules (hearth_protocol::rules), shared by the forms and the
// mock backend. Every limit, the name punctuation and the palette come from the
// generated LIMITS and PALETTE; lengths count Unicode scalar values (code
// points), exactly as Rust's `chars().count()`. The server stays the authority:
// these only give early, friendly feedback.

import { LIMITS } from '../backend/generated';

const COLOR_RE = /^#[0-9a-fA-F]{6}$/;

/** Escapes a character for a `u`-flag character class. */
const inClass = (c: string) => (/[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c);
const PUNCTUATION = [...LIMITS.namePunctuation];
/** Rust's `char::is_alphanumeric()` (Alphabetic or Numeric), or the allowed punctuation. */
const NAME_RE = new RegExp(`^[\\p{Alphabetic}\\p{N}${PUNCTUATION.map(inClass).join('')}]+$`, 'u');
/** `_ - and .` (or `_ - or .`) */
const listed = (word: string) => `${PUNCTUATION.slice(0, -1).join(' ')} ${word} ${PUNCTUATION.at(-1)}`;

/** What a name may be, for a form's hint. */
export const NAME_HINT = `Up to ${LIMITS.nameMaxChars} letters, digits, ${listed('or')}`;
/** What a password must be, for a form's hint. */
export const PASSWORD_HINT = `At least ${LIMITS.passwordMinChars} characters.`;

/** Characters as the server counts them: Unicode scalar values, not UTF-16 units. */
export function charCount(text: string): number {
  return [...text].length;
}

/** Empty or only whitespace, as Rust's `trim().is_empty()` sees it (Unicode White_Space). */
export function isBlank(text: string): boolean {
  return /^\p{White_Space}*$/u.test(text);
}

/** The color if it is exactly `#rrggbb`, else undefined (so no style is set at all). */
export function safeColor(color: unknown): string | undefined {
  return typeof color === 'string' && COLOR_RE.test(color) ? color : undefined;
}

export function isColor(color: unknown): color is string {
  return safeColor(color) !== undefined;
}

/** Error text for a username or room name, or null when it is fine. */
export function nameProblem(name: string, what = 'Name'): string | null {
  const n = charCount(name);
  if (n === 0) return `${what} is required.`;
  if (n > LIMITS.nameMaxChars) return `${what} must be at most ${LIMITS.nameMaxChars} characters.`;
  if (!NAME_RE.test(name)) return `${what} may use letters, digits, ${listed('and')} only.`;
  return null;
}

export function passwordProblem(password: string): string | null {
  const n = charCount(password);
  if (n < LIMITS.passwordMinChars) return `Password must be at least ${LIMITS.passwordMinChars} characters.`;
  if (n > LIMITS.passwordMaxChars) return `Password must be at most ${LIMITS.passwordMaxChars} characters.`;
  return null;
}

/** Error text for a message, or null when the server will take it. */
export function textProblem(text: string): string | null {
  if (isBlank(text)) return 'Write something first.';
  if (charCount(text) > LIMITS.textMaxChars) return `Messages can be at most ${LIMITS.textMaxChars} characters.`;
  return null;
}

/** The longest room name a host announces on the LAN (hearth_discovery::beacon::MAX_NAME_CHARS, generated). */
export const ROOM_NAME_MAX_CHARS = LIMITS.hostRoomNameMaxChars;

/** Error text for an announced room name (empty: the shell's "NAME's room"), or null when the shell takes it. */
export function roomNameProblem(name: string): string | null {
  if (charCount(name.trim()) > ROOM_NAME_MAX_CHARS) return `The room name must be at most ${ROOM_NAME_MAX_CHARS} characters.`;
  if (/\p{Cc}/u.test(name)) return 'The room name cannot hold control characters.';
  return null;
}

/** Error text for a kick reason, or null when the server will take it. */
export function reasonProblem(reason: string): string | null {
  if (isBlank(reason)) return 'Say why: the reason is shown to them.';
  if (charCount(reason) > LIMITS.reasonMaxChars) return `The reason can be at most ${LIMITS.reasonMaxChars} characters.`;
  return null;
}

/** `host:port`, with brackets for IPv6 (for showing an address the shell gave as IP and port). */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Join codes are case-insensitive and ignore dashes and spaces. */
export function normalizeCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

export function isPlausibleCode(code: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{16}$/.test(normalizeCode(code).replace(/[IL]/g, '1').replace(/O/g, '0'));
}

/** A character a name may hold (Rust's `is_alphanumeric()` or the name punctuation). */
const NAME_CHAR_RE = new RegExp(`[\\p{Alphabetic}\\p{N}${PUNCTUATION.map(inClass).join('')}]`, 'u');

/** One `@name` in a text: where the `@` is, and the name as written (without the `@`). */
export interface MentionSpan {
  start: number;
  name: string;
}

/**
 * The `@name`s of a text, as the server reads them (rules::mentioned_names):
 * a name runs while name characters follow, trailing dots are left out, and an
 * `@` inside a word (an e-mail address) is none. Each occurrence, in order.
 */
export function mentionSpans(text: string): MentionSpan[] {
  const out: MentionSpan[] = [];
  const chars = [...text];
  let offset = 0; // UTF-16 index of chars[i]
  for (let i = 0; i < chars.length; offset += chars[i].length, i++) {
    if (chars[i] !== '@') continue;
    const before = chars[i - 1];
    let j = i + 1;
    while (j < chars.length && NAME_CHAR_RE.test(chars[j])) j++;
    const name = chars.slice(i + 1, j).join('').replace(/\.+$/, '');
    const inWord = before !== undefined && NAME_CHAR_RE.test(before);
    if (!inWord && name.length > 0 && charCount(name) <= LIMITS.nameMaxChars) out.push({ start: offset, name });
  }
  return out;
}

/** Error text for a search query, or null when the server will take it. */
export function queryProblem(query: string): string | null {
  const n = charCount(query);
  if (n === 0 || n > LIMITS.searchQueryMaxChars || !/[\p{Alphabetic}\p{N}]/u.test(query)) {
    return `Search for 1 to ${LIMITS.searchQueryMaxChars} characters with a letter or digit.`;
  }
  return null;
}

const EMOJI_RE = new RegExp('^\\p{RGI_Emoji}$', 'v');

/** Exactly one emoji of the Unicode list, with or without its variation selector (rules::check_emoji). */
export function isEmoji(text: string): boolean {
  return EMOJI_RE.test(text) || EMOJI_RE.test(`${text.replace(/\uFE0F/g, '')}\uFE0F`) || EMOJI_RE.test(text.replace(/\uFE0F/g, ''));
}
