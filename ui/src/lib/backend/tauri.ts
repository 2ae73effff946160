import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { Backend, Command, InvokeArgs, ResultOf } from './backend';
import { BackendError } from './errors';
import { EVENT_CHANNEL, type EventHandler, type HearthEvent } from './types';

/** The real backend: Tauri commands and the `hearth://event` channel. */
export class TauriBackend implements Backend {
  /**
   * A command with arguments takes ONE parameter named `args` (a serde struct
   * with snake_case fields), so key casing never depends on Tauri's camelCase
   * conversion of parameter names; a command without arguments takes none.
   */
  async invoke<K extends Command>(cmd: K, ...args: InvokeArgs<K>): Promise<ResultOf<K>> {
    try {
      return await invoke<ResultOf<K>>(cmd, args.length === 0 ? {} : { args: args[0] });
    } catch (err) {
      throw BackendError.from(err);
    }
  }

  subscribe(handler: EventHandler): () => void {
    let stopped = false;
    let unlisten: (() => void) | null = null;
    void listen<HearthEvent>(EVENT_CHANNEL, (e) => handler(e.payload)).then((fn) => {
      if (stopped) fn();
      else unlisten = fn;
    });
    return () => {
      stopped = true;
      unlisten?.();
    };
  }
}
