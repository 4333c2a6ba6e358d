import type { TranslationBundle } from '@jupyterlab/translation';

import type { IJobItem, ITrainingJob, JobKind } from '../api';

/**
 * What a job's timing is read from.
 */
export interface IJobTimes {
  created_ms: number;
  started_ms?: number | null;
  ended_ms?: number | null;
}

/**
 * How each kind of job is labelled in the list and its detail view.
 */
export const KIND_LABELS: Record<JobKind, string> = {
  training: 'Training',
  processing: 'Processing',
  transform: 'Batch transform'
};

/**
 * The kinds of job, as the user reads them (translated).
 */
export function kindLabels(trans: TranslationBundle): Record<JobKind, string> {
  return {
    training: trans.__('Training'),
    processing: trans.__('Processing'),
    transform: trans.__('Batch transform')
  };
}

/**
 * How long a job ran (or has been running): `m:ss` or `h:mm:ss`.
 */
export function formatDuration(job: IJobTimes, now = Date.now()): string {
  const start = job.started_ms ?? job.created_ms;
  const end = job.ended_ms ?? now;
  const seconds = Math.max(0, Math.round((end - start) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/**
 * Final metrics as `loss=0.2, acc=0.9`.
 */
export function formatMetrics(job: ITrainingJob): string {
  return (job.final_metrics ?? [])
    .map(m => `${m.name}=${Number(m.value.toPrecision(4))}`)
    .join(', ');
}

/**
 * A batch transform job's progress: `3/4 files` (and failures).
 */
export function formatProgress(progress: {
  files_total: number;
  files_done: number;
  files_failed: number;
}): string {
  const failed = progress.files_failed
    ? `, ${progress.files_failed} failed`
    : '';
  return `${progress.files_done}/${progress.files_total} files${failed}`;
}

/**
 * The one-line detail of a job in the list: kind, profile, duration, and
 * final metrics (training) or progress (batch transform).
 */
export function describeJob(
  job: IJobItem,
  labels: Record<JobKind, string> = KIND_LABELS
): string {
  const extra =
    job.kind === 'training'
      ? formatMetrics(job)
      : job.kind === 'transform'
        ? formatProgress(job.progress)
        : '';
  return [labels[job.kind], job.instance_type, formatDuration(job), extra]
    .filter(Boolean)
    .join(' · ');
}

/**
 * SVG polyline points for a metric series in a `width` x `height` box.
 */
export function chartPoints(
  values: number[],
  width: number,
  height: number
): string {
  if (values.length === 0) {
    return '';
  }
  const low = Math.min(...values);
  const span = Math.max(...values) - low || 1;
  const step = width / Math.max(1, values.length - 1);
  return values
    .map(
      (v, i) =>
        `${(i * step).toFixed(1)},${(height - 4 - ((v - low) / span) * (height - 8)).toFixed(1)}`
    )
    .join(' ');
}
