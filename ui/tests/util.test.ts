import { describe, expect, it } from 'vitest';
import { BackendError, errorCode, errorMessage } from '../src/lib/backend/errors';
import { wantsMock } from '../src/lib/backend';
import { ago, countdown, dateTime, day, hhmm } from '../src/lib/util/time';
import { LIMITS } from '../src/lib/backend/types';
import type { Finding } from '../src/lib/backend/types';
import { codeSpans, sortFindings } from '../src/lib/util/findings';
import {
  charCount,
  formatAddress,
  isBlank,
  isPlausibleCode,
  nameProblem,
  normalizeCode,
  passwordProblem,
  reasonProblem,
  roomNameProblem,
  safeColor,
  textProblem,
} from '../src/lib/util/validate';

describe('safeColor', () => {
  it('accepts exactly #rrggbb', () => {
    expect(safeColor('#a1B2c3')).toBe('#a1B2c3');
  });
  it.each(['red', '#abc', '#abcdefa', 'rgb(1,2,3)', '#12345g', 'red;background:url(x)', '#123456;x', null, 42])('rejects %s', (c) => {
    expect(safeColor(c)).toBeUndefined();
  });
});

describe('names and passwords', () => {
  it('follows the server rules', () => {
    expect(nameProblem('Åsa_1.x-y')).toBeNull();
    expect(nameProblem('')).toMatch(/required/);
    expect(nameProblem('a'.repeat(33))).toMatch(/32/);
    expect(nameProblem('has space')).toMatch(/letters/);
    expect(nameProblem('<img>')).toMatch(/letters/);
    expect(passwordProblem('abc')).toMatch(/4/);
    expect(passwordProblem('abcd')).toBeNull();
  });
});

describe('lengths count code points, as the server does', () => {
  const emoji = '👍';
  it('counts Unicode scalar values, like Rust chars().count()', () => {
    expect(emoji.length).toBe(2);
    expect(charCount(emoji)).toBe(1);
    expect(charCount('e\u0301')).toBe(2); // a letter and a combining mark: two chars in Rust too
    expect(charCount('👩‍👩‍👧')).toBe(5); // three people joined by two zero-width joiners
  });
  it('takes a message of exactly the limit in emoji, and refuses one more', () => {
    expect(LIMITS.textMaxChars).toBe(4000);
    expect(textProblem(emoji.repeat(LIMITS.textMaxChars))).toBeNull();
    expect(textProblem(emoji.repeat(LIMITS.textMaxChars + 1))).toMatch(/4000/);
    expect(textProblem('e\u0301'.repeat(LIMITS.textMaxChars / 2))).toBeNull();
    expect(textProblem('e\u0301'.repeat(LIMITS.textMaxChars / 2) + 'x')).toMatch(/4000/);
  });
  it('refuses blank messages and reasons the way Rust trims (Unicode White_Space)', () => {
    expect(textProblem('')).not.toBeNull();
    expect(textProblem(' \n\t\u3000')).not.toBeNull();
    expect(isBlank('\u00a0\u2003')).toBe(true);
    expect(isBlank('\ufeff')).toBe(false); // not White_Space: Rust keeps it, so the server takes it
    expect(reasonProblem('  ')).toMatch(/Say why/);
  });
  it('limits kick reasons in code points', () => {
    expect(reasonProblem(emoji.repeat(LIMITS.reasonMaxChars))).toBeNull();
    expect(reasonProblem(emoji.repeat(LIMITS.reasonMaxChars + 1))).toMatch(/200/);
  });
  it('counts password lengths in code points', () => {
    expect(passwordProblem(emoji.repeat(LIMITS.passwordMinChars))).toBeNull();
    expect(passwordProblem(emoji.repeat(LIMITS.passwordMinChars - 1))).toMatch(/at least 4/);
    expect(passwordProblem('p'.repeat(LIMITS.passwordMaxChars))).toBeNull();
    expect(passwordProblem('p'.repeat(LIMITS.passwordMaxChars + 1))).toMatch(/at most 1024/);
  });
  it('takes names of up to 32 letters of any script, counted as code points', () => {
    const cjk = '漢字仮名交じり文春夏秋冬東西南北上下左右前後内外天地日月山川草木';
    expect(charCount(cjk)).toBe(32);
    expect(nameProblem(cjk)).toBeNull();
    expect(nameProblem(`${cjk}水`)).toMatch(/32/);
    const script = '𝒜'.repeat(LIMITS.nameMaxChars); // astral letters: 64 UTF-16 units
    expect(nameProblem(script)).toBeNull();
    expect(nameProblem(`${script}𝒜`)).toMatch(/32/);
  });
  it('follows char::is_alphanumeric: Alphabetic or Numeric, plus the generated punctuation', () => {
    expect(LIMITS.namePunctuation).toBe('_-.');
    expect(nameProblem('a_b-c.d')).toBeNull();
    expect(nameProblem('किताब')).toBeNull(); // vowel signs are Alphabetic (not \p{L})
    expect(nameProblem('Ⅻ٣²')).toBeNull(); // letter numbers and other numbers are Numeric
    expect(nameProblem('e\u0301')).toMatch(/letters/); // a combining acute is neither
    expect(nameProblem('thumbs👍')).toMatch(/letters/);
    expect(nameProblem('a+b')).toMatch(/letters/);
    expect(nameProblem('a/b')).toMatch(/letters/);
    expect(nameProblem('tab\t')).toMatch(/letters/);
    expect(nameProblem('_ - and .')).toMatch(/_ - and \./);
  });
});

describe('formatAddress', () => {
  it('formats with brackets for IPv6', () => {
    expect(formatAddress('fe80::1', 1)).toBe('[fe80::1]:1');
    expect(formatAddress('10.0.0.1', 2)).toBe('10.0.0.1:2');
  });
});

describe('join codes', () => {
  it('ignore case, dashes and spaces', () => {
    expect(normalizeCode('abcd-efgh jkmn-pqrs')).toBe('ABCDEFGHJKMNPQRS');
    expect(isPlausibleCode('abcd-efgh-jkmn-pqrs')).toBe(true);
    expect(isPlausibleCode('ABCD-EFGH')).toBe(false);
    expect(isPlausibleCode('ABCD-EFGH-JKMN-PQR!')).toBe(false);
  });
});

describe('room names', () => {
  it('are optional, at most 64 code points, without control characters', () => {
    expect(roomNameProblem('')).toBeNull();
    expect(roomNameProblem('🔥'.repeat(64))).toBeNull();
    expect(roomNameProblem('🔥'.repeat(65))).toBe('The room name must be at most 64 characters.');
    expect(roomNameProblem(`  ${'x'.repeat(64)}  `)).toBeNull();
    expect(roomNameProblem('tab\there')).toBe('The room name cannot hold control characters.');
  });
});

describe('network check findings', () => {
  const f = (code: Finding['code'], severity: Finding['severity']): Finding => ({ code, severity, title: code, detail: '' });

  it('sort most serious first, keeping the order of equally serious ones', () => {
    const sorted = sortFindings([f('lan_ready', 'ok'), f('not_checked', 'info'), f('no_lan', 'problem'), f('adapters_skipped', 'info'), f('only_virtual', 'warning')]);
    expect(sorted.map((x) => x.code)).toEqual(['no_lan', 'only_virtual', 'not_checked', 'adapters_skipped', 'lan_ready']);
  });

  it('split backticked commands from the text', () => {
    expect(codeSpans('Run `sudo ufw allow 7878/tcp` or `nft`.')).toEqual([
      { text: 'Run ', code: false },
      { text: 'sudo ufw allow 7878/tcp', code: true },
      { text: ' or ', code: false },
      { text: 'nft', code: true },
      { text: '.', code: false },
    ]);
    expect(codeSpans('no commands')).toEqual([{ text: 'no commands', code: false }]);
    expect(codeSpans('an ` alone')).toEqual([{ text: 'an ` alone', code: false }]);
    expect(codeSpans('')).toEqual([]);
  });
});

describe('time', () => {
  it('formats hh:mm in local time (TZ=UTC in tests)', () => {
    expect(hhmm('2024-05-01T07:05:59Z')).toBe('07:05');
    expect(hhmm('garbage')).toBe('');
    expect(dateTime('2024-05-01T07:05:09Z')).toBe('2024-05-01 07:05:09');
    expect(day('2024-05-01T23:59:09Z')).toBe('2024-05-01');
    expect(day('garbage')).toBe('garbage');
  });
  it('says how long ago, then the day', () => {
    const now = Date.parse('2024-05-10T12:00:00Z');
    expect(ago('2024-05-10T12:00:30Z', now)).toBe('just now');
    expect(ago('2024-05-10T11:59:30Z', now)).toBe('just now');
    expect(ago('2024-05-10T11:55:00Z', now)).toBe('5 min ago');
    expect(ago('2024-05-10T09:00:00Z', now)).toBe('3 h ago');
    expect(ago('2024-05-09T11:00:00Z', now)).toBe('1 day ago');
    expect(ago('2024-05-06T12:00:00Z', now)).toBe('4 days ago');
    expect(ago('2024-04-01T08:00:00Z', now)).toBe('2024-04-01');
    expect(ago('garbage', now)).toBe('garbage');
  });
  it('counts down', () => {
    expect(countdown(299_001)).toBe('5:00');
    expect(countdown(65_000)).toBe('1:05');
    expect(countdown(3_600_000 + 61_000)).toBe('1:01:01');
    expect(countdown(-5)).toBe('0:00');
  });
});

describe('errors', () => {
  it('wraps payloads, strings and Errors', () => {
    const e = BackendError.from({ code: 'kicked', message: 'no', until: null });
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('kicked');
    expect(BackendError.from(e)).toBe(e);
    expect(errorCode('boom')).toBe('internal');
    expect(errorMessage(new Error('bad'))).toBe('bad');
    expect(errorMessage(undefined)).toBe('Something went wrong.');
    expect(errorCode({ code: 1, message: 'x' })).toBe('internal');
  });
});

describe('backend choice', () => {
  const loc = (search: string) => ({ search }) as Location;
  it('uses the mock in a plain browser or with ?mock', () => {
    expect(wantsMock({ location: loc('') })).toBe(true);
    expect(wantsMock({ location: loc(''), __TAURI_INTERNALS__: {} })).toBe(false);
    expect(wantsMock({ location: loc('?mock'), __TAURI_INTERNALS__: {} })).toBe(true);
  });
});
