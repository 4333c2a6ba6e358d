import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { KernelSpec } from '@jupyterlab/services';
import { Signal } from '@lumino/signaling';
import type { ISignal } from '@lumino/signaling';
import type { Widget } from '@lumino/widgets';

import { spaceOfKernelName } from '../api';
import type { ICurrentSpace, IListPage, IResourceSummary } from '../api';

/**
 * The listed spaces (the Spaces section's model): their `profile` is the
 * truth after a change of compute, before any kernelspec catches up.
 */
export interface ISpacesListSource {
  readonly value: IListPage<IResourceSummary> | null;
  readonly stateChanged: ISignal<unknown, void>;
}

/**
 * The part of a notebook (or console) panel this module reads; duck-typed so
 * that the extension needs no dependency on `@jupyterlab/notebook`.
 */
interface ISessionWidget {
  sessionContext: {
    kernelChanged: ISignal<unknown, unknown>;
    session?: { kernel?: { name?: string } | null } | null;
    kernelPreference?: { name?: string | null };
  };
}

function isSessionWidget(widget: unknown): widget is ISessionWidget {
  const context = (widget as ISessionWidget | null)?.sessionContext;
  return (
    !!context &&
    typeof context === 'object' &&
    typeof context.kernelChanged?.connect === 'function'
  );
}

/**
 * The profile in a space kernelspec's display name,
 * "Python 3 · <space> · <profile>", or `''`.
 */
export function profileOfDisplayName(displayName: string | undefined): string {
  if (!displayName) {
    return '';
  }
  const parts = displayName.split(' · ');
  return parts.length >= 3 ? parts[parts.length - 1].trim() : '';
}

/**
 * The space of the current notebook's kernel, when it is a space kernel
 * (`smstudio-<space>`); the status-bar item shows it before `/status`'s.
 */
export class ActiveSpaceTracker {
  constructor(options: {
    shell: JupyterFrontEnd.IShell;
    kernelspecs?: KernelSpec.IManager;
    spaces?: ISpacesListSource;
  }) {
    this._shell = options.shell;
    this._kernelspecs = options.kernelspecs ?? null;
    this._spaces = options.spaces ?? null;
    this._spaces?.stateChanged.connect(this._update, this);
    this._shell.currentChanged?.connect(this._onCurrentChanged, this);
    this._kernelspecs?.specsChanged.connect(this._update, this);
    this._watch(this._shell.currentWidget);
  }

  /**
   * Emitted when `current` may have changed.
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * The current notebook's space and compute, or `null`.
   */
  get current(): ICurrentSpace | null {
    return this._current;
  }

  dispose(): void {
    this._shell.currentChanged?.disconnect(this._onCurrentChanged, this);
    this._kernelspecs?.specsChanged.disconnect(this._update, this);
    this._spaces?.stateChanged.disconnect(this._update, this);
    this._watch(null);
    Signal.clearData(this);
  }

  private _onCurrentChanged(): void {
    this._watch(this._shell.currentWidget);
  }

  private _watch(widget: Widget | null): void {
    if (this._widget) {
      this._widget.sessionContext.kernelChanged.disconnect(this._update, this);
    }
    this._widget = isSessionWidget(widget) ? widget : null;
    if (this._widget) {
      this._widget.sessionContext.kernelChanged.connect(this._update, this);
    }
    this._update();
  }

  private _update(): void {
    const context = this._widget?.sessionContext;
    const kernelName =
      context?.session?.kernel?.name ?? context?.kernelPreference?.name ?? null;
    const space = spaceOfKernelName(kernelName);
    let next: ICurrentSpace | null = null;
    if (space && kernelName) {
      const listed = this._spaces?.value?.items.find(
        item => item.name === space
      );
      const spec = this._kernelspecs?.specs?.kernelspecs[kernelName];
      const profile =
        typeof listed?.profile === 'string'
          ? listed.profile
          : profileOfDisplayName(spec?.display_name);
      next = { name: space, profile };
    }
    const previous = this._current;
    if (previous?.name !== next?.name || previous?.profile !== next?.profile) {
      this._current = next;
      this._changed.emit(void 0);
    }
  }

  private _shell: JupyterFrontEnd.IShell;
  private _kernelspecs: KernelSpec.IManager | null;
  private _spaces: ISpacesListSource | null;
  private _widget: ISessionWidget | null = null;
  private _current: ICurrentSpace | null = null;
  private _changed = new Signal<this, void>(this);
}
