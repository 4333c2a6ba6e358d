/* eslint-disable jupyter/prefer-lazy-imports --
 * The sidebar and the status-bar item are shown at start-up, so the modules
 * below are needed during activation anyway.
 */
import { ILayoutRestorer } from '@jupyterlab/application';
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';

import { TRANSLATION_DOMAIN } from './components/listsection';
import { createJobDetail, jobWidgetId } from './jobs/detail';
import { createEndpointDetail, endpointWidgetId } from './endpoints/detail';
import { IdleWatcher } from './idle';
import { DEFAULT_SETTINGS, readSettings } from './settings';
import type { ISmStudioSettings } from './settings';
import { addBuiltInSections, SmStudioSidebar } from './sidebar';
import { ActiveSpaceTracker } from './spaces/activespace';
import { AppSpacesEnvironment } from './spaces/environment';
import { StatusItem } from './status/item';
import { StatusModel } from './status/model';
import { openInMain, SMStudio } from './studio';
import { ISMStudio } from './tokens';
import { wranglerPlugin } from './wrangler/plugin';

export { DEFAULT_SECTION_RANK, ISMStudio, SECTION_RANKS } from './tokens';
export type {
  ISectionOptions,
  ISidebarSection,
  ISidebarSections,
  ISidebarSectionsChange
} from './tokens';
export type {
  ISectionContext,
  ISectionDefinition
} from './components/listsection';

/**
 * The plugin id; also the id of its settings (`labextension/schema/plugin.json`).
 */
export const PLUGIN_ID = 'jupyter-smstudio:plugin';

/**
 * Command ids.
 */
export namespace CommandIDs {
  export const open = 'smstudio:open';
  export const refresh = 'smstudio:refresh';
}

/**
 * The SM Studio sidebar and status-bar item; provides `ISMStudio`, through
 * which sections (ours too) join the sidebar and jobs and endpoints open.
 */
const plugin: JupyterFrontEndPlugin<ISMStudio> = {
  id: PLUGIN_ID,
  description:
    'A self-hosted SageMaker Studio inside JupyterLab: the SM Studio sidebar and status-bar item.',
  autoStart: true,
  provides: ISMStudio,
  optional: [
    ILayoutRestorer,
    ISettingRegistry,
    IStatusBar,
    ICommandPalette,
    ITranslator
  ],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    statusBar: IStatusBar | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): ISMStudio => {
    translator = translator ?? nullTranslator;
    const trans = translator.load(TRANSLATION_DOMAIN);
    let settings: ISmStudioSettings = { ...DEFAULT_SETTINGS };
    const settingsChanged = new Signal<JupyterFrontEndPlugin<ISMStudio>, void>(
      plugin
    );

    const status = new StatusModel({
      refreshSeconds: settings.refreshInterval
    });
    const studio: ISMStudio = new SMStudio({
      openJob: (kind, name) =>
        openInMain(app.shell, jobWidgetId(kind, name), () =>
          createJobDetail(
            kind,
            name,
            (other, otherName) => studio.openJob(other, otherName),
            trans
          )
        ),
      openEndpoint: name =>
        openInMain(app.shell, endpointWidgetId(name), () =>
          createEndpointDetail(name, trans)
        )
    });
    addBuiltInSections(studio.sections, trans, {
      spaces: new AppSpacesEnvironment(app, trans),
      openJob: (kind, name) => studio.openJob(kind, name),
      openEndpoint: name => studio.openEndpoint(name)
    });
    const sidebar = new SmStudioSidebar({
      status,
      sections: studio.sections,
      refreshSeconds: settings.refreshInterval,
      translator
    });
    app.shell.add(sidebar, 'left', { rank: 650 });
    // Idle shutdown: presence pings, warnings, saving before a shutdown.
    new IdleWatcher(app, trans);
    restorer?.add(sidebar, sidebar.id);

    if (statusBar) {
      statusBar.registerStatusItem(PLUGIN_ID, {
        item: new StatusItem(
          status,
          translator,
          new ActiveSpaceTracker({
            shell: app.shell,
            kernelspecs: app.serviceManager.kernelspecs,
            spaces: sidebar.sections.find(
              section => section.node.dataset.smstudioSection === 'spaces'
            )?.model
          })
        ),
        align: 'left',
        rank: 5,
        isActive: () => settings.showStatusBarItem,
        activeStateChanged: settingsChanged
      });
    }

    const noArgs = { args: { type: 'object' as const, properties: {} } };
    app.commands.addCommand(CommandIDs.open, {
      label: trans.__('Open SM Studio'),
      caption: trans.__('Show the SM Studio sidebar'),
      describedBy: noArgs,
      execute: () => app.shell.activateById(sidebar.id)
    });
    app.commands.addCommand(CommandIDs.refresh, {
      label: trans.__('Refresh SM Studio'),
      caption: trans.__(
        'Ask the server for news now, in every SM Studio section'
      ),
      describedBy: noArgs,
      execute: () => sidebar.refresh()
    });
    if (palette) {
      const category = trans.__('SM Studio');
      palette.addItem({ command: CommandIDs.open, category });
      palette.addItem({ command: CommandIDs.refresh, category });
    }

    const apply = (loaded: ISettingRegistry.ISettings): void => {
      settings = readSettings(loaded);
      status.refreshSeconds = settings.refreshInterval;
      sidebar.refreshSeconds = settings.refreshInterval;
      settingsChanged.emit(void 0);
    };
    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(loaded => {
          apply(loaded);
          loaded.changed.connect(apply);
        })
        .catch(reason => {
          console.error(
            'jupyter-smstudio: could not load the settings.',
            reason
          );
        });
    }
    return studio;
  }
};

export default [plugin, wranglerPlugin];
