import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Poll } from '@lumino/polling';

import { ActivityReporter } from './activity';
import { getIdleReport, keepAlive, sendActivity } from '../api';
import type { IIdleReport, IPendingShutdown } from '../api';
import { contextOf, kernelOf, saveAffected } from './documents';

export { ActivityReporter } from './activity';
export { affects, saveAffected } from './documents';

/**
 * Seconds before a shutdown at which documents are saved once more.
 */
const LAST_SAVE_SECONDS = 5;

/**
 * Idle shutdown in the frontend: user-presence pings, warnings with a
 * "Keep running" button, and saving unsaved documents before a shutdown.
 */
export class IdleWatcher {
  constructor(app: JupyterFrontEnd, trans: TranslationBundle) {
    this._app = app;
    this._trans = trans;
    this._activity = new ActivityReporter({
      send: sendActivity,
      kernelId: () => this._currentKernel()
    });
    this._activity.attach(document);
    this._poll = new Poll({
      factory: () => this._check(),
      frequency: { interval: 30_000, backoff: true, max: 300_000 },
      name: 'jupyter-smstudio:idle',
      standby: 'when-hidden'
    });
  }

  /**
   * Stop polling and listening.
   */
  dispose(): void {
    this._activity.dispose();
    this._poll.dispose();
    for (const warning of this._warnings.values()) {
      Notification.dismiss(warning.notification);
      window.clearTimeout(warning.lastSave);
    }
    this._warnings.clear();
  }

  private _currentKernel(): string | null {
    const widget = this._app.shell.currentWidget;
    const context = widget ? contextOf(widget) : null;
    return context ? (kernelOf(context)?.id ?? null) : null;
  }

  private async _check(): Promise<void> {
    let report: IIdleReport;
    try {
      report = await getIdleReport();
    } catch {
      return; // SM Studio not reachable: try again at the next tick
    }
    // Poll a little faster than the server checks, within 2 s .. 30 s.
    const seconds = Math.min(
      30,
      Math.max(2, report.policy.check_interval_seconds / 2)
    );
    if (this._poll.frequency.interval !== seconds * 1000) {
      this._poll.frequency = {
        ...this._poll.frequency,
        interval: seconds * 1000
      };
    }
    const warnWithin = report.policy.warning_minutes * 60 + seconds;
    const soon = report.policy.enabled
      ? report.pending.filter(p => p.in_seconds <= warnWithin)
      : [];
    const keys = new Set(soon.map(keyOf));
    for (const [key, warning] of this._warnings) {
      if (!keys.has(key)) {
        Notification.dismiss(warning.notification);
        window.clearTimeout(warning.lastSave);
        this._warnings.delete(key);
      }
    }
    for (const pending of soon) {
      const key = keyOf(pending);
      const known = this._warnings.get(key);
      if (known && known.atMs === pending.at_ms) {
        continue;
      }
      if (known) {
        Notification.dismiss(known.notification);
        window.clearTimeout(known.lastSave);
      }
      this._warnings.set(key, this._warn(pending));
    }
  }

  private _warn(pending: IPendingShutdown): IWarning {
    const trans = this._trans;
    const widgets = () => this._app.shell.widgets('main');
    void saveAffected(pending, widgets());
    const minutes = Math.max(1, Math.round(pending.in_seconds / 60));
    const what =
      pending.kind === 'kernel'
        ? trans.__('A kernel idle for a while')
        : pending.kind === 'space'
          ? trans.__('Space "%1"', pending.id)
          : trans.__('This server');
    const notification = Notification.warning(
      trans._n(
        '%2 will be shut down for inactivity in about %1 minute; its open documents with unsaved changes are saved first.',
        '%2 will be shut down for inactivity in about %1 minutes; its open documents with unsaved changes are saved first.',
        minutes,
        what
      ),
      {
        autoClose: false,
        actions: [
          {
            label: trans.__('Keep running'),
            caption: trans.__('Count this as activity now'),
            displayType: 'accent',
            callback: () => {
              keepAlive(pending)
                .then(() => this._poll.refresh())
                .catch(reason =>
                  Notification.error(
                    trans.__('Could not keep it running: %1', String(reason))
                  )
                );
            }
          }
        ]
      }
    );
    const delay = Math.max(
      0,
      pending.at_ms - Date.now() - LAST_SAVE_SECONDS * 1000
    );
    const lastSave = window.setTimeout(() => {
      void saveAffected(pending, widgets());
    }, delay);
    return { notification, atMs: pending.at_ms, lastSave };
  }

  private _app: JupyterFrontEnd;
  private _trans: TranslationBundle;
  private _activity: ActivityReporter;
  private _poll: Poll;
  private _warnings = new Map<string, IWarning>();
}

interface IWarning {
  notification: string;
  atMs: number;
  lastSave: number;
}

function keyOf(p: IPendingShutdown): string {
  return `${p.kind}:${p.id}`;
}
