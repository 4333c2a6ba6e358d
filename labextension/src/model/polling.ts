import { VDomModel } from '@jupyterlab/ui-components';
import { Poll } from '@lumino/polling';

import { ApiError } from '../api';

/**
 * Seconds between two polls when no setting says otherwise.
 */
export const DEFAULT_REFRESH_SECONDS = 10;

/**
 * The shortest interval the settings allow, in seconds.
 */
export const MIN_REFRESH_SECONDS = 2;

/**
 * Turn anything thrown into an `ApiError`, so views only deal with one kind.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) {
    return error;
  }
  return new ApiError({
    status: 0,
    code: 'ClientError',
    message: error instanceof Error ? error.message : String(error)
  });
}

/**
 * Options of a polling model.
 */
export interface IPollingModelOptions {
  /**
   * Seconds between polls; values below `MIN_REFRESH_SECONDS` are raised to it.
   */
  refreshSeconds?: number;
  /**
   * A name for the poll, shown in debugging tools.
   */
  name: string;
  /**
   * When to stop polling; defaults to `when-hidden` (the browser tab is hidden).
   */
  standby?: Poll.Standby | (() => boolean | Poll.Standby);
}

/**
 * A model that keeps one server value fresh by polling it.
 *
 * Background polls send `no_track_activity=1`; a refresh the user asked for
 * (`refresh({ byUser: true })`) does not.
 *
 * `stateChanged` is emitted after every answer, good or bad.
 */
export abstract class PollingModel<T> extends VDomModel {
  constructor(options: IPollingModelOptions) {
    super();
    this._poll = new Poll<void, unknown>({
      name: options.name,
      factory: () => this._load(),
      frequency: PollingModel.frequency(options.refreshSeconds),
      standby: options.standby ?? 'when-hidden'
    });
  }

  /**
   * The last value the server answered, or `null` before the first answer.
   */
  get value(): T | null {
    return this._value;
  }

  /**
   * The error of the last call, or `null` when it succeeded.
   */
  get error(): ApiError | null {
    return this._error;
  }

  /**
   * Whether at least one call has finished (well or badly).
   */
  get loaded(): boolean {
    return this._loaded;
  }

  /**
   * Seconds between polls.
   */
  get refreshSeconds(): number {
    return this._poll.frequency.interval / 1000;
  }
  set refreshSeconds(seconds: number) {
    this._poll.frequency = PollingModel.frequency(seconds);
  }

  /**
   * Fetch now, and resolve once the answer is in.
   *
   * @param options.byUser The user asked for it: the call counts as activity.
   */
  async refresh(options: { byUser?: boolean } = {}): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    if (options.byUser) {
      this._byUser = true;
    }
    await this._poll.refresh();
    await this._poll.tick.catch(() => undefined);
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    super.dispose();
  }

  /**
   * Fetch the value.
   *
   * @param poll Whether this is a background poll (adds `no_track_activity=1`).
   */
  protected abstract fetch(poll: boolean): Promise<T>;

  private async _load(): Promise<void> {
    const poll = !this._byUser;
    this._byUser = false;
    const request = ++this._requests;
    try {
      const value = await this.fetch(poll);
      if (request === this._requests && !this.isDisposed) {
        this._value = value;
        this._error = null;
      }
    } catch (error) {
      if (request === this._requests && !this.isDisposed) {
        this._error = toApiError(error);
      }
      // Let the poll back off while the server keeps failing.
      throw error;
    } finally {
      if (request === this._requests && !this.isDisposed) {
        this._loaded = true;
        this.stateChanged.emit(void 0);
      }
    }
  }

  private _poll: Poll<void, unknown>;
  private _value: T | null = null;
  private _error: ApiError | null = null;
  private _loaded = false;
  private _byUser = false;
  private _requests = 0;
}

export namespace PollingModel {
  /**
   * Poll frequency for an interval in seconds: back off up to 30 times the
   * interval while the server keeps failing.
   */
  export function frequency(seconds?: number): {
    interval: number;
    backoff: boolean;
    max: number;
  } {
    const value =
      typeof seconds === 'number' && Number.isFinite(seconds)
        ? seconds
        : DEFAULT_REFRESH_SECONDS;
    const interval = Math.max(MIN_REFRESH_SECONDS, value) * 1000;
    return { interval, backoff: true, max: interval * 30 };
  }
}
