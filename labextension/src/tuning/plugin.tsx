/**
 * Hyperparameter tuning in the Lab: the "Tuning jobs" section, each tuning
 * job's page, and the "Tune…" form started from a training job.
 */
import { ILayoutRestorer } from '@jupyterlab/application';
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  InputDialog,
  MainAreaWidget,
  Notification,
  ReactWidget,
  WidgetTracker
} from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';

import type { ITuningJobSummary, ListFunction } from '../api';
// eslint-disable-next-line jupyter/prefer-lazy-imports -- one constant, loaded at start-up anyway.
import { TRANSLATION_DOMAIN } from '../components/listsection';
import { openInMain } from '../studio';
import { ISMStudio } from '../tokens';

/**
 * The main-area id of a tuning job's page.
 */
export function tuningWidgetId(name: string): string {
  return `smstudio-tuning-${name}`;
}

const listTuningJobs: ListFunction<ITuningJobSummary> = async (
  query,
  options
) => (await import('../api')).listTuningJobs(query, options);

/**
 * The tuning commands.
 */
export namespace TuningCommandIDs {
  export const open = 'smstudio:open-tuning-job';
  export const tune = 'smstudio:tune-training-job';
}

export const tuningPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-smstudio:tuning',
  description:
    'Hyperparameter tuning jobs: their section, their pages and the "Tune…" form.',
  autoStart: true,
  requires: [ISMStudio],
  optional: [ILayoutRestorer, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    studio: ISMStudio,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const tracker = new WidgetTracker<MainAreaWidget>({
      namespace: 'smstudio-tuning'
    });
    const names = new WeakMap<MainAreaWidget, string>();
    void restorer?.restore(tracker, {
      command: TuningCommandIDs.open,
      args: widget => ({ name: names.get(widget) ?? '' }),
      name: widget => widget.id
    });
    const open = async (name: string): Promise<void> => {
      const { createTuningPage } = await import('./page');
      openInMain(app.shell, tuningWidgetId(name), () => {
        const widget = createTuningPage(
          name,
          (kind, job) => studio.openJob(kind, job),
          trans,
          {
            openForm: () => undefined,
            openEndpoint: endpoint => studio.openEndpoint(endpoint)
          }
        );
        widget.id = tuningWidgetId(name);
        names.set(widget, name);
        void tracker.add(widget);
        return widget;
      });
    };
    const tune = async (job: string): Promise<void> => {
      const { TuneFormLoader } = await import('./form');
      const id = `smstudio-tune-${job}`;
      openInMain(app.shell, id, () => {
        const widget: MainAreaWidget = new MainAreaWidget({
          content: ReactWidget.create(
            <TuneFormLoader
              job={job}
              trans={trans}
              onCreated={name => {
                Notification.success(trans.__('Tuning job %1 started.', name));
                widget.close();
                void open(name);
              }}
            />
          )
        });
        widget.id = id;
        widget.title.label = trans.__('Tune %1', job);
        widget.title.closable = true;
        return widget;
      });
    };

    const nameArgs = {
      args: {
        type: 'object' as const,
        properties: { name: { type: 'string' as const } }
      }
    };
    app.commands.addCommand(TuningCommandIDs.open, {
      label: args =>
        typeof args.name === 'string'
          ? trans.__('Open tuning job %1', args.name)
          : trans.__('Open tuning job…'),
      describedBy: nameArgs,
      execute: async args => {
        const name =
          typeof args.name === 'string' && args.name
            ? args.name
            : (
                await InputDialog.getText({
                  title: trans.__('Tuning job name')
                })
              ).value;
        if (name) {
          await open(name);
        }
      }
    });
    app.commands.addCommand(TuningCommandIDs.tune, {
      label: trans.__('Tune a training job…'),
      caption: trans.__(
        'Start a hyperparameter tuning job from a training job'
      ),
      describedBy: {
        args: {
          type: 'object',
          properties: { job: { type: 'string' } }
        }
      },
      execute: async args => {
        const job =
          typeof args.job === 'string' && args.job
            ? args.job
            : (
                await InputDialog.getText({
                  title: trans.__('Training job to tune')
                })
              ).value;
        if (job) {
          await tune(job);
        }
      }
    });
    if (palette) {
      const category = trans.__('SM Studio');
      palette.addItem({ command: TuningCommandIDs.open, category });
      palette.addItem({ command: TuningCommandIDs.tune, category });
    }
    studio.sections.addSection<ITuningJobSummary>(
      {
        id: 'tuning',
        title: trans.__('Tuning jobs'),
        feature: 'training',
        list: listTuningJobs,
        emptyTitle: trans.__('No tuning jobs yet.'),
        emptyHint: trans.__(
          'Tune a training job to try many hyperparameters; its tuning job will appear here.'
        ),
        describe: job => job.strategy,
        open: job => void open(job.name),
        renderHeader: () => (
          <button
            className="jp-mod-styled"
            onClick={() => void app.commands.execute(TuningCommandIDs.tune)}
          >
            {trans.__('Tune…')}
          </button>
        )
      },
      { rank: 250 }
    );
  }
};
