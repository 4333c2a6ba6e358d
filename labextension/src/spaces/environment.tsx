import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { spaceKernelName } from '../api';

/**
 * What a confirmation dialog says.
 */
export interface IConfirmOptions {
  title: string;
  /**
   * One paragraph per string.
   */
  body: string[];
  /**
   * Label of the button that goes ahead, e.g. "Change compute".
   */
  accept: string;
  /**
   * Whether going ahead destroys something (red button).
   */
  danger?: boolean;
}

/**
 * What the Spaces section does outside the sidebar.
 *
 * The plugin gives one backed by the application; tests give fakes.
 */
export interface ISpacesEnvironment {
  /**
   * Create an untitled notebook that runs on the space's kernel, and open it.
   */
  openNotebook(space: string): Promise<void>;
  /**
   * Kernelspecs changed on the server (a space started, stopped or changed
   * compute): refresh them so the launcher and the kernel picker follow.
   */
  refreshKernelSpecs(): Promise<void>;
  /**
   * Ask the user to confirm; resolves `true` when they go ahead.
   */
  confirm(options: IConfirmOptions): Promise<boolean>;
  /**
   * Tell the user something that happened.
   */
  notify(message: string, kind: 'success' | 'info' | 'error'): void;
  /**
   * Open the space's page in the main area (when the page plugin is there).
   */
  openSpace?(name: string): Promise<void>;
  /**
   * Open documents with unsaved changes that run on the space's kernels.
   */
  unsavedIn?(space: string): string[];
  /**
   * Save them (before a stop or a delete, as idle shutdown does).
   */
  saveIn?(space: string): Promise<string[]>;
  /**
   * The notebooks (paths) whose sessions use a kernel.
   */
  notebooksOf?(kernelId: string): string[];
  /**
   * The space started, stopped or changed compute: its notebooks follow.
   */
  followSpace?(space: string, change: 'started' | 'stopped' | 'compute'): void;
  /**
   * Open the create form in the main area.
   */
  newSpace?(): Promise<void>;
}

/**
 * The environment of the running application.
 */
export class AppSpacesEnvironment implements ISpacesEnvironment {
  constructor(app: JupyterFrontEnd, trans: TranslationBundle) {
    this._app = app;
    this._trans = trans;
  }

  async openNotebook(space: string): Promise<void> {
    // The kernelspec appears when the space starts: make sure Lab knows it.
    await this.refreshKernelSpecs();
    await this._app.commands.execute('notebook:create-new', {
      kernelName: spaceKernelName(space)
    });
  }

  async refreshKernelSpecs(): Promise<void> {
    try {
      await this._app.serviceManager.kernelspecs.refreshSpecs();
    } catch (reason) {
      console.warn('jupyter-smstudio: could not refresh kernelspecs.', reason);
    }
  }

  async confirm(options: IConfirmOptions): Promise<boolean> {
    const trans = this._trans;
    const body = (
      <div className="smstudio-ConfirmBody">
        {options.body.map((text, index) => (
          <p key={index}>{text}</p>
        ))}
      </div>
    );
    const accept = options.danger
      ? Dialog.warnButton({ label: options.accept })
      : Dialog.okButton({ label: options.accept });
    const result = await showDialog({
      title: options.title,
      body,
      buttons: [Dialog.cancelButton({ label: trans.__('Cancel') }), accept]
    });
    return result.button.accept;
  }

  notify(message: string, kind: 'success' | 'info' | 'error'): void {
    Notification.emit(message, kind, {
      autoClose: kind === 'error' ? false : 5000
    });
  }

  async openSpace(name: string): Promise<void> {
    await this._app.commands.execute('smstudio:open-space', { name });
  }

  async newSpace(): Promise<void> {
    await this._app.commands.execute('smstudio:new-space');
  }

  protected _app: JupyterFrontEnd;
  protected _trans: TranslationBundle;
}
