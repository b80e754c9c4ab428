// Re-reads what can still change a few times a second. Bounded on purpose: one step at a time (the
// next is timed from the end of the last, so a slow grid is never asked faster than it answers),
// nothing while the browser tab is hidden, slower after a failure, and it ends by itself once the
// step reports nothing left to watch (every job shown is final).

const INTERVAL_MS = 400;
const MAX_BACKOFF_MS = 10000;

export class Poller {
  /** @param {() => Promise<boolean>} step one round of reads; resolves whether anything is left to watch */
  constructor(step) {
    this.step = step;
    this.wanted = false;
    this.busy = false;
    this.again = false;
    this.timer = null;
    this.delay = INTERVAL_MS;
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && this.wanted && !this.busy) this.schedule(0);
    });
  }

  /** (Re)starts watching; safe to call while a step runs (then one more follows it). */
  start() {
    this.wanted = true;
    if (this.busy) this.again = true;
    else if (this.timer === null) this.schedule(INTERVAL_MS);
  }

  stop() {
    this.wanted = false;
    this.again = false;
    clearTimeout(this.timer);
    this.timer = null;
  }

  schedule(delay) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), delay);
  }

  async run() {
    this.timer = null;
    // A hidden tab waits for visibilitychange to bring it back.
    if (!this.wanted || document.hidden) return;
    this.busy = true;
    this.again = false;
    let more = true;
    try {
      more = await this.step();
      this.delay = INTERVAL_MS;
    } catch {
      this.delay = Math.min(this.delay * 2, MAX_BACKOFF_MS);
    } finally {
      this.busy = false;
    }
    if (!this.wanted) return;
    if (more || this.again) this.schedule(this.delay);
    else this.wanted = false;
  }
}
