import type { TranslationBundle } from '@jupyterlab/translation';

import { listAllJobs } from '../api';
import type { IJobItem, JobKind } from '../api';
import type { ISectionDefinition } from '../components/listsection';
import type { ISectionActions } from '../pages/header';
import { sectionHeader } from '../pages/sectionheader';
import { describeJob, kindLabels } from './format';

/**
 * The "Jobs" section: training, processing and batch transform jobs, newest first.
 *
 * @param openJob How a job opens (the `ISMStudio` service's `openJob`).
 * @param actions "+ New" and "Open as a table" (left out in tests).
 */
export function jobsSection(
  trans: TranslationBundle,
  openJob?: (kind: JobKind, name: string) => void,
  actions?: ISectionActions
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
    open: job => openJob?.(job.kind, job.name),
    ...sectionHeader<IJobItem>('jobs', actions)
  };
}
