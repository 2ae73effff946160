// Helpers for files in the UI: sizes for people, base64 both ways, and which
// files may be shown inline (the list comes from Rust, generated.ts).
import { LIMITS } from '../backend/types';
import type { FileInfo } from '../backend/types';

/** `0 B`, `1023 B`, `1.5 KiB`, `20.0 MiB`: the same words as the host's messages. */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit + 1 < units.length) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Bytes as standard base64 (in slices, so a big file never overflows the call stack). */
export function toBase64(bytes: Uint8Array): string {
  let text = '';
  const slice = 0x8000;
  for (let i = 0; i < bytes.length; i += slice) {
    text += String.fromCharCode(...bytes.subarray(i, i + slice));
  }
  return btoa(text);
}

/** Standard base64 back to bytes. */
export function fromBase64(text: string): Uint8Array {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** True when the file may be shown inline: one of the four image types, with a thumbnail, not expired. */
export function isInlineImage(file: FileInfo): boolean {
  return !!file.image && !file.expired && (LIMITS.inlineImageTypes as readonly string[]).includes(file.mime);
}

/** A short label for a file's type: `PNG image`, `ZIP archive`, or the extension. */
export function typeLabel(file: Pick<FileInfo, 'mime' | 'name'>): string {
  const known: Record<string, string> = {
    'image/png': 'PNG image',
    'image/jpeg': 'JPEG image',
    'image/gif': 'GIF image',
    'image/webp': 'WebP image',
    'image/svg+xml': 'SVG image',
    'application/zip': 'ZIP archive',
    'application/x-7z-compressed': '7z archive',
    'application/x-rar-compressed': 'RAR archive',
    'application/gzip': 'gzip archive',
    'application/pdf': 'PDF document',
    'video/mp4': 'MP4 video',
    'audio/mpeg': 'MP3 audio',
  };
  if (known[file.mime]) return known[file.mime];
  const ext = file.name.includes('.') ? file.name.split('.').pop()!.toUpperCase() : '';
  return ext && ext.length <= 8 ? `${ext} file` : 'File';
}
