import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Poll } from '@lumino/polling';

import { ActivityReporter } from './activity';
import { getIdleReport, keepAlive, sendActivity } from '../api';
import type { IIdleReport, IPendingShutdown } from '../api';
import { shutdownSummary } from '../spaces/fields';
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
      window.clearTimeout(warning.lastSave);
    }
    this._warnings.clear();
    if (this._notification) {
      Notification.dismiss(this._notification);
      this._notification = null;
    }
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
        window.clearTimeout(warning.lastSave);
        this._warnings.delete(key);
      }
    }
    let changed = false;
    for (const pending of soon) {
      const key = keyOf(pending);
      const known = this._warnings.get(key);
      if (known && known.atMs === pending.at_ms) {
        known.pending = pending;
        continue;
      }
      if (known) {
        window.clearTimeout(known.lastSave);
      }
      this._warnings.set(key, this._prepare(pending));
      changed = true;
    }
    this._show(changed);
  }

  /**
   * The notebooks whose sessions use a kernel.
   */
  private _notebooksOf(kernelId: string): string[] {
    const paths: string[] = [];
    for (const session of this._app.serviceManager.sessions.running()) {
      if (session.kernel?.id === kernelId) {
        paths.push(session.path);
      }
    }
    return paths;
  }

  /**
   * One notification for every coming shutdown: shown, updated or dismissed.
   */
  private _show(changed: boolean): void {
    const trans = this._trans;
    const pending = [...this._warnings.values()].map(w => w.pending);
    if (pending.length === 0) {
      if (this._notification) {
        Notification.dismiss(this._notification);
        this._notification = null;
      }
      return;
    }
    const message = shutdownSummary(
      pending.map(p => ({
        kind: p.kind,
        what:
          p.kind === 'kernel'
            ? this._notebooksOf(p.id).join(', ') ||
              (p.space
                ? trans.__('a notebook in space “%1”', p.space)
                : p.id.slice(0, 8))
            : p.id,
        inSeconds: p.in_seconds
      })),
      trans
    );
    const actions: Notification.IAction[] = [
      {
        label: trans.__('Keep running'),
        caption: trans.__('Count this as activity now'),
        displayType: 'accent',
        callback: () => {
          Promise.all(pending.map(p => keepAlive(p)))
            .then(() => this._poll.refresh())
            .catch(reason =>
              Notification.error(
                trans.__('Could not keep it running: %1', String(reason))
              )
            );
        }
      }
    ];
    if (this._notification && !changed) {
      Notification.update({ id: this._notification, message, actions });
      return;
    }
    if (this._notification) {
      Notification.dismiss(this._notification);
    }
    this._notification = Notification.warning(message, {
      autoClose: false,
      actions
    });
  }

  /**
   * Save what a shutdown affects now and just before it.
   */
  private _prepare(pending: IPendingShutdown): IWarning {
    const widgets = () => this._app.shell.widgets('main');
    void saveAffected(pending, widgets());
    const delay = Math.max(
      0,
      pending.at_ms - Date.now() - LAST_SAVE_SECONDS * 1000
    );
    const lastSave = window.setTimeout(() => {
      void saveAffected(pending, widgets());
    }, delay);
    return { pending, atMs: pending.at_ms, lastSave };
  }

  private _app: JupyterFrontEnd;
  private _trans: TranslationBundle;
  private _activity: ActivityReporter;
  private _poll: Poll;
  private _warnings = new Map<string, IWarning>();
  private _notification: string | null = null;
}

interface IWarning {
  pending: IPendingShutdown;
  atMs: number;
  lastSave: number;
}

function keyOf(p: IPendingShutdown): string {
  return `${p.kind}:${p.id}`;
}
