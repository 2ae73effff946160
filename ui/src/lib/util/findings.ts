// The host's network check (`host_check`), as the host panel shows it.

import type { Finding, Severity } from '../backend/types';

/** Most serious first. */
const RANK: Record<Severity, number> = { problem: 0, warning: 1, info: 2, ok: 3 };

/** The findings, most serious first; equally serious ones keep the shell's order. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return findings.map((f, i) => ({ f, i })).sort((a, b) => RANK[a.f.severity] - RANK[b.f.severity] || a.i - b.i).map(({ f }) => f);
}

/** One piece of a finding's text: plain, or a command to type (it was in `backticks`). */
export interface TextSpan {
  text: string;
  code: boolean;
}

/** Splits text at backticks: every other piece is a command. An unpaired backtick stays as text. */
export function codeSpans(text: string): TextSpan[] {
  const spans: TextSpan[] = [];
  const re = /`([^`]+)`/g;
  let at = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index > at) spans.push({ text: text.slice(at, m.index), code: false });
    spans.push({ text: m[1], code: true });
    at = m.index + m[0].length;
  }
  if (at < text.length) spans.push({ text: text.slice(at), code: false });
  return spans;
}
