import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';

import {
  listEndpoints,
  listProcessingJobs,
  listTrainingJobs,
  listTransformJobs,
  listTuningJobs
} from '../api';
import type { IListPage } from '../api';
import { PollingModel } from '../model/polling';
import { TransitionTracker } from './transitions';
import type { ITransition, IWatchedItem, WatchedKind } from './transitions';

/**
 * How many notifications one poll shows; more are summed up in one.
 */
export const MAX_PER_POLL = 3;

const LISTS: Record<
  WatchedKind,
  (poll: boolean) => Promise<IListPage<IWatchedItem>>
> = {
  training: poll => listTrainingJobs({ limit: 100 }, { poll }),
  processing: poll => listProcessingJobs({ limit: 100 }, { poll }),
  transform: poll => listTransformJobs({ limit: 100 }, { poll }),
  tuning: poll => listTuningJobs({ limit: 100 }, { poll }),
  endpoint: poll => listEndpoints({ limit: 100 }, { poll })
};

/**
 * Polls the list routes of everything the user starts and reports what just
 * became final. A list that fails (an area turned off) is skipped that round.
 */
export class FinishedWatcher extends PollingModel<ITransition[]> {
  constructor(options: {
    refreshSeconds?: number;
    onTransitions: (transitions: ITransition[]) => void;
    /**
     * Keep polling while the Lab's tab is hidden (for browser notifications).
     */
    whileHidden?: () => boolean;
  }) {
    const whileHidden = options.whileHidden ?? (() => false);
    super({
      name: 'smstudio-notify',
      refreshSeconds: options.refreshSeconds,
      standby: () => (whileHidden() ? 'never' : 'when-hidden')
    });
    this._onTransitions = options.onTransitions;
  }

  protected async fetch(poll: boolean): Promise<ITransition[]> {
    const kinds = Object.keys(LISTS) as WatchedKind[];
    const pages = await Promise.allSettled(
      kinds.map(kind => LISTS[kind](poll))
    );
    const transitions: ITransition[] = [];
    pages.forEach((page, i) => {
      if (page.status === 'fulfilled') {
        transitions.push(...this._tracker.update(kinds[i], page.value.items));
      }
    });
    if (transitions.length) {
      this._onTransitions(transitions);
    }
    return transitions;
  }

  private _tracker = new TransitionTracker();
  private _onTransitions: (transitions: ITransition[]) => void;
}

/**
 * The words of a transition ("Training job churn-1 completed.").
 */
export function describeTransition(
  t: ITransition,
  trans: TranslationBundle
): string {
  const what: Record<WatchedKind, string> = {
    training: trans.__('Training job'),
    processing: trans.__('Processing job'),
    transform: trans.__('Batch transform job'),
    tuning: trans.__('Tuning job'),
    endpoint: trans.__('Endpoint')
  };
  const state: Record<string, string> = {
    Completed: trans.__('completed'),
    Failed: trans.__('failed'),
    Stopped: trans.__('stopped'),
    InService: trans.__('is in service')
  };
  return `${what[t.kind]} ${t.name} ${state[t.status] ?? t.status}.`;
}

/**
 * Options of `announce`.
 */
export interface IAnnounceOptions {
  trans: TranslationBundle;
  /**
   * Open the item's page, or null when it has none (tuning jobs).
   */
  opener: (t: ITransition) => (() => void) | null;
  /**
   * Also show a browser notification (permission already granted).
   */
  browser: boolean;
}

/**
 * One Lab notification per transition (at most `MAX_PER_POLL`, then one that
 * counts the rest), with an Open button; optionally a browser one as well.
 */
export function announce(
  transitions: ITransition[],
  options: IAnnounceOptions
): void {
  const { trans } = options;
  const shown = transitions.slice(0, MAX_PER_POLL);
  for (const t of shown) {
    const message = describeTransition(t, trans);
    const open = options.opener(t);
    const notify = t.failed ? Notification.error : Notification.success;
    notify(message, {
      autoClose: t.failed ? false : 10_000,
      actions: open
        ? [
            {
              label: trans.__('Open'),
              caption: trans.__('Open %1', t.name),
              callback: open
            }
          ]
        : []
    });
    if (options.browser && typeof window.Notification === 'function') {
      const shownInBrowser = new window.Notification(trans.__('SM Studio'), {
        body: message,
        tag: `smstudio-${t.kind}-${t.name}`
      });
      if (open) {
        shownInBrowser.onclick = () => {
          window.focus();
          open();
        };
      }
    }
  }
  const rest = transitions.length - shown.length;
  if (rest > 0) {
    Notification.info(
      trans._n(
        '%1 more job or endpoint finished.',
        '%1 more jobs or endpoints finished.',
        rest
      ),
      { autoClose: 10_000 }
    );
  }
}
