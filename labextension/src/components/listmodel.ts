import type {
  ApiError,
  FeatureName,
  IListPage,
  IResourceSummary,
  ListFunction
} from '../api';
import { PollingModel } from '../model/polling';
import type { StatusModel } from '../status/model';

/**
 * How many items a section asks for.
 */
export const PAGE_SIZE = 100;

/**
 * What a list section shows.
 */
export type ListState<T> =
  | { kind: 'loading' }
  | { kind: 'error'; error: ApiError }
  | { kind: 'empty'; enabled: boolean }
  | { kind: 'items'; items: T[]; more: boolean };

/**
 * Options of a list section model.
 */
export interface IListModelOptions<T> {
  /**
   * The shared `/status` model; it says whether the area is turned on.
   */
  status: StatusModel;
  /**
   * The area's flag in `/status` `features`.
   */
  feature: FeatureName;
  /**
   * The typed list function of the API client.
   */
  list: ListFunction<T>;
  /**
   * Seconds between polls.
   */
  refreshSeconds?: number;
}

/**
 * Polls one list route while the server has the area turned on.
 *
 * While `/status` says the area is off, the route is not called at all and the
 * section shows its empty state.
 */
export class ListModel<
  T extends IResourceSummary
> extends PollingModel<IListPage<T> | null> {
  constructor(options: IListModelOptions<T>) {
    super({
      name: `jupyter-smstudio:${options.feature}`,
      refreshSeconds: options.refreshSeconds
    });
    this.status = options.status;
    this.feature = options.feature;
    this._list = options.list;
    this._enabled = this.enabled;
    this.status.stateChanged.connect(this._onStatusChanged, this);
  }

  /**
   * The shared `/status` model.
   */
  readonly status: StatusModel;

  /**
   * The area's flag in `/status` `features`.
   */
  readonly feature: FeatureName;

  /**
   * Whether the server has the area turned on.
   */
  get enabled(): boolean {
    return this.status.isEnabled(this.feature);
  }

  /**
   * What the section shows now.
   */
  get state(): ListState<T> {
    const status = this.status;
    if (status.error) {
      return { kind: 'error', error: status.error };
    }
    if (!status.loaded) {
      return { kind: 'loading' };
    }
    if (!this.enabled) {
      return { kind: 'empty', enabled: false };
    }
    if (this.error) {
      return { kind: 'error', error: this.error };
    }
    const page = this.value;
    if (!page) {
      return { kind: 'loading' };
    }
    if (page.items.length === 0) {
      return { kind: 'empty', enabled: true };
    }
    return { kind: 'items', items: page.items, more: !!page.next_token };
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.status.stateChanged.disconnect(this._onStatusChanged, this);
    super.dispose();
  }

  protected async fetch(poll: boolean): Promise<IListPage<T> | null> {
    if (!this.enabled) {
      return null;
    }
    return this._list({ limit: PAGE_SIZE }, { poll });
  }

  private _onStatusChanged(): void {
    const enabled = this.enabled;
    if (enabled !== this._enabled) {
      this._enabled = enabled;
      // The area was just turned on (or off): fetch at once.
      void this.refresh();
    }
    this.stateChanged.emit(void 0);
  }

  private _list: ListFunction<T>;
  private _enabled: boolean;
}
