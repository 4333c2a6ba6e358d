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

/**
 * How far a stage got: done, the one running now, the one the job failed
 * (or was stopped) in, or never reached.
 */
export type StageState =
  'done' | 'running' | 'failed' | 'stopped' | 'not-reached';

/**
 * One stage as a job page shows it.
 */
export interface IStageView {
  status: string;
  state: StageState;
  seconds: number | null;
  message: string;
}

/**
 * The stages a job of each kind goes through when all goes well.
 */
export const STAGES: Record<JobKind, string[]> = {
  training: ['Starting', 'Downloading', 'Training', 'Uploading', 'Completed'],
  processing: [
    'Starting',
    'Downloading',
    'Processing',
    'Uploading',
    'Completed'
  ],
  transform: []
};

const ENDINGS = ['Completed', 'Failed', 'Stopped', 'MaxRuntimeExceeded'];

/**
 * The stages of a job, honestly: those it went through (done), the one it is
 * in (running), the one it failed or was stopped in, and the ones it never
 * reached after that. The ending itself ("Failed") is the job's status, not a
 * stage.
 */
export function stageView(
  transitions: ReadonlyArray<{
    status: string;
    start_ms: number;
    end_ms: number | null;
    message?: string;
  }>,
  status: string,
  kind: JobKind = 'training'
): IStageView[] {
  const ending = transitions.find(t => ENDINGS.includes(t.status));
  const went = transitions.filter(
    t => !ENDINGS.includes(t.status) && t.status !== 'Stopping'
  );
  const finalState: StageState | null =
    status === 'Failed'
      ? 'failed'
      : status === 'Stopped' || status === 'Stopping'
        ? 'stopped'
        : null;
  const views: IStageView[] = went.map((t, index) => {
    const last = index === went.length - 1;
    const state: StageState = !last
      ? 'done'
      : (finalState ?? (status === 'Completed' ? 'done' : 'running'));
    return {
      status: t.status,
      state,
      seconds:
        t.end_ms !== null && t.end_ms > t.start_ms
          ? (t.end_ms - t.start_ms) / 1000
          : null,
      message:
        last && finalState && ending?.message
          ? ending.message
          : (t.message ?? '')
    };
  });
  if (status === 'Completed') {
    views.push({
      status: 'Completed',
      state: 'done',
      seconds: null,
      message: ending?.message ?? ''
    });
    return views;
  }
  if (finalState) {
    const order = STAGES[kind];
    if (!went.length && order.length) {
      views.push({
        status: order[0],
        state: finalState,
        seconds: null,
        message: ending?.message ?? ''
      });
      went.push({ status: order[0], start_ms: 0, end_ms: null });
    }
    const reached = went.length
      ? order.indexOf(went[went.length - 1].status)
      : -1;
    for (const stage of order.slice(reached + 1)) {
      if (!went.some(t => t.status === stage)) {
        views.push({
          status: stage,
          state: 'not-reached',
          seconds: null,
          message: ''
        });
      }
    }
  }
  return views;
}

/**
 * A tick: where it is (px) and what it says.
 */
export interface ITick {
  at: number;
  label: string;
}

function tickLabel(value: number): string {
  return String(Number(value.toPrecision(3)));
}

/**
 * A metric chart's polyline and ticks in a box with margins: x is seconds
 * since the first point, y the value (min, middle and max ticked).
 */
export function chartAxes(
  points: ReadonlyArray<{ timestamp_ms: number; value: number }>,
  box: {
    width: number;
    height: number;
    left: number;
    bottom: number;
    top: number;
    right: number;
  }
): { points: string; xTicks: ITick[]; yTicks: ITick[] } {
  if (!points.length) {
    return { points: '', xTicks: [], yTicks: [] };
  }
  const plotW = box.width - box.left - box.right;
  const plotH = box.height - box.top - box.bottom;
  const t0 = points[0].timestamp_ms;
  const span = Math.max(1, points[points.length - 1].timestamp_ms - t0);
  const values = points.map(p => p.value);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const range = high - low || 1;
  const x = (ms: number): number => box.left + ((ms - t0) / span) * plotW;
  const y = (v: number): number =>
    box.top + plotH - ((v - low) / range) * plotH;
  const line = points
    .map(p => `${x(p.timestamp_ms).toFixed(1)},${y(p.value).toFixed(1)}`)
    .join(' ');
  const yValues = high === low ? [low] : [low, (low + high) / 2, high];
  const seconds = span / 1000;
  return {
    points: line,
    yTicks: yValues.map(v => ({ at: y(v), label: tickLabel(v) })),
    xTicks: [0, 0.5, 1].map(f => ({
      at: box.left + f * plotW,
      label: `${tickLabel(f * seconds)}s`
    }))
  };
}
