import type { DiscoveryState } from '../backend/types';

const EMPTY: DiscoveryState = { hosts: [], searched: [], problems: [], nothing_found: false };

/**
 * The Join screen's list of hosts on the LAN, while the screen is open. The
 * shell sends the whole list (newest host first) in every `discovery` event;
 * `discovery_start` answers with the list so far.
 */
export class DiscoveryStore {
  /** Replaced whole by every answer and event, never changed in place. */
  state = $state.raw<DiscoveryState>(EMPTY);
  /** True between `begin` and `end`: the Join screen is open. */
  running = $state(false);
  /** Why the listeners could not start at all (the list then stays empty). */
  error = $state('');
  /** A `discovery` event arrived since `begin`: it is newer than the command's answer. */
  private heard = false;
  /** Counts the starts, so an answer that arrives after a stop (or a later start) is known. */
  private generation = 0;

  /** The list is empty and nothing says yet that nothing was found. */
  get looking(): boolean {
    return this.running && !this.error && this.state.hosts.length === 0 && !this.state.nothing_found;
  }

  /** Discovery is starting; returns this start's number for `started`. */
  begin(): number {
    this.state = EMPTY;
    this.running = true;
    this.error = '';
    this.heard = false;
    return ++this.generation;
  }

  /** `discovery_start` answered. False when the screen closed (or started again) meanwhile. */
  started(generation: number, state: DiscoveryState): boolean {
    if (generation !== this.generation || !this.running) return false;
    if (!this.heard) this.state = state;
    return true;
  }

  /** `discovery_start` failed. */
  failed(generation: number, message: string): void {
    if (generation === this.generation && this.running) this.error = message;
  }

  /** A `discovery` event: the list now (ignored once the screen closed). */
  update(state: DiscoveryState): void {
    if (!this.running) return;
    this.heard = true;
    this.state = state;
  }

  end(): void {
    this.running = false;
    this.generation++;
    this.state = EMPTY;
    this.error = '';
  }
}
