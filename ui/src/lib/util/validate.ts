// Input rules shared by the forms and the mock backend. They mirror the server
// (docs/PROTOCOL.md): the server stays the authority, these only give early,
// friendly feedback.

const COLOR_RE = /^#[0-9a-fA-F]{6}$/;
const NAME_RE = /^[\p{L}\p{N}_.-]{1,32}$/u;

/** The color if it is exactly `#rrggbb`, else undefined (so no style is set at all). */
export function safeColor(color: unknown): string | undefined {
  return typeof color === 'string' && COLOR_RE.test(color) ? color : undefined;
}

export function isColor(color: unknown): color is string {
  return safeColor(color) !== undefined;
}

/** Error text for a username or room name, or null when it is fine. */
export function nameProblem(name: string, what = 'Name'): string | null {
  if (name.length === 0) return `${what} is required.`;
  if ([...name].length > 32) return `${what} must be at most 32 characters.`;
  if (!NAME_RE.test(name)) return `${what} may use letters, digits, _ - and . only.`;
  return null;
}

export function passwordProblem(password: string): string | null {
  return password.length < 4 ? 'Password must be at least 4 characters.' : null;
}

export const DEFAULT_PORT = 7878;

/**
 * Splits `host`, `host:port`, `[v6]:port` or a `hearth://HOST:PORT/CODE` link.
 * Returns null when it cannot be an address.
 */
export function parseAddress(input: string): { host: string; port: number; code: string | null } | null {
  let text = input.trim();
  let code: string | null = null;
  const link = /^hearth:\/\/([^/]+)(?:\/([^/?#]*))?\/?$/i.exec(text);
  if (link) {
    text = link[1];
    code = link[2] ? decodeURIComponent(link[2]) : null;
  }
  if (text.length === 0 || /\s/.test(text)) return null;
  let host = text;
  let portText: string | null = null;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    host = v6[1];
    portText = v6[2] ?? null;
  } else if (text.includes(':')) {
    const parts = text.split(':');
    if (parts.length !== 2) return null;
    [host, portText] = parts;
  }
  if (!/^[A-Za-z0-9.-]+$/.test(host) && !v6) return null;
  const port = portText === null ? DEFAULT_PORT : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || (portText !== null && !/^\d+$/.test(portText))) return null;
  return { host, port, code };
}

/** `host:port`, with brackets for IPv6. */
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
