import { nullTranslator } from '@jupyterlab/translation';
import type { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer } from '@jupyterlab/ui-components';
import * as React from 'react';

import type { ISignal } from '@lumino/signaling';

import type { ICurrentSpace, IStatus } from '../api';
import { TRANSLATION_DOMAIN } from '../components/listsection';
import type { StatusModel } from './model';

/**
 * The text of the status-bar item for a status answer:
 * "SM Studio: <space> · <compute>", or "SM Studio: no space".
 */
export function statusText(
  status: IStatus | null,
  trans: TranslationBundle = nullTranslator.load(TRANSLATION_DOMAIN)
): string {
  const space = status?.current_space;
  if (!space) {
    return trans.__('SM Studio: no space');
  }
  return space.profile
    ? trans.__('SM Studio: %1 · %2', space.name, space.profile)
    : trans.__('SM Studio: %1', space.name);
}

/**
 * Something that knows the space of the current notebook (its kernel's space).
 */
export interface INotebookSpaceSource {
  readonly current: ICurrentSpace | null;
  readonly changed: ISignal<unknown, void>;
}

/**
 * Status-bar item showing the current space and its compute profile.
 */
export class StatusItem extends VDomRenderer<StatusModel> {
  constructor(
    model: StatusModel,
    translator: ITranslator = nullTranslator,
    notebookSpace: INotebookSpaceSource | null = null
  ) {
    super(model);
    this._notebookSpace = notebookSpace;
    notebookSpace?.changed.connect(this._onNotebookSpace, this);
    this._trans = translator.load(TRANSLATION_DOMAIN);
    this.addClass('smstudio-StatusItem');
    this.node.dataset.smstudioStatus = '';
  }

  protected render(): React.ReactElement {
    const trans = this._trans;
    const { value, error, loaded } = this.model;
    const notebookSpace = this._notebookSpace?.current ?? null;
    let text = notebookSpace
      ? statusText({ current_space: notebookSpace } as IStatus, trans)
      : statusText(value, trans);
    let title = trans.__(
      'The SM Studio space you work in and its compute profile'
    );
    let className = 'smstudio-StatusItem-text';
    if (notebookSpace) {
      title = trans.__(
        'The SM Studio space and compute profile of the current notebook'
      );
    } else if (error) {
      text = trans.__('SM Studio: unavailable');
      title = error.message;
      className += ' smstudio-mod-error';
    } else if (!loaded) {
      text = trans.__('SM Studio: …');
    }
    return (
      <span className={className} title={title}>
        {text}
      </span>
    );
  }

  dispose(): void {
    this._notebookSpace?.changed.disconnect(this._onNotebookSpace, this);
    super.dispose();
  }

  private _onNotebookSpace(): void {
    this.update();
  }

  private _trans: TranslationBundle;
  private _notebookSpace: INotebookSpaceSource | null;
}
