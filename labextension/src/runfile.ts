/**
 * "Run as training job" on a `.py` file: the create form when one is there
 * (`smstudio:create-training-job`, taking `entryPoint`), else a job made from
 * the file after asking its name.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { InputDialog, Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';

import { createTrainingJob } from './api';

/**
 * The create form's command, when the forms plugin registers it.
 */
export const CREATE_TRAINING_FORM = 'smstudio:create-training-job';

/**
 * A job name from a file name: `train.py` -> `train-20261202-031500`.
 */
export function jobNameFor(path: string, now: Date = new Date()): string {
  const stem = (path.split('/').pop() ?? 'job')
    .replace(/\.py$/, '')
    .replace(/[^a-zA-Z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const stamp =
    `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-` +
    `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `${stem || 'job'}-${stamp}`;
}

/**
 * The training job request for a script at `path` (from the server's root).
 */
export function scriptJobSpec(
  path: string,
  name: string
): Record<string, unknown> {
  const slash = path.lastIndexOf('/');
  return {
    name,
    entry_point: path.slice(slash + 1),
    source_dir: slash < 0 ? '.' : path.slice(0, slash)
  };
}

/**
 * Run the script at `path` as a training job and open it.
 */
export async function runAsTrainingJob(
  app: JupyterFrontEnd,
  path: string,
  trans: TranslationBundle,
  openJob: (name: string) => void
): Promise<void> {
  if (app.commands.hasCommand(CREATE_TRAINING_FORM)) {
    await app.commands.execute(CREATE_TRAINING_FORM, { entryPoint: path });
    return;
  }
  const answer = await InputDialog.getText({
    title: trans.__('Run %1 as a training job', path),
    label: trans.__('Job name'),
    text: jobNameFor(path),
    okLabel: trans.__('Run')
  });
  if (!answer.button.accept || !answer.value) {
    return;
  }
  try {
    const job = await createTrainingJob(scriptJobSpec(path, answer.value));
    openJob(job.name);
  } catch (error) {
    Notification.error(
      trans.__('Could not start the training job: %1', String(error))
    );
  }
}
