import type { Backend } from './backend';
import { MockBackend, type MockControl } from './mock';
import { TauriBackend } from './tauri';

export type { Backend } from './backend';
export { BackendError, errorMessage, errorCode } from './errors';

declare global {
  interface Window {
    __TAURI_INTERNALS__?: unknown;
    /** The mock's control API; only present when the mock backend runs. */
    __hearthMock?: MockControl;
  }
}

/** True when the UI should run against the in-browser mock instead of Rust. */
export function wantsMock(win: Pick<Window, 'location'> & { __TAURI_INTERNALS__?: unknown }): boolean {
  const params = new URLSearchParams(win.location.search);
  return params.has('mock') || win.__TAURI_INTERNALS__ === undefined;
}

/**
 * The Tauri backend inside the app; the mock in a plain browser or with `?mock`.
 * `?mock&delay=N` sets the mock's latency; `?mock&manual` stops simulated
 * friends from answering by themselves (tests use it).
 */
export function pickBackend(win: Window = window): Backend {
  if (!wantsMock(win)) return new TauriBackend();
  const params = new URLSearchParams(win.location.search);
  const delay = Number(params.get('delay') ?? '80');
  const mock = new MockBackend({ delayMs: Number.isFinite(delay) ? delay : 80, auto: !params.has('manual') });
  win.__hearthMock = mock.control;
  return mock;
}
