import type { ITrainingJob } from '../api';
import { chartPoints, describeJob, formatDuration } from '../jobs/format';

const job: ITrainingJob = {
  name: 'j',
  status: 'Completed',
  secondary_status: 'Completed',
  instance_type: 'ml.m5.large',
  instance_count: 1,
  backend: 'local',
  created_ms: 1_000,
  started_ms: 2_000,
  ended_ms: 127_000,
  failure_reason: null,
  final_metrics: [{ name: 'loss', value: 0.123456, timestamp_ms: 1 }]
};

describe('training job formatting', () => {
  it('describes profile, duration and final metrics', () => {
    expect(describeJob(job)).toBe('ml.m5.large · 2:05 · loss=0.1235');
  });

  it('measures running jobs up to now', () => {
    const running = { ...job, ended_ms: null };
    expect(formatDuration(running, 2_000 + 3_725_000)).toBe('1:02:05');
  });

  it('scales a series into the chart box', () => {
    expect(chartPoints([1, 3], 100, 20)).toBe('0.0,16.0 100.0,4.0');
    expect(chartPoints([], 100, 20)).toBe('');
  });
});
