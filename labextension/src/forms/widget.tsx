/**
 * A create form as a main-area widget.
 */
import { MainAreaWidget, ReactWidget } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { FORMS } from './forms';
import type { FormKind, IFormContext } from './forms';
import type { FormValues } from './logic';

function tabLabels(trans: TranslationBundle): Record<FormKind, string> {
  return {
    training: trans.__('New training job'),
    processing: trans.__('New processing job'),
    transform: trans.__('New batch transform'),
    model: trans.__('New model'),
    endpoint: trans.__('New endpoint')
  };
}

let opened = 0;

/**
 * Make a form's main-area widget.
 */
export function createFormWidget(
  kind: FormKind,
  initial: FormValues | undefined,
  context: Omit<IFormContext, 'done'>
): MainAreaWidget<ReactWidget> {
  const Form = FORMS[kind];
  let widget: MainAreaWidget<ReactWidget> | null = null;
  const content = ReactWidget.create(
    <Form
      initial={initial}
      context={{ ...context, done: () => widget?.dispose() }}
    />
  );
  content.addClass('smstudio-FormPanel');
  widget = new MainAreaWidget({ content });
  widget.id = `smstudio-form-${kind}-${++opened}`;
  const name = typeof initial?.name === 'string' ? initial.name : '';
  widget.title.label = name
    ? `${tabLabels(context.trans)[kind]}: ${name}`
    : tabLabels(context.trans)[kind];
  widget.title.closable = true;
  return widget;
}
