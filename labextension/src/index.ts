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
import { IEditorServices } from '@jupyterlab/codeeditor';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Signal } from '@lumino/signaling';

import { TRANSLATION_DOMAIN } from './components/listsection';
import { createJobDetail, jobWidgetId } from './jobs/detail';
import { createEndpointDetail, endpointWidgetId } from './endpoints/detail';
import { FORM_COMMANDS, formsPlugin } from './forms/plugin';
import type { FormKind } from './forms/plugin';
import type { FormValues } from './forms/logic';
import { PAGE_COMMANDS, pagesPlugin } from './pages/plugin';
import { IdleWatcher } from './idle';
import { DEFAULT_SETTINGS, readSettings } from './settings';
import type { ISmStudioSettings } from './settings';
import { addBuiltInSections, SmStudioSidebar } from './sidebar';
import { ActiveSpaceTracker } from './spaces/activespace';
import { setupSpacePages } from './spaces/plugin';
import { StatusItem } from './status/item';
import { StatusModel } from './status/model';
import { openInMain, SMStudio } from './studio';
import { ISMStudio } from './tokens';
import { createKeysPage, KEYS_WIDGET_ID } from './keys';
import { notifyPlugin } from './notify';
import { TuningCommandIDs, tuningPlugin } from './tuning/plugin';
import { runAsTrainingJob } from './runfile';
import {
  createViewTrackers,
  jobArgs,
  restoreDocuments,
  selectedPythonFile,
  trackView,
  ViewCommandIDs
} from './views';
import { FACTORY as FLOW_FACTORY, wranglerPlugin } from './wrangler/plugin';

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
  export const runAsTrainingJob = 'smstudio:run-as-training-job';
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
    ITranslator,
    IEditorServices
  ],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    statusBar: IStatusBar | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
    editorServices: IEditorServices | null
  ): ISMStudio => {
    translator = translator ?? nullTranslator;
    const trans = translator.load(TRANSLATION_DOMAIN);
    let settings: ISmStudioSettings = { ...DEFAULT_SETTINGS };
    const settingsChanged = new Signal<JupyterFrontEndPlugin<ISMStudio>, void>(
      plugin
    );

    // Every main-area view comes back after a reload.
    const trackers = createViewTrackers(restorer);
    restoreDocuments(app, restorer, FLOW_FACTORY, 'smstudio-flow');

    const status = new StatusModel({
      refreshSeconds: settings.refreshInterval
    });
    const openForm = (kind: FormKind, initial: FormValues = {}): void =>
      void app.commands.execute(FORM_COMMANDS[kind], {
        initial: initial as unknown as ReadonlyPartialJSONObject
      });
    const studio: ISMStudio = new SMStudio({
      openJob: (kind, name) =>
        openInMain(app.shell, jobWidgetId(kind, name), () =>
          trackView(
            trackers.jobs,
            createJobDetail(
              kind,
              name,
              (other, otherName) => studio.openJob(other, otherName),
              trans,
              {
                openForm,
                openEndpoint: other => studio.openEndpoint(other),
                tune: job =>
                  void app.commands.execute(TuningCommandIDs.tune, { job })
              }
            ),
            { kind, name }
          )
        ),
      openEndpoint: name =>
        openInMain(app.shell, endpointWidgetId(name), () =>
          trackView(
            trackers.endpoints,
            createEndpointDetail(name, trans, (kind, job) =>
              studio.openJob(kind, job)
            ),
            { name }
          )
        )
    });
    addBuiltInSections(studio.sections, trans, {
      spaces: setupSpacePages(app, trans, {
        restorer,
        palette,
        editorServices,
        settings: settingRegistry?.load(PLUGIN_ID) ?? null
      }),
      openJob: (kind, name) => studio.openJob(kind, name),
      openEndpoint: name => studio.openEndpoint(name),
      jobActions: {
        create: [
          { label: trans.__('Training job'), run: () => openForm('training') },
          {
            label: trans.__('Processing job'),
            run: () => openForm('processing')
          },
          {
            label: trans.__('Batch transform job'),
            run: () => openForm('transform')
          }
        ],
        openTable: () => void app.commands.execute(PAGE_COMMANDS.jobs)
      },
      endpointActions: {
        create: [
          { label: trans.__('Endpoint'), run: () => openForm('endpoint') },
          { label: trans.__('Model'), run: () => openForm('model') }
        ],
        openTable: () => void app.commands.execute(PAGE_COMMANDS.endpoints)
      }
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
    const nameArgs = {
      args: {
        type: 'object' as const,
        properties: { name: { type: 'string' as const } },
        required: ['name']
      }
    };
    app.commands.addCommand(ViewCommandIDs.openJob, {
      label: args =>
        typeof args.name === 'string'
          ? trans.__('Open job %1', args.name)
          : trans.__('Open job'),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            kind: {
              type: 'string',
              enum: ['training', 'processing', 'transform']
            },
            name: { type: 'string' }
          },
          required: ['kind', 'name']
        }
      },
      execute: args => {
        const job = jobArgs(args);
        if (job) {
          studio.openJob(job.kind, job.name);
        }
      }
    });
    app.commands.addCommand(ViewCommandIDs.openEndpoint, {
      label: args =>
        typeof args.name === 'string'
          ? trans.__('Open endpoint %1', args.name)
          : trans.__('Open endpoint'),
      describedBy: nameArgs,
      execute: args => {
        if (typeof args.name === 'string') {
          studio.openEndpoint(args.name);
        }
      }
    });
    app.commands.addCommand(ViewCommandIDs.openAccessKeys, {
      label: trans.__('Manage access keys'),
      caption: trans.__(
        'Create, list and delete the access keys programs call endpoints with'
      ),
      describedBy: noArgs,
      execute: () =>
        openInMain(app.shell, KEYS_WIDGET_ID, () =>
          trackView(trackers.keys, createKeysPage(trans), {})
        )
    });
    app.commands.addCommand(CommandIDs.runAsTrainingJob, {
      label: trans.__('Run as training job'),
      caption: trans.__('Run this script as an SM Studio training job'),
      describedBy: {
        args: {
          type: 'object',
          properties: { path: { type: 'string' } }
        }
      },
      isVisible: args =>
        typeof args.path === 'string' || selectedPythonFile(app) !== null,
      execute: args => {
        const path =
          typeof args.path === 'string' ? args.path : selectedPythonFile(app);
        return path
          ? runAsTrainingJob(app, path, trans, name =>
              studio.openJob('training', name)
            )
          : undefined;
      }
    });
    if (palette) {
      const category = trans.__('SM Studio');
      palette.addItem({ command: CommandIDs.open, category });
      palette.addItem({ command: CommandIDs.refresh, category });
      palette.addItem({ command: ViewCommandIDs.openAccessKeys, category });
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

export default [
  plugin,
  wranglerPlugin,
  notifyPlugin,
  formsPlugin,
  pagesPlugin,
  tuningPlugin
];
