/**
 * Runs tasks one after another, in the order they were queued, even when a task awaits. Each
 * connection has one, so a frame that loads a stored chat cannot be overtaken by the `send` the
 * client wrote right after it. A failing task is reported to `onError` and the queue goes on.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(private readonly onError: (err: unknown) => void) {}

  /** How many tasks are queued or running. */
  get size(): number {
    return this.pending;
  }

  push(task: () => void | Promise<void>): Promise<void> {
    this.pending += 1;
    const run = async () => {
      try {
        await task();
      } catch (err) {
        this.onError(err);
      } finally {
        this.pending -= 1;
      }
    };
    this.tail = this.tail.then(run);
    return this.tail;
  }

  /** Resolves when everything queued so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }
}
