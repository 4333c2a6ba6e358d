/**
 * The Data Wrangler document: `.flow` file type, widget factory, launcher
 * item, the "New Data Wrangler flow" command (launcher, File > New, palette)
 * and "Open in Data Wrangler" (context menu of `.flow` files, palette).
 *
 * The editor itself is loaded the first time a flow opens.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { ABCWidgetFactory, DocumentWidget } from '@jupyterlab/docregistry';
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import { FileDialog, IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { ITranslator } from '@jupyterlab/translation';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Panel } from '@lumino/widgets';

import type { JobKind } from '../api';
import { smstudioIcon } from '../icon';
import { ISMStudio, SECTION_RANKS } from '../tokens';
// eslint-disable-next-line jupyter/prefer-lazy-imports -- tiny, and the sidebar shows it at start-up anyway.
import { wranglerSection } from './index';
import { bundle } from './trans';

export const FILE_TYPE = 'smstudio-flow';
export const FACTORY = 'Data Wrangler';

export namespace WranglerCommandIDs {
  export const create = 'smstudio:new-wrangler-flow';
  export const open = 'smstudio:open-wrangler-flow';
}

/**
 * A `.flow` document: a panel that receives the editor once it has loaded.
 */
export class FlowDocument extends DocumentWidget<Panel> {}

/**
 * Makes Data Wrangler editors for `.flow` files.
 */
export class FlowWidgetFactory extends ABCWidgetFactory<FlowDocument> {
  constructor(
    options: DocumentRegistry.IWidgetFactoryOptions<FlowDocument>,
    private _trans: TranslationBundle,
    private _openFile: (path: string) => void,
    private _openJob?: (kind: JobKind, name: string) => void,
    private _pickFile?: () => Promise<string | null>
  ) {
    super(options);
  }

  protected createNewWidget(context: DocumentRegistry.Context): FlowDocument {
    // Every change goes through the API with its version number; the text
    // model of the file is never written back.
    context.model.readOnly = true;
    const content = new Panel();
    content.addClass('smstudio-WranglerHost');
    const widget = new FlowDocument({ content, context });
    widget.title.icon = smstudioIcon;
    widget.addClass('smstudio-WranglerDocument');
    void import('./editor').then(({ FlowPanel }) => {
      if (!content.isDisposed) {
        const panel = new FlowPanel(
          {
            name: context.path,
            openFile: this._openFile,
            openJob: this._openJob,
            pickFile: this._pickFile
          },
          this._trans
        );
        context.pathChanged.connect((_, path) => {
          panel.name = path;
        });
        content.addWidget(panel);
      }
    });
    return widget;
  }
}

const PATH_ARGS = {
  args: {
    type: 'object' as const,
    properties: {
      cwd: {
        type: 'string' as const,
        description: 'Folder of the new flow'
      },
      path: { type: 'string' as const, description: 'Path of the flow' }
    }
  }
};

export const wranglerPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-smstudio:wrangler',
  description:
    'The Data Wrangler editor for .flow files and the "New Data Wrangler flow" command.',
  autoStart: true,
  optional: [
    ILauncher,
    ICommandPalette,
    ITranslator,
    ISMStudio,
    IDocumentManager,
    IDefaultFileBrowser
  ],
  activate: (
    app: JupyterFrontEnd,
    launcher: ILauncher | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
    studio: ISMStudio | null,
    docManager: IDocumentManager | null,
    browser: IDefaultFileBrowser | null
  ): void => {
    const trans = bundle(translator);
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
        trans,
        path => openFile(path),
        studio ? (kind, name) => studio.openJob(kind, name) : undefined,
        docManager ? () => pickDataFile(docManager, trans) : undefined
      )
    );
    studio?.sections.addSection(
      wranglerSection(trans, path => openFile(path, FACTORY)),
      { rank: SECTION_RANKS.wrangler }
    );

    app.commands.addCommand(WranglerCommandIDs.create, {
      label: args =>
        args.isLauncher
          ? trans.__('Data Wrangler')
          : trans.__('New Data Wrangler flow'),
      caption: trans.__(
        'Create a .flow file to import, clean and transform data'
      ),
      icon: args => (args.isPalette ? undefined : smstudioIcon),
      describedBy: PATH_ARGS,
      execute: async args => {
        const { createNamedFlow, flowNameDialog } = await import('./create');
        const cwd =
          typeof args.cwd === 'string' ? args.cwd : (browser?.model.path ?? '');
        const taken = await app.serviceManager.contents
          .get(cwd, { content: true })
          .then(
            dir =>
              new Set<string>(
                (dir.content as { name: string }[]).map(item => item.name)
              ),
            () => new Set<string>()
          );
        const name = await createNamedFlow(
          cwd,
          flowNameDialog(trans),
          trans,
          taken
        );
        if (name) {
          openFile(name, FACTORY);
        }
        return name;
      }
    });
    // The .flow file picked in the file browser (for the context menu).
    const selectedFlow = (): string | null => {
      const item = browser?.selectedItems().next();
      const model = item && !item.done ? item.value : null;
      return model && model.path.endsWith('.flow') ? model.path : null;
    };
    app.commands.addCommand(WranglerCommandIDs.open, {
      label: args =>
        args.isContextMenu
          ? trans.__('Open in Data Wrangler')
          : trans.__('Open the selected flow in Data Wrangler'),
      caption: trans.__('Open a .flow file in the Data Wrangler editor'),
      icon: args => (args.isPalette ? undefined : smstudioIcon),
      describedBy: PATH_ARGS,
      isEnabled: args => typeof args.path === 'string' || !!selectedFlow(),
      execute: args => {
        const path = typeof args.path === 'string' ? args.path : selectedFlow();
        if (path) {
          openFile(path, FACTORY);
        }
      }
    });
    app.contextMenu.addItem({
      command: WranglerCommandIDs.open,
      args: { isContextMenu: true },
      selector: `.jp-DirListing-item[data-file-type="${FILE_TYPE}"]`,
      rank: 1
    });

    launcher?.add({
      command: WranglerCommandIDs.create,
      category: trans.__('Other'),
      rank: 10
    });
    for (const command of [
      WranglerCommandIDs.create,
      WranglerCommandIDs.open
    ]) {
      palette?.addItem({ command, category: trans.__('SM Studio') });
    }
  }
};

/**
 * Let the user choose a data file of their space; its path, or `null`.
 */
async function pickDataFile(
  manager: IDocumentManager,
  trans: TranslationBundle
): Promise<string | null> {
  const result = await FileDialog.getOpenFiles({
    manager,
    title: trans.__('Choose the data file'),
    label: trans.__('CSV, TSV, Parquet, JSON or JSON Lines file'),
    filter: model =>
      model.type === 'directory' || DATA_FILE.test(model.name) ? {} : null
  });
  const picked = result.button.accept ? result.value?.[0] : undefined;
  return picked && picked.type !== 'directory' ? picked.path : null;
}

/**
 * The files the Data Wrangler reads (see `FileSource.format`).
 */
const DATA_FILE = /\.(csv|tsv|txt|parquet|pq|json|jsonl|ndjson)(\.gz)?$/i;
