/**
 * Which jobs and endpoints just reached a final state, from one list snapshot
 * to the next. The first snapshot only sets the baseline: nothing that was
 * already final when the Lab loaded is reported.
 */

/**
 * What is watched: the job kinds with a page, tuning jobs and endpoints.
 */
export type WatchedKind =
  'training' | 'processing' | 'transform' | 'tuning' | 'endpoint';

/**
 * One item of a list route, as far as notifications care.
 */
export interface IWatchedItem {
  name: string;
  status?: string;
  created_ms?: number;
}

/**
 * A reported change: `name` of `kind` went from `from` (null: first seen) to
 * the final state `status`.
 */
export interface ITransition {
  kind: WatchedKind;
  name: string;
  from: string | null;
  status: string;
  failed: boolean;
}

const JOB_FINAL = ['Completed', 'Failed', 'Stopped'];
const ENDPOINT_FINAL = ['InService', 'Failed'];

/**
 * Whether `status` is where an item of `kind` stops changing by itself.
 */
export function isFinal(kind: WatchedKind, status: string): boolean {
  return (kind === 'endpoint' ? ENDPOINT_FINAL : JOB_FINAL).includes(status);
}

/**
 * Remembers the last status of every item, per kind.
 */
export class TransitionTracker {
  /**
   * Take one kind's current list; returns what just became final.
   * A kind's first list is the baseline (nothing reported).
   */
  update(kind: WatchedKind, items: ReadonlyArray<IWatchedItem>): ITransition[] {
    const known = this._seen.get(kind);
    const next = new Map<string, string>();
    const transitions: ITransition[] = [];
    let newest = this._newest.get(kind) ?? -Infinity;
    for (const item of items) {
      const status = item.status ?? '';
      next.set(item.name, status);
      if (!known) {
        continue;
      }
      const before = known.get(item.name);
      const isNew =
        before === undefined &&
        // An older item that only now fits in the page is not new.
        (item.created_ms === undefined || item.created_ms > newest);
      const changed = before !== undefined && before !== status;
      if ((changed || isNew) && isFinal(kind, status)) {
        transitions.push({
          kind,
          name: item.name,
          from: before ?? null,
          status,
          failed: status === 'Failed'
        });
      }
    }
    for (const item of items) {
      if (item.created_ms !== undefined && item.created_ms > newest) {
        newest = item.created_ms;
      }
    }
    this._newest.set(kind, newest);
    this._seen.set(kind, next);
    return transitions;
  }

  private _seen = new Map<WatchedKind, Map<string, string>>();
  private _newest = new Map<WatchedKind, number>();
}
