/**
 * @module How many secret checks one client has running or queued at once, in this process: a
 * client past its share is refused before it reaches the hashing queue, so one address cannot fill
 * the queue that everyone's logins wait in. In-process by design: it bounds this process's queue.
 */

export interface InFlightLimit {
  /** Takes a slot for `key`, or answers false when it already holds `maxPerKey`. */
  tryEnter(key: string): boolean;
  /** Gives the slot back (exactly once per successful tryEnter). */
  leave(key: string): void;
  /** Slots held now, for `key` (tests and metrics). */
  held(key: string): number;
}

export function createInFlightLimit(maxPerKey: number): InFlightLimit {
  const slots = new Map<string, number>();
  return {
    tryEnter(key) {
      const held = slots.get(key) ?? 0;
      if (held >= maxPerKey) return false;
      slots.set(key, held + 1);
      return true;
    },
    leave(key) {
      const held = slots.get(key) ?? 0;
      if (held <= 1) slots.delete(key);
      else slots.set(key, held - 1);
    },
    held: (key) => slots.get(key) ?? 0,
  };
}
