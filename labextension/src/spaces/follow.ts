/**
 * Notebooks follow their space: opening one in a space's folder offers or
 * picks the space's kernel; after a stop/start or a compute change its
 * kernel comes back on the space's current profile without re-picking.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';

import { spaceKernelName, spaceOfKernelName } from '../api';
import { contextOf } from '../idle/documents';
import { spaceOfPath } from './fields';

/**
 * What opening a notebook in a space's folder does with its kernel.
 */
export type SpaceKernelMode = 'offer' | 'pick' | 'off';

/**
 * The parts of a notebook panel this module uses (duck-typed: no
 * dependency on `@jupyterlab/notebook`).
 */
export interface IFollowedWidget {
  context: { path: string };
  sessionContext: {
    ready: Promise<void>;
    isDisposed: boolean;
    session?: {
      kernel?: { name: string; status?: string } | null;
    } | null;
    kernelPreference?: { name?: string | null };
    changeKernel(options: { name: string }): Promise<unknown>;
  };
}

function isFollowed(widget: unknown): widget is IFollowedWidget {
  const candidate = widget as IFollowedWidget | null;
  return (
    !!candidate?.sessionContext &&
    typeof candidate.sessionContext.changeKernel === 'function' &&
    typeof candidate.context?.path === 'string'
  );
}

/**
 * The space a notebook belongs to: its kernel's, or its folder's.
 */
export function spaceOfWidget(
  widget: IFollowedWidget,
  folder: string
): string | null {
  const context = widget.sessionContext;
  return (
    spaceOfKernelName(context.session?.kernel?.name) ??
    spaceOfKernelName(context.kernelPreference?.name) ??
    spaceOfPath(widget.context.path, folder)
  );
}

/**
 * Whether the notebook's kernel is gone (stopped with its space).
 */
function kernelGone(widget: IFollowedWidget): boolean {
  const kernel = widget.sessionContext.session?.kernel;
  return !kernel || kernel.status === 'dead' || kernel.status === 'unknown';
}

/**
 * Watches opened notebooks and moves them with their space.
 */
export class SpaceNotebooks {
  constructor(options: {
    app: JupyterFrontEnd;
    trans: TranslationBundle;
    mode: () => SpaceKernelMode;
    folder?: () => string;
  }) {
    this._app = options.app;
    this._trans = options.trans;
    this._mode = options.mode;
    this._folder = options.folder ?? (() => 'spaces');
    this._app.shell.currentChanged?.connect(this._onCurrent, this);
  }

  dispose(): void {
    this._app.shell.currentChanged?.disconnect(this._onCurrent, this);
  }

  /**
   * The open notebooks of a space.
   */
  widgets(space: string): IFollowedWidget[] {
    const found: IFollowedWidget[] = [];
    for (const widget of this._app.shell.widgets('main')) {
      if (isFollowed(widget) && !widget.sessionContext.isDisposed) {
        if (spaceOfWidget(widget, this._folder()) === space) {
          found.push(widget);
        }
      }
    }
    return found;
  }

  /**
   * The paths of open documents with unsaved changes on the space.
   */
  unsaved(space: string): string[] {
    return this.widgets(space)
      .map(widget => contextOf(widget))
      .filter(context => !!context && context.model.dirty)
      .map(context => context!.path);
  }

  /**
   * Save the space's unsaved documents.
   */
  async save(space: string): Promise<string[]> {
    const saved: string[] = [];
    for (const widget of this.widgets(space)) {
      const context = contextOf(widget);
      if (context?.model.dirty) {
        try {
          await context.save();
          saved.push(context.path);
        } catch (reason) {
          console.error(
            `jupyter-smstudio: could not save ${context.path}.`,
            reason
          );
        }
      }
    }
    return saved;
  }

  /**
   * The space started or changed compute: its notebooks get the space's
   * kernel again (after a compute change, so that their toolbar and status
   * bar show the new profile).
   */
  follow(
    space: string,
    change: 'started' | 'stopped' | 'compute'
  ): Promise<void> {
    // One at a time per space: the sidebar and the page may both report a start.
    const next = (this._queue.get(space) ?? Promise.resolve()).then(() =>
      this._follow(space, change)
    );
    this._queue.set(
      space,
      next.catch(() => undefined)
    );
    return next;
  }

  private async _follow(
    space: string,
    change: 'started' | 'stopped' | 'compute'
  ): Promise<void> {
    if (change === 'stopped') {
      this._stopped.set(space, new Set(this.widgets(space)));
      return;
    }
    await this._refreshSpecs();
    if (change === 'started') {
      // Drop the sessions whose kernels the stop ended, so new ones start.
      await this._app.serviceManager.sessions
        .refreshRunning()
        .catch(() => undefined);
    }
    const name = spaceKernelName(space);
    const stopped = this._stopped.get(space) ?? new Set<IFollowedWidget>();
    this._stopped.delete(space);
    const open = new Set([...this.widgets(space), ...stopped]);
    for (const widget of open) {
      if (widget.sessionContext.isDisposed) {
        continue;
      }
      if (change === 'started' && !stopped.has(widget) && !kernelGone(widget)) {
        continue;
      }
      await this._use(widget, name);
    }
  }

  private async _onCurrent(): Promise<void> {
    const widget = this._app.shell.currentWidget;
    if (!isFollowed(widget) || this._seen.has(widget)) {
      return;
    }
    this._seen.add(widget);
    const mode = this._mode();
    const space = spaceOfPath(widget.context.path, this._folder());
    if (mode === 'off' || !space) {
      return;
    }
    await widget.sessionContext.ready.catch(() => undefined);
    const name = spaceKernelName(space);
    if (widget.sessionContext.session?.kernel?.name === name) {
      return;
    }
    await this._refreshSpecs();
    if (!this._app.serviceManager.kernelspecs.specs?.kernelspecs[name]) {
      return; // the space never started: nothing to pick yet
    }
    if (mode === 'pick') {
      await this._use(widget, name);
      return;
    }
    const trans = this._trans;
    Notification.info(
      trans.__(
        '%1 is in space “%2”. Run it on the space’s kernel?',
        widget.context.path,
        space
      ),
      {
        autoClose: 10000,
        actions: [
          {
            label: trans.__('Use the space’s kernel'),
            callback: () => void this._use(widget, name)
          }
        ]
      }
    );
  }

  private async _use(widget: IFollowedWidget, name: string): Promise<void> {
    try {
      await widget.sessionContext.changeKernel({ name });
    } catch (reason) {
      Notification.error(
        this._trans.__(
          'Could not start the space’s kernel for %1: %2',
          widget.context.path,
          reason instanceof Error ? reason.message : String(reason)
        ),
        { autoClose: false }
      );
    }
  }

  private async _refreshSpecs(): Promise<void> {
    try {
      await this._app.serviceManager.kernelspecs.refreshSpecs();
    } catch {
      // keep the ones known
    }
  }

  private _app: JupyterFrontEnd;
  private _trans: TranslationBundle;
  private _mode: () => SpaceKernelMode;
  private _folder: () => string;
  private _seen = new WeakSet<object>();
  private _queue = new Map<string, Promise<void>>();
  private _stopped = new Map<string, Set<IFollowedWidget>>();
}
