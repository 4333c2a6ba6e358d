/**
 * The create forms in the main area, and the commands that open them
 * (`smstudio:create-training-job` and its siblings), with palette entries.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';

// eslint-disable-next-line jupyter/prefer-lazy-imports -- one constant, loaded at start-up anyway.
import { TRANSLATION_DOMAIN } from '../components/listsection';
import { ISMStudio } from '../tokens';
import type { FormKind, IFormContext } from './forms';
import type { FormValues } from './logic';

export type { FormKind } from './forms';

/**
 * The command that opens each kind's form; `args.initial` prefills it.
 */
export const FORM_COMMANDS: Record<FormKind, string> = {
  training: 'smstudio:create-training-job',
  processing: 'smstudio:create-processing-job',
  transform: 'smstudio:create-transform',
  model: 'smstudio:create-model',
  endpoint: 'smstudio:create-endpoint'
};

function formLabels(trans: TranslationBundle): Record<FormKind, string> {
  return {
    training: trans.__('Create Training Job…'),
    processing: trans.__('Create Processing Job…'),
    transform: trans.__('Create Batch Transform Job…'),
    model: trans.__('Create Model…'),
    endpoint: trans.__('Create Endpoint…')
  };
}

function initialOf(args: ReadonlyPartialJSONObject): FormValues | undefined {
  const initial = args.initial;
  return initial && typeof initial === 'object' && !Array.isArray(initial)
    ? (initial as unknown as FormValues)
    : undefined;
}

/**
 * The plugin: one command per form, in the palette under "SM Studio".
 */
export const formsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-smstudio:forms',
  description:
    'Create training, processing and batch transform jobs, models and endpoints from forms.',
  autoStart: true,
  requires: [ISMStudio],
  optional: [ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    studio: ISMStudio,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const labels = formLabels(trans);
    const context: Omit<IFormContext, 'done'> = {
      contents: app.serviceManager.contents,
      trans,
      openJob: (kind, name) => studio.openJob(kind, name),
      openEndpoint: name => studio.openEndpoint(name),
      openForm: (kind, initial) =>
        void app.commands.execute(FORM_COMMANDS[kind], {
          initial: initial as unknown as ReadonlyPartialJSONObject
        })
    };
    for (const kind of Object.keys(FORM_COMMANDS) as FormKind[]) {
      app.commands.addCommand(FORM_COMMANDS[kind], {
        label: labels[kind],
        caption: labels[kind],
        describedBy: {
          args: {
            type: 'object',
            properties: {
              initial: {
                type: 'object',
                description: 'Values the form starts with (field key → value).'
              }
            }
          }
        },
        execute: async args => {
          const { createFormWidget } = await import('./widget');
          const widget = createFormWidget(kind, initialOf(args), context);
          app.shell.add(widget, 'main');
          app.shell.activateById(widget.id);
        }
      });
      palette?.addItem({
        command: FORM_COMMANDS[kind],
        category: trans.__('SM Studio')
      });
    }
  }
};
