/**
 * Typed calls of the job routes: training, processing and batch transform.
 */
import { ServerConnection } from '@jupyterlab/services';

import { listRoute } from './client';
import type { CallOptions, ListFunction } from './client';
import { apiURL, jsonInit, requestAPI } from './request';
import type {
  IListPage,
  ILogChunk,
  IResourceSummary,
  IRunnerJob,
  ITrainingJob,
  ITrainingJobDetail,
  ITrainingLogChunk,
  ITrainingMetrics,
  ITrainingTransition
} from './types';

/**
 * The kinds of job the Jobs panel lists.
 */
export type JobKind = 'training' | 'processing' | 'transform';

/**
 * A processing job as lists show it (`GET /processing-jobs`).
 */
export type IProcessingJob = IRunnerJob;

/**
 * `GET /processing-jobs/{name}` (DescribeProcessingJob).
 */
export interface IProcessingJobDetail extends IProcessingJob {
  owner: string;
  status_message: string;
  transitions: ITrainingTransition[];
  spec: {
    name: string;
    container_entrypoint: string[] | null;
    container_arguments: string[] | null;
    inputs: {
      input_name: string;
      source: string;
      destination: string | null;
    }[];
    outputs: {
      output_name: string;
      source: string | null;
      destination: string | null;
    }[];
  };
  output_locations: { output_name: string; path: string }[];
}

/**
 * A batch transform job (`GET /transform-jobs`, `GET /transform-jobs/{name}`).
 */
export interface ITransformJob extends IResourceSummary {
  status: string;
  model_name: string;
  instance_type: string | null;
  created_ms: number;
  started_ms: number | null;
  ended_ms: number | null;
  failure_reason: string | null;
  transform_input: { data_source: string; content_type: string };
  transform_output: { output_path: string };
  progress: { files_total: number; files_done: number; files_failed: number };
}

/**
 * A job of any kind in the Jobs panel: its own summary, tagged with its kind.
 */
export type IJobItem =
  | (ITrainingJob & { kind: 'training' })
  | (IProcessingJob & { kind: 'processing' })
  | (ITransformJob & { kind: 'transform' });

/**
 * Where each kind of job lives below `smstudio/api`.
 */
export const JOB_ROUTES: Record<JobKind, string> = {
  training: 'training-jobs',
  processing: 'processing-jobs',
  transform: 'transform-jobs'
};

function jobPath(kind: JobKind, name: string, ...rest: string[]): string {
  return [JOB_ROUTES[kind], encodeURIComponent(name), ...rest].join('/');
}

/**
 * `GET /training-jobs`
 */
export const listTrainingJobs = listRoute<ITrainingJob>('training-jobs');

/**
 * `GET /processing-jobs`
 */
export const listProcessingJobs = listRoute<IProcessingJob>('processing-jobs');

/**
 * `GET /transform-jobs`
 */
export const listTransformJobs = listRoute<ITransformJob>('transform-jobs');

/**
 * `GET /{kind}-jobs/{name}`
 */
export function getJob<T>(
  kind: JobKind,
  name: string,
  options: CallOptions = {}
): Promise<T> {
  return requestAPI<T>(jobPath(kind, name), {}, options);
}

/**
 * `POST /{kind}-jobs/{name}/stop`
 */
export function stopJob<T>(
  kind: JobKind,
  name: string,
  options: CallOptions = {}
): Promise<T> {
  return requestAPI<T>(
    jobPath(kind, name, 'stop'),
    { method: 'POST' },
    options
  );
}

/**
 * `GET /{kind}-jobs/{name}/logs?cursor=N`
 */
export function getJobLogs(
  kind: JobKind,
  name: string,
  cursor: number,
  options: CallOptions = {}
): Promise<ILogChunk> {
  return requestAPI<ILogChunk>(
    jobPath(kind, name, 'logs'),
    {},
    { ...options, query: { cursor } }
  );
}

function trainingPath(name: string, ...rest: string[]): string {
  return ['training-jobs', encodeURIComponent(name), ...rest].join('/');
}

/**
 * `GET /training-jobs/{name}`
 */
export function getTrainingJob(
  name: string,
  options: CallOptions = {}
): Promise<ITrainingJobDetail> {
  return requestAPI<ITrainingJobDetail>(trainingPath(name), {}, options);
}

/**
 * `POST /training-jobs`: create a training job (answers 201).
 */
export function createTrainingJob(
  spec: Record<string, unknown>,
  options: CallOptions = {}
): Promise<ITrainingJobDetail> {
  return requestAPI<ITrainingJobDetail>(
    'training-jobs',
    jsonInit('POST', spec),
    options
  );
}

/**
 * `POST /training-jobs/{name}/stop`
 */
export function stopTrainingJob(
  name: string,
  options: CallOptions = {}
): Promise<ITrainingJobDetail> {
  return requestAPI<ITrainingJobDetail>(
    trainingPath(name, 'stop'),
    { method: 'POST' },
    options
  );
}

/**
 * `GET /training-jobs/{name}/logs?cursor=N`
 */
export function getTrainingJobLogs(
  name: string,
  cursor: number,
  options: CallOptions = {}
): Promise<ITrainingLogChunk> {
  return requestAPI<ITrainingLogChunk>(
    trainingPath(name, 'logs'),
    {},
    { ...options, query: { cursor } }
  );
}

/**
 * `GET /training-jobs/{name}/metrics`
 */
export function getTrainingJobMetrics(
  name: string,
  options: CallOptions = {}
): Promise<ITrainingMetrics> {
  return requestAPI<ITrainingMetrics>(
    trainingPath(name, 'metrics'),
    {},
    options
  );
}

/**
 * Where a training job's artifact (`model.tar.gz`, `output.tar.gz`) downloads from.
 */
export function trainingJobArtifactURL(
  name: string,
  artifact: string,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): string {
  return apiURL(trainingPath(name, 'artifacts', artifact), {}, settings);
}

/**
 * How to run a Data Wrangler flow as a processing job; all optional.
 */
export interface IFlowJobRequest {
  job_name?: string;
  output_path?: string;
  output_format?: 'parquet' | 'csv';
  instance_type?: string;
}

/**
 * `POST /wrangler/flows/{name}/processing-jobs`: run a flow on its full data.
 */
export function createFlowProcessingJob(
  flow: string,
  body: IFlowJobRequest,
  options: CallOptions = {}
): Promise<IProcessingJobDetail> {
  return requestAPI<IProcessingJobDetail>(
    `wrangler/flows/${encodeURIComponent(flow)}/processing-jobs`,
    jsonInit('POST', body),
    options
  );
}

/**
 * The pages of each kind, merged: newest first, at most `limit` items.
 */
export function mergeJobPages(
  pages: {
    training: IListPage<ITrainingJob>;
    processing: IListPage<IProcessingJob>;
    transform: IListPage<ITransformJob>;
  },
  limit: number
): IListPage<IJobItem> {
  const items: IJobItem[] = [
    ...pages.training.items.map(j => ({ ...j, kind: 'training' as const })),
    ...pages.processing.items.map(j => ({
      ...j,
      kind: 'processing' as const
    })),
    ...pages.transform.items.map(j => ({ ...j, kind: 'transform' as const }))
  ];
  items.sort(
    (a, b) =>
      b.created_ms - a.created_ms ||
      a.kind.localeCompare(b.kind) ||
      a.name.localeCompare(b.name)
  );
  const more =
    items.length > limit ||
    [pages.training, pages.processing, pages.transform].some(
      page => !!page.next_token
    );
  return { items: items.slice(0, limit), next_token: more ? 'more' : null };
}

/**
 * Training, processing and batch transform jobs as one list (newest first).
 */
export const listAllJobs: ListFunction<IJobItem> = async (
  query = {},
  options = {}
) => {
  const [training, processing, transform] = await Promise.all([
    listTrainingJobs(query, options),
    listProcessingJobs(query, options),
    listTransformJobs(query, options)
  ]);
  return mergeJobPages({ training, processing, transform }, query.limit ?? 50);
};
