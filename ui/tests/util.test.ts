import { describe, expect, it } from 'vitest';
import { BackendError, errorCode, errorMessage } from '../src/lib/backend/errors';
import { wantsMock } from '../src/lib/backend';
import { countdown, dateTime, hhmm } from '../src/lib/util/time';
import { formatAddress, isPlausibleCode, nameProblem, normalizeCode, parseAddress, passwordProblem, safeColor } from '../src/lib/util/validate';

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

describe('parseAddress', () => {
  it('defaults the port', () => expect(parseAddress('192.168.1.2')).toEqual({ host: '192.168.1.2', port: 7878, code: null }));
  it('reads host:port', () => expect(parseAddress(' host.lan:9000 ')).toEqual({ host: 'host.lan', port: 9000, code: null }));
  it('reads IPv6', () => expect(parseAddress('[fe80::1]:7000')).toEqual({ host: 'fe80::1', port: 7000, code: null }));
  it('reads join links', () =>
    expect(parseAddress('hearth://10.0.0.5:7878/ABCD-EFGH-JKMN-PQRS')).toEqual({ host: '10.0.0.5', port: 7878, code: 'ABCD-EFGH-JKMN-PQRS' }));
  it.each(['', 'a b', 'host:0', 'host:70000', 'host:12x', 'a:b:c', 'http://x/'])('rejects %j', (a) => expect(parseAddress(a)).toBeNull());
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

describe('time', () => {
  it('formats hh:mm in local time (TZ=UTC in tests)', () => {
    expect(hhmm('2024-05-01T07:05:59Z')).toBe('07:05');
    expect(hhmm('garbage')).toBe('');
    expect(dateTime('2024-05-01T07:05:09Z')).toBe('2024-05-01 07:05:09');
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
