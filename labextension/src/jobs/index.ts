import type { TranslationBundle } from '@jupyterlab/translation';

import { listTrainingJobs } from '../api';
import type { ITrainingJob } from '../api';
import type { ISectionDefinition } from '../components/listsection';
import { describeJob } from './format';

let opener: ((name: string) => void) | null = null;

/**
 * Let the plugin decide how a job's detail view opens (it owns the shell).
 */
export function setJobOpener(open: (name: string) => void): void {
  opener = open;
}

/**
 * The "Training jobs" section: submitted training jobs and their progress.
 */
export function jobsSection(
  trans: TranslationBundle
): ISectionDefinition<ITrainingJob> {
  return {
    id: 'jobs',
    title: trans.__('Training jobs'),
    feature: 'training',
    list: listTrainingJobs,
    emptyTitle: trans.__('No training jobs yet.'),
    emptyHint: trans.__(
      'Training jobs you start from a notebook or a script will appear here with their status.'
    ),
    describe: job =>
      typeof job.instance_type === 'string' ? describeJob(job) : '',
    open: job => opener?.(job.name)
  };
}
