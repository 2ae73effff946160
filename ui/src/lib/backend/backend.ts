import type { Commands } from './generated';
import type { EventHandler } from './types';

/** A desktop command's name (the list is src-tauri/src/command_list.rs, generated into `Commands`). */
export type Command = keyof Commands;
/** What a command takes: `null` when it takes no arguments. */
export type ArgsOf<K extends Command> = Commands[K]['args'];
/** What a command resolves to. */
export type ResultOf<K extends Command> = Commands[K]['result'];
/** What `invoke` takes after the name: nothing for a command without arguments, else exactly its arguments. */
export type InvokeArgs<K extends Command> = [ArgsOf<K>] extends [null] ? [] : [args: ArgsOf<K>];

/**
 * Everything the UI can ask of the Rust side: any command of the generated list,
 * plus one event subscription. Adding a desktop command needs no edit here.
 */
export interface Backend {
  /** Run a command. Rejects with a BackendError (see errors.ts). */
  invoke<K extends Command>(cmd: K, ...args: InvokeArgs<K>): Promise<ResultOf<K>>;
  /** Listen to every push on `hearth://event`. Returns the unsubscribe function. */
  subscribe(handler: EventHandler): () => void;
}
