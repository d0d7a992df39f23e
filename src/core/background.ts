/**
 * @module Work that must not delay (or be timed through) the response — reset e-mails, audit
 * writes — tracked so that shutdown and tests can wait for it, and never throwing into a request.
 */

export interface BackgroundTasks {
  run(task: () => Promise<void>): void;
  /** Resolves when everything started so far has settled. */
  flush(): Promise<void>;
}

export function createBackgroundTasks(onError: (error: unknown) => void): BackgroundTasks {
  const pending = new Set<Promise<void>>();
  return {
    run(task) {
      const promise: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(task)
        .catch(onError)
        .finally(() => pending.delete(promise));
      pending.add(promise);
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
