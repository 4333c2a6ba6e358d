/**
 * The Data Wrangler document: `.flow` file type, widget factory, launcher
 * item and the "New Data Wrangler flow" command.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { ABCWidgetFactory, DocumentWidget } from '@jupyterlab/docregistry';
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import { ILauncher } from '@jupyterlab/launcher';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { ApiError, createFlow } from '../api';
import { smstudioIcon } from '../icon';
import { FlowPanel } from './editor';
import { setFlowOpener } from './index';

export const FILE_TYPE = 'smstudio-flow';
export const FACTORY = 'Data Wrangler';

export namespace WranglerCommandIDs {
  export const create = 'smstudio:new-wrangler-flow';
  export const open = 'smstudio:open-wrangler-flow';
}

/**
 * The Data Wrangler editor in a document widget.
 */
export class FlowDocument extends DocumentWidget<FlowPanel> {}

/**
 * Makes Data Wrangler editors for `.flow` files.
 */
export class FlowWidgetFactory extends ABCWidgetFactory<FlowDocument> {
  constructor(
    options: DocumentRegistry.IWidgetFactoryOptions<FlowDocument>,
    private _openFile: (path: string) => void
  ) {
    super(options);
  }

  protected createNewWidget(context: DocumentRegistry.Context): FlowDocument {
    // Every change goes through the API with its version number; the text
    // model of the file is never written back.
    context.model.readOnly = true;
    const content = new FlowPanel({
      name: context.path,
      openFile: this._openFile
    });
    const widget = new FlowDocument({ content, context });
    widget.title.icon = smstudioIcon;
    widget.addClass('smstudio-WranglerDocument');
    return widget;
  }
}

/**
 * A free name for a new flow in `directory`: untitled.flow, untitled1.flow…
 */
export async function createUntitledFlow(directory: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const name = PathExt.join(directory, `untitled${i === 0 ? '' : i}.flow`);
    try {
      const flow = await createFlow({ name });
      return flow.name;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        continue;
      }
      throw error;
    }
  }
  throw new Error('Could not find a free name for a new flow.');
}

export const wranglerPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-smstudio:wrangler',
  description:
    'The Data Wrangler editor for .flow files and the "New Data Wrangler flow" command.',
  autoStart: true,
  optional: [ILauncher, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    launcher: ILauncher | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyter_smstudio');
    const openFile = (path: string, factory?: string): void => {
      void app.commands.execute('docmanager:open', {
        path,
        ...(factory ? { factory } : {})
      });
    };

    app.docRegistry.addFileType({
      name: FILE_TYPE,
      displayName: trans.__('Data Wrangler flow'),
      extensions: ['.flow'],
      mimeTypes: ['application/json'],
      contentType: 'file',
      fileFormat: 'text',
      icon: smstudioIcon
    });
    app.docRegistry.addWidgetFactory(
      new FlowWidgetFactory(
        {
          name: FACTORY,
          label: trans.__('Data Wrangler'),
          fileTypes: [FILE_TYPE],
          defaultFor: [FILE_TYPE],
          readOnly: true
        },
        path => openFile(path)
      )
    );
    setFlowOpener(path => openFile(path, FACTORY));

    app.commands.addCommand(WranglerCommandIDs.create, {
      label: args =>
        args.isLauncher
          ? trans.__('Data Wrangler')
          : trans.__('New Data Wrangler flow'),
      caption: trans.__(
        'Create a .flow file to import, clean and transform data'
      ),
      icon: args => (args.isPalette ? undefined : smstudioIcon),
      execute: async args => {
        const cwd = typeof args.cwd === 'string' ? args.cwd : '';
        const name = await createUntitledFlow(cwd);
        openFile(name, FACTORY);
        return name;
      }
    });
    app.commands.addCommand(WranglerCommandIDs.open, {
      label: trans.__('Open Data Wrangler flow'),
      execute: args => {
        if (typeof args.path === 'string') {
          openFile(args.path, FACTORY);
        }
      }
    });

    launcher?.add({
      command: WranglerCommandIDs.create,
      category: trans.__('Other'),
      rank: 10
    });
    palette?.addItem({
      command: WranglerCommandIDs.create,
      category: trans.__('SM Studio')
    });
  }
};
