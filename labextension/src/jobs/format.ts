import type { ITrainingJob } from '../api';

/**
 * How long a job ran (or has been running): `m:ss` or `h:mm:ss`.
 */
export function formatDuration(job: ITrainingJob, now = Date.now()): string {
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
 * The one-line detail of a job in the list: profile, duration, final metrics.
 */
export function describeJob(job: ITrainingJob): string {
  return [job.instance_type, formatDuration(job), formatMetrics(job)]
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
