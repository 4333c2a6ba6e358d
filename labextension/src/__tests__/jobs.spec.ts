import { nullTranslator } from '@jupyterlab/translation';

import { mergeJobPages } from '../api';
import type {
  IJobItem,
  IListPage,
  IProcessingJob,
  ITrainingJob,
  ITransformJob
} from '../api';
import { jobsSection } from '../jobs';
import {
  chartPoints,
  describeJob,
  formatDuration,
  formatProgress
} from '../jobs/format';

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

const processing: IProcessingJob = {
  name: 'prep',
  status: 'Completed',
  secondary_status: 'Completed',
  instance_type: 'local',
  instance_count: 1,
  backend: 'local',
  created_ms: 5_000,
  started_ms: 5_000,
  ended_ms: 65_000,
  failure_reason: null
};

const transform: ITransformJob = {
  name: 'score',
  status: 'Failed',
  model_name: 'm',
  instance_type: null,
  created_ms: 3_000,
  started_ms: 3_000,
  ended_ms: 9_000,
  failure_reason: 'bad record',
  transform_input: { data_source: 'in', content_type: 'text/csv' },
  transform_output: { output_path: 'out' },
  progress: { files_total: 4, files_done: 3, files_failed: 1 }
};

function page<T>(items: T[], next_token: string | null = null): IListPage<T> {
  return { items, next_token };
}

describe('job formatting', () => {
  it('describes a training job: kind, profile, duration, final metrics', () => {
    expect(describeJob({ ...job, kind: 'training' })).toBe(
      'Training · ml.m5.large · 2:05 · loss=0.1235'
    );
  });

  it('describes processing and batch transform jobs by their kind', () => {
    expect(describeJob({ ...processing, kind: 'processing' })).toBe(
      'Processing · local · 1:00'
    );
    expect(describeJob({ ...transform, kind: 'transform' })).toBe(
      'Batch transform · 0:06 · 3/4 files, 1 failed'
    );
  });

  it('counts transform progress', () => {
    expect(
      formatProgress({ files_total: 2, files_done: 2, files_failed: 0 })
    ).toBe('2/2 files');
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

describe('merging the kinds of job', () => {
  it('lists every kind newest first, each tagged with its kind', () => {
    const merged = mergeJobPages(
      {
        training: page([job]),
        processing: page([processing]),
        transform: page([transform])
      },
      50
    );
    expect(merged.items.map(i => [i.kind, i.name])).toEqual([
      ['processing', 'prep'],
      ['transform', 'score'],
      ['training', 'j']
    ]);
    expect(merged.next_token).toBeNull();
  });

  it('keeps jobs of different kinds that share a name apart', () => {
    const merged = mergeJobPages(
      {
        training: page([{ ...job, name: 'same', created_ms: 7 }]),
        processing: page([]),
        transform: page([{ ...transform, name: 'same', created_ms: 7 }])
      },
      50
    );
    const section = jobsSection(nullTranslator.load('jupyter_smstudio'));
    const keys = merged.items.map(item => section.key?.(item));
    expect(keys).toEqual(['training:same', 'transform:same']);
  });

  it('cuts at the limit and says more exist', () => {
    const many = Array.from({ length: 3 }, (_, i) => ({
      ...processing,
      name: `p${i}`,
      created_ms: i
    }));
    const merged = mergeJobPages(
      { training: page([job]), processing: page(many), transform: page([]) },
      2
    );
    expect(merged.items.map(i => i.name)).toEqual(['j', 'p2']);
    expect(merged.next_token).not.toBeNull();
    const paged = mergeJobPages(
      {
        training: page([], 'next'),
        processing: page([]),
        transform: page([])
      },
      2
    );
    expect(paged.items).toEqual([]);
    expect(paged.next_token).not.toBeNull();
  });

  it('describes and opens items through the section definition', () => {
    const section = jobsSection(nullTranslator.load('jupyter_smstudio'));
    const item: IJobItem = { ...transform, kind: 'transform' };
    expect(section.title).toBe('Jobs');
    expect(section.describe?.(item)).toContain('Batch transform');
  });
});
