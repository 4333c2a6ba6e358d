import { nullTranslator } from '@jupyterlab/translation';
import type { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer } from '@jupyterlab/ui-components';
import * as React from 'react';

import type { IStatus } from '../api';
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
 * Status-bar item showing the current space and its compute profile.
 */
export class StatusItem extends VDomRenderer<StatusModel> {
  constructor(model: StatusModel, translator: ITranslator = nullTranslator) {
    super(model);
    this._trans = translator.load(TRANSLATION_DOMAIN);
    this.addClass('smstudio-StatusItem');
    this.node.dataset.smstudioStatus = '';
  }

  protected render(): React.ReactElement {
    const trans = this._trans;
    const { value, error, loaded } = this.model;
    let text = statusText(value, trans);
    let title = trans.__(
      'The SM Studio space you work in and its compute profile'
    );
    let className = 'smstudio-StatusItem-text';
    if (error) {
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

  private _trans: TranslationBundle;
}
