/**
 * Sends user presence (typing, clicking) to the server, throttled: at most one
 * request per `minIntervalMs`, and only in response to a user event, never from
 * a timer, so an abandoned tab does not keep compute alive.
 */
export class ActivityReporter {
  constructor(options: ActivityReporter.IOptions) {
    this._send = options.send;
    this._kernelId = options.kernelId;
    this._minIntervalMs = options.minIntervalMs ?? 60_000;
    this._now = options.now ?? (() => Date.now());
  }

  /**
   * Handle one user event; sends a ping if the last one is old enough.
   *
   * Returns whether a ping was sent.
   */
  handleEvent(): boolean {
    const now = this._now();
    if (now - this._last < this._minIntervalMs) {
      return false;
    }
    this._last = now;
    this._send(this._kernelId()).catch(() => {
      // Presence is best effort: a failed ping is retried on a later event.
      this._last = 0;
    });
    return true;
  }

  /**
   * Start listening to keydown and pointerdown on `target`.
   */
  attach(target: EventTarget): void {
    target.addEventListener('keydown', this, { capture: true, passive: true });
    target.addEventListener('pointerdown', this, {
      capture: true,
      passive: true
    });
    this._target = target;
  }

  /**
   * Stop listening.
   */
  dispose(): void {
    this._target?.removeEventListener('keydown', this, { capture: true });
    this._target?.removeEventListener('pointerdown', this, { capture: true });
    this._target = null;
  }

  private _send: (kernelId: string | null) => Promise<void>;
  private _kernelId: () => string | null;
  private _minIntervalMs: number;
  private _now: () => number;
  private _last = 0;
  private _target: EventTarget | null = null;
}

/**
 * The ActivityReporter namespace.
 */
export namespace ActivityReporter {
  /**
   * Options of an ActivityReporter.
   */
  export interface IOptions {
    /**
     * Sends one ping naming the kernel of the current document (or none).
     */
    send: (kernelId: string | null) => Promise<void>;
    /**
     * The kernel of the document the user works in.
     */
    kernelId: () => string | null;
    /**
     * The least time between two pings (default one minute).
     */
    minIntervalMs?: number;
    /**
     * The clock (tests).
     */
    now?: () => number;
  }
}
