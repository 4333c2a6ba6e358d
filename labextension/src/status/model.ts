import { getStatus } from '../api';
import type { CallOptions, FeatureName, IStatus } from '../api';
import { PollingModel } from '../model/polling';

/**
 * Options of the status model.
 */
export interface IStatusModelOptions {
  /**
   * Seconds between polls of `/status`.
   */
  refreshSeconds?: number;
  /**
   * How to fetch the status; defaults to the API client's `getStatus`.
   */
  fetchStatus?: (options: CallOptions) => Promise<IStatus>;
}

/**
 * Keeps `GET /status` fresh: who the user is, which areas the server has
 * turned on, and the current space. The sidebar sections and the status-bar
 * item all read from one shared instance.
 */
export class StatusModel extends PollingModel<IStatus> {
  constructor(options: IStatusModelOptions = {}) {
    super({
      name: 'jupyter-smstudio:status',
      refreshSeconds: options.refreshSeconds
    });
    this._fetchStatus = options.fetchStatus ?? getStatus;
  }

  /**
   * Whether the server has turned on an area; `false` until it has answered.
   */
  isEnabled(feature: FeatureName): boolean {
    return this.value?.features?.[feature] === true;
  }

  protected fetch(poll: boolean): Promise<IStatus> {
    return this._fetchStatus({ poll });
  }

  private _fetchStatus: (options: CallOptions) => Promise<IStatus>;
}
