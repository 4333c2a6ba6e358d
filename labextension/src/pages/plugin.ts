/**
 * The Jobs and Endpoints pages' commands, palette entries and restoring
 * after a reload (the tables themselves load on first use).
 */
import { ILayoutRestorer } from '@jupyterlab/application';
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, WidgetTracker } from '@jupyterlab/apputils';
import type { MainAreaWidget, ReactWidget } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

// eslint-disable-next-line jupyter/prefer-lazy-imports -- one constant, loaded at start-up anyway.
import { TRANSLATION_DOMAIN } from '../components/listsection';
import { ISMStudio } from '../tokens';

/**
 * Command ids of the pages.
 */
export const PAGE_COMMANDS = {
  jobs: 'smstudio:open-jobs-page',
  endpoints: 'smstudio:open-endpoints-page'
};

export type PageKind = keyof typeof PAGE_COMMANDS;

/**
 * The command the layout restorer reopens a page with (`args.page`).
 */
const OPEN_PAGE = 'smstudio:open-page';

/**
 * The pages plugin: the two commands, palette entries, restoring.
 */
export const pagesPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-smstudio:pages',
  description: 'The Jobs and Endpoints pages: tables in the main area.',
  autoStart: true,
  requires: [ISMStudio],
  optional: [ICommandPalette, ILayoutRestorer, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    studio: ISMStudio,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const tracker = new WidgetTracker<MainAreaWidget<ReactWidget>>({
      namespace: 'smstudio-pages'
    });
    const titles: Record<PageKind, string> = {
      jobs: trans.__('Jobs'),
      endpoints: trans.__('Endpoints')
    };
    const openPage = async (
      page: PageKind
    ): Promise<MainAreaWidget<ReactWidget>> => {
      const id = `smstudio-page-${page}`;
      const open = tracker.find(w => w.id === id);
      if (open) {
        app.shell.activateById(id);
        return open;
      }
      const { createPageWidget } = await import('./pages');
      const widget = createPageWidget(page, trans, studio);
      widget.id = id;
      widget.title.label = trans.__('SM Studio %1', titles[page]);
      void tracker.add(widget);
      app.shell.add(widget, 'main');
      app.shell.activateById(id);
      return widget;
    };
    app.commands.addCommand(OPEN_PAGE, {
      label: args =>
        trans.__('Open %1 Page', titles[args.page as PageKind] ?? ''),
      describedBy: {
        args: {
          type: 'object',
          properties: { page: { type: 'string', enum: ['jobs', 'endpoints'] } }
        }
      },
      execute: args =>
        openPage(args.page === 'endpoints' ? 'endpoints' : 'jobs')
    });
    for (const page of Object.keys(PAGE_COMMANDS) as PageKind[]) {
      app.commands.addCommand(PAGE_COMMANDS[page], {
        label: trans.__('Open %1 Page', titles[page]),
        caption: trans.__('Show every one of the %1 as a table', titles[page]),
        describedBy: { args: { type: 'object', properties: {} } },
        execute: () => openPage(page)
      });
      palette?.addItem({
        command: PAGE_COMMANDS[page],
        category: trans.__('SM Studio')
      });
    }
    if (restorer) {
      void restorer.restore(tracker, {
        command: OPEN_PAGE,
        args: widget => ({ page: widget.node.dataset.smstudioPage ?? 'jobs' }),
        name: widget => widget.node.dataset.smstudioPage ?? 'jobs'
      });
    }
  }
};
