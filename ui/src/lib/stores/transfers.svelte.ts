import type { Backend } from '../backend/backend';
import { errorCode, errorMessage } from '../backend/errors';
import { toBase64 } from '../util/files';

/** One file going up (a send) or down (a save), as the transfer list shows it. */
export interface Transfer {
  id: string;
  direction: 'up' | 'down';
  name: string;
  /** Where it goes: a conversation key (`room:…`, `dm:…`) for sends, the message id for saves. */
  convKey: string;
  messageId: number | null;
  done: number;
  total: number;
  state: 'queued' | 'active' | 'failed';
  error: string;
}

/** What a queued send still needs. */
interface Pending {
  file: Blob;
  to: string;
}

let counter = 0;
const newId = () => `t${Date.now().toString(36)}${(counter++).toString(36)}`;

/**
 * File transfers: sends queue and go one after another (the paperclip,
 * a paste or a drop may add several at once); saves run at once. Progress
 * comes from `transfer` events. Finished transfers leave the list; failed
 * ones stay with their error until dismissed.
 */
export class TransferStore {
  items = $state<Transfer[]>([]);
  private pending = new Map<string, Pending>();
  private pumping = false;

  constructor(
    private readonly backend: Backend,
    private readonly saved: (name: string, path: string) => void,
  ) {}

  /** The transfers shown in one conversation. */
  of(convKey: string): Transfer[] {
    return this.items.filter((t) => t.convKey === convKey);
  }

  /** The save in progress for one message, if any. */
  saving(messageId: number): Transfer | undefined {
    return this.items.find((t) => t.direction === 'down' && t.messageId === messageId);
  }

  /** Queue files to send to `to` (`public` or a user) from conversation `convKey`. */
  send(files: File[], to: string, convKey: string): void {
    for (const file of files) {
      const id = newId();
      this.pending.set(id, { file, to });
      this.items.push({ id, direction: 'up', name: file.name || 'pasted-image.png', convKey, messageId: null, done: 0, total: file.size, state: 'queued', error: '' });
    }
    void this.pump();
  }

  /** Save the file of message `messageId` where the OS save dialog says. */
  async save(messageId: number, name: string, total: number): Promise<void> {
    if (this.saving(messageId)) return;
    const id = newId();
    this.items.push({ id, direction: 'down', name, convKey: '', messageId, done: 0, total, state: 'active', error: '' });
    try {
      const path = await this.backend.invoke('save_file', { transfer: id, id: messageId, name });
      this.remove(id);
      if (path) this.saved(name, path);
    } catch (err) {
      if (errorCode(err) === 'cancelled') this.remove(id);
      else this.fail(id, errorMessage(err));
    }
  }

  /** A `transfer` event. */
  progress(id: string, done: number, total: number): void {
    const t = this.items.find((x) => x.id === id);
    if (t) {
      t.done = done;
      t.total = total;
    }
  }

  /** Cancel a queued or running transfer; dismiss a failed one. */
  async cancel(id: string): Promise<void> {
    const t = this.items.find((x) => x.id === id);
    if (!t) return;
    if (t.state !== 'active') {
      this.pending.delete(id);
      this.remove(id);
      return;
    }
    await this.backend.invoke('cancel_transfer', { transfer: id }).catch(() => {});
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const next = this.items.find((t) => t.direction === 'up' && t.state === 'queued');
        if (!next) return;
        const job = this.pending.get(next.id);
        this.pending.delete(next.id);
        if (!job) {
          this.remove(next.id);
          continue;
        }
        next.state = 'active';
        try {
          const data = toBase64(new Uint8Array(await job.file.arrayBuffer()));
          await this.backend.invoke('send_file', { transfer: next.id, to: job.to, name: next.name, data });
          this.remove(next.id);
        } catch (err) {
          if (errorCode(err) === 'cancelled') this.remove(next.id);
          else this.fail(next.id, errorMessage(err));
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private fail(id: string, error: string): void {
    const t = this.items.find((x) => x.id === id);
    if (t) {
      t.state = 'failed';
      t.error = error;
    }
  }

  private remove(id: string): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}
