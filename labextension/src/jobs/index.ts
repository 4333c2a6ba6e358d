import type { TranslationBundle } from '@jupyterlab/translation';

import { listAllJobs } from '../api';
import type { IJobItem, JobKind } from '../api';
import type { ISectionDefinition } from '../components/listsection';
import { describeJob, kindLabels } from './format';

let opener: ((kind: JobKind, name: string) => void) | null = null;

/**
 * Let the plugin decide how a job's detail view opens (it owns the shell).
 */
export function setJobOpener(
  open: (kind: JobKind, name: string) => void
): void {
  opener = open;
}

/**
 * Open a job's detail view (from any panel: the Data Wrangler starts jobs too).
 */
export function openJob(kind: JobKind, name: string): void {
  opener?.(kind, name);
}

/**
 * The "Jobs" section: training, processing and batch transform jobs, newest first.
 */
export function jobsSection(
  trans: TranslationBundle
): ISectionDefinition<IJobItem> {
  const labels = kindLabels(trans);
  return {
    id: 'jobs',
    title: trans.__('Jobs'),
    feature: 'training',
    list: listAllJobs,
    emptyTitle: trans.__('No jobs yet.'),
    emptyHint: trans.__(
      'Training, processing and batch transform jobs you start from a notebook, a script or the Data Wrangler will appear here with their status.'
    ),
    key: job => `${job.kind}:${job.name}`,
    describe: job => describeJob(job, labels),
    open: job => openJob(job.kind, job.name)
  };
}
