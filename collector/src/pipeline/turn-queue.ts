/**
 * Runs queued tasks one per event-loop turn, after that turn's I/O: requests and stream
 * chunks that arrived meanwhile go first, and a burst of tasks never holds the loop for all
 * of them at once.
 */
export class TurnQueue {
  private readonly tasks: Array<() => void> = [];
  private scheduled = false;

  push(task: () => void): void {
    this.tasks.push(task);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.tasks.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.tasks.shift()?.();
      this.schedule();
    });
  }
}
