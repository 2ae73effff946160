/** `hh:mm` in local time; empty for an unparsable timestamp. */
export function hhmm(ts: string): string {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return '';
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** `YYYY-MM-DD` in local time; the input itself when unparsable. */
export function day(ts: string): string {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** `YYYY-MM-DD hh:mm:ss` in local time, for the audit log. */
export function dateTime(ts: string): string {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  return `${day(ts)} ${hhmm(ts)}:${String(d.getSeconds()).padStart(2, '0')}`;
}

/** How long ago, for lists: `just now`, `5 min ago`, `3 h ago`, `4 days ago`, then the day. */
export function ago(ts: string, now: number = Date.now()): string {
  const then = new Date(ts).getTime();
  if (Number.isNaN(then)) return ts;
  const minutes = Math.floor((now - then) / 60_000);
  if (minutes < 1) return 'just now'; // also a clock a little ahead of ours
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  if (days < 7) return days === 1 ? '1 day ago' : `${days} days ago`;
  return day(ts);
}

/** `m:ss` (or `h:mm:ss`) for a countdown; 0:00 once it is over. */
export function countdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
