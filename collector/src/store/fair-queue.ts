// Fair share of a few slots among tenants: user SQL runs at most `perTenant` queries of one
// tenant and `total` in all at once; waiting queries start tenant by tenant in turn, so one
// tenant's backlog never delays another tenant by more than one query. A query that waits
// longer than `queueTimeoutMs`, or finds its tenant's queue full, is refused with the time to
// retry after (p-limit and p-queue bound concurrency, but neither shares it per key).

export interface FairQueueLimits {
  /** Queries running at once, all tenants together. */
  total: number;
  /** Queries of one tenant running at once. */
  perTenant: number;
  /** Queries of one tenant waiting at most; one more is refused at once. */
  maxQueuedPerTenant: number;
  /** Longest a query waits for a slot. */
  queueTimeoutMs: number;
}

/** Why a query did not run; `status` 429 (this tenant sends too many) or 503 (all slots busy). */
export class QueueFullError extends Error {
  constructor(
    readonly status: 429 | 503,
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(message);
  }
}

interface Waiting {
  start(): void;
  timer: NodeJS.Timeout;
}

export class FairQueue {
  private running = 0;
  private readonly runningOf = new Map<string, number>();
  /** Waiting queries per tenant, tenants in the order their turn comes. */
  private readonly waiting = new Map<string, Waiting[]>();

  constructor(private readonly limits: FairQueueLimits) {}

  /** Runs `work` for `tenant` once a slot is free for it; QueueFullError when it cannot. */
  run<T>(tenant: string, work: () => Promise<T>): Promise<T> {
    const go = async () => {
      try {
        return await work();
      } finally {
        this.release(tenant);
      }
    };
    if (this.canStart(tenant) && !this.waiting.has(tenant)) {
      this.take(tenant);
      return go();
    }
    const queue = this.waiting.get(tenant) ?? [];
    if (queue.length >= this.limits.maxQueuedPerTenant) {
      return Promise.reject(new QueueFullError(429, 1, `too many SQL queries of this tenant at once (${this.limits.perTenant} running, ${this.limits.maxQueuedPerTenant} waiting): retry after the running ones finish`));
    }
    return new Promise<T>((resolve, reject) => {
      const entry: Waiting = {
        start: () => {
          clearTimeout(entry.timer);
          go().then(resolve, reject);
        },
        timer: setTimeout(() => {
          const list = this.waiting.get(tenant);
          const at = list?.indexOf(entry) ?? -1;
          if (list && at >= 0) list.splice(at, 1);
          if (list?.length === 0) this.waiting.delete(tenant);
          const seconds = Math.max(1, Math.ceil(this.limits.queueTimeoutMs / 1000));
          reject(new QueueFullError(503, seconds, `SQL is busy: no query slot became free within ${this.limits.queueTimeoutMs} ms`));
        }, this.limits.queueTimeoutMs),
      };
      queue.push(entry);
      this.waiting.set(tenant, queue);
    });
  }

  /** Queries running now (all tenants). */
  get active(): number {
    return this.running;
  }

  private canStart(tenant: string): boolean {
    return this.running < this.limits.total && (this.runningOf.get(tenant) ?? 0) < this.limits.perTenant;
  }

  private take(tenant: string): void {
    this.running++;
    this.runningOf.set(tenant, (this.runningOf.get(tenant) ?? 0) + 1);
  }

  private release(tenant: string): void {
    this.running--;
    const n = (this.runningOf.get(tenant) ?? 1) - 1;
    if (n === 0) this.runningOf.delete(tenant);
    else this.runningOf.set(tenant, n);
    // the tenant just served waits behind the others for its next turn
    const queue = this.waiting.get(tenant);
    if (queue) {
      this.waiting.delete(tenant);
      this.waiting.set(tenant, queue);
    }
    this.dispatch();
  }

  /** Starts waiting queries, one tenant after another (a tenant served goes to the back). */
  private dispatch(): void {
    let progressed = true;
    while (progressed && this.running < this.limits.total) {
      progressed = false;
      for (const [tenant, queue] of this.waiting) {
        if (!this.canStart(tenant)) continue;
        const next = queue.shift()!;
        this.waiting.delete(tenant);
        if (queue.length > 0) this.waiting.set(tenant, queue); // re-inserted: its next turn comes after the others
        this.take(tenant);
        next.start();
        progressed = true;
        break;
      }
    }
  }
}
