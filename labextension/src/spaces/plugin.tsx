/**
 * Wires the space pages into the application: commands, layout restoration,
 * the environment the pages and the sidebar share, notebooks that follow.
 */
import type { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import type { ICommandPalette } from '@jupyterlab/apputils';
import { CodeEditor } from '@jupyterlab/codeeditor';
import type { IEditorServices } from '@jupyterlab/codeeditor';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { getSpace, spaceKernelName } from '../api';
import { ServerSpacesCatalog } from './catalog';
import { AppSpacesEnvironment } from './environment';
import { SpaceNotebooks } from './follow';
import type { SpaceKernelMode } from './follow';
import { editorFactory, LifecycleConfigsPage } from './lifecycle';
import type { IScriptEditorFactory } from './lifecycle';
import { NewSpacePage, SpacePage } from './page';
import type { ISpacePageEnvironment } from './page';

/**
 * Command ids of the space pages.
 */
export namespace SpaceCommandIDs {
  export const open = 'smstudio:open-space';
  export const create = 'smstudio:new-space';
  export const lifecycle = 'smstudio:lifecycle-configs';
}

/**
 * The main-area widget id of a space's page.
 */
export function spaceWidgetId(name: string): string {
  return `smstudio-space-${name}`;
}

/**
 * The setting's value, `pick` when unset or unknown.
 */
export function readSpaceKernelMode(value: unknown): SpaceKernelMode {
  return value === 'offer' || value === 'off' ? value : 'pick';
}

/**
 * The environment of the running application, pages included.
 */
export class AppSpacePageEnvironment
  extends AppSpacesEnvironment
  implements ISpacePageEnvironment
{
  constructor(
    app: JupyterFrontEnd,
    trans: TranslationBundle,
    notebooks: SpaceNotebooks
  ) {
    super(app, trans);
    this._notebooks = notebooks;
  }

  async openNotebook(space: string): Promise<void> {
    await this.refreshKernelSpecs();
    const folder = await getSpace(space)
      .then(detail => detail.folder ?? '')
      .catch(() => '');
    await this._app.commands.execute('notebook:create-new', {
      kernelName: spaceKernelName(space),
      ...(folder ? { cwd: folder } : {})
    });
  }

  async openTerminal(name: string): Promise<void> {
    await this._app.commands.execute('terminal:open', { name });
  }

  async openPath(path: string): Promise<void> {
    if (path.endsWith('.ipynb') || /\.[A-Za-z0-9]+$/.test(path)) {
      await this._app.commands.execute('docmanager:open', { path });
    } else {
      await this._app.commands.execute('filebrowser:go-to-path', {
        path: `${path}/`
      });
    }
  }

  notebooksOf(kernelId: string): string[] {
    const paths: string[] = [];
    for (const session of this._app.serviceManager.sessions.running()) {
      if (session.kernel?.id === kernelId) {
        paths.push(session.path);
      }
    }
    return paths;
  }

  unsavedIn(space: string): string[] {
    return this._notebooks.unsaved(space);
  }

  saveIn(space: string): Promise<string[]> {
    return this._notebooks.save(space);
  }

  followSpace(space: string, change: 'started' | 'stopped' | 'compute'): void {
    void this._notebooks.follow(space, change);
  }

  async openLifecycleConfigs(): Promise<void> {
    await this._app.commands.execute(SpaceCommandIDs.lifecycle);
  }

  private _notebooks: SpaceNotebooks;
}

/**
 * Register the pages' commands and restoration; returns the environment
 * the sidebar's Spaces section uses too.
 */
export function setupSpacePages(
  app: JupyterFrontEnd,
  trans: TranslationBundle,
  options: {
    restorer?: ILayoutRestorer | null;
    palette?: ICommandPalette | null;
    editorServices?: IEditorServices | null;
    settings?: Promise<ISettingRegistry.ISettings> | null;
  } = {}
): AppSpacePageEnvironment {
  let mode: SpaceKernelMode = 'pick';
  options.settings
    ?.then(loaded => {
      const read = () => {
        mode = readSpaceKernelMode(loaded.get('spaceKernel').composite);
      };
      read();
      loaded.changed.connect(read);
    })
    .catch(() => undefined);
  const notebooks = new SpaceNotebooks({ app, trans, mode: () => mode });
  const env = new AppSpacePageEnvironment(app, trans, notebooks);
  const catalog = new ServerSpacesCatalog();
  const factory: IScriptEditorFactory | undefined = options.editorServices
    ? editorFactory(
        options.editorServices,
        mimeType => new CodeEditor.Model({ mimeType })
      )
    : undefined;
  const tracker = new WidgetTracker<MainAreaWidget<ReactWidget>>({
    namespace: 'smstudio-space'
  });

  const add = (
    id: string,
    label: string,
    content: ReactWidget,
    space: string
  ): void => {
    for (const widget of app.shell.widgets('main')) {
      if (widget.id === id) {
        app.shell.activateById(id);
        return;
      }
    }
    const widget = new MainAreaWidget({ content });
    widget.id = id;
    widget.title.label = label;
    widget.title.closable = true;
    widget.node.dataset.smstudioSpace = space;
    app.shell.add(widget, 'main');
    if (space) {
      void tracker.add(widget); // the space pages come back on reload
    }
    app.shell.activateById(id);
  };

  const openSpace = (name: string): void => {
    const id = spaceWidgetId(name);
    const content = ReactWidget.create(
      <SpacePage
        name={name}
        env={env}
        catalog={catalog}
        trans={trans}
        onDeleted={() => {
          for (const widget of app.shell.widgets('main')) {
            if (widget.id === id) {
              widget.close();
            }
          }
        }}
      />
    );
    add(id, trans.__('Space: %1', name), content, name);
  };

  app.commands.addCommand(SpaceCommandIDs.open, {
    label: args =>
      args.name
        ? trans.__('Open space %1', String(args.name))
        : trans.__('Open space'),
    caption: trans.__('Show a space’s page: status, compute, idle, kernels'),
    describedBy: {
      args: {
        type: 'object',
        properties: { name: { type: 'string', description: 'Space name' } },
        required: ['name']
      }
    },
    execute: args => openSpace(String(args.name))
  });
  app.commands.addCommand(SpaceCommandIDs.create, {
    label: trans.__('New Space…'),
    caption: trans.__('Create a space: its own files and compute'),
    describedBy: { args: { type: 'object', properties: {} } },
    execute: () => {
      const id = 'smstudio-new-space';
      const content = ReactWidget.create(
        <NewSpacePage
          env={env}
          catalog={catalog}
          trans={trans}
          onCreated={name => {
            for (const widget of app.shell.widgets('main')) {
              if (widget.id === id) {
                widget.close();
              }
            }
            if (name) {
              openSpace(name);
            }
          }}
          onCancel={() => {
            for (const widget of app.shell.widgets('main')) {
              if (widget.id === id) {
                widget.close();
              }
            }
          }}
        />
      );
      add(id, trans.__('New space'), content, '');
    }
  });
  app.commands.addCommand(SpaceCommandIDs.lifecycle, {
    label: trans.__('Lifecycle Configurations'),
    caption: trans.__('Write the scripts spaces run when they start'),
    describedBy: { args: { type: 'object', properties: {} } },
    execute: () => {
      const content = ReactWidget.create(
        <LifecycleConfigsPage
          trans={trans}
          factory={factory}
          confirm={(title, body) =>
            env.confirm({
              title,
              body: [body],
              accept: trans.__('Delete'),
              danger: true
            })
          }
        />
      );
      add(
        'smstudio-lifecycle-configs',
        trans.__('Lifecycle configurations'),
        content,
        ''
      );
    }
  });
  if (options.palette) {
    const category = trans.__('SM Studio');
    options.palette.addItem({ command: SpaceCommandIDs.create, category });
    options.palette.addItem({ command: SpaceCommandIDs.lifecycle, category });
  }
  void options.restorer?.restore(tracker, {
    command: SpaceCommandIDs.open,
    args: widget => ({ name: widget.node.dataset.smstudioSpace ?? '' }),
    name: widget => widget.node.dataset.smstudioSpace ?? ''
  });
  return env;
}
