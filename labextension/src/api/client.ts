import { jsonInit, requestAPI } from './request';
import type { IRequestOptions, Query } from './request';
import type {
  IEndpoint,
  IListPage,
  IListQuery,
  ILifecycleConfig,
  ILifecycleConfigCreate,
  IOpenAPIDocument,
  ISpace,
  IStatus,
  ITrainingJob,
  ITrainingJobDetail,
  ITrainingLogChunk,
  ITrainingMetrics,
  IWranglerFlow
} from './types';

/**
 * Options of the typed API calls: `poll`, `settings` (no free-form query).
 */
export type CallOptions = Omit<IRequestOptions, 'query'>;

/**
 * A function that fetches one page of a list route.
 */
export type ListFunction<T> = (
  query?: IListQuery,
  options?: CallOptions
) => Promise<IListPage<T>>;

/**
 * `GET /status`: version, user, turned-on areas and the current space.
 */
export function getStatus(options: CallOptions = {}): Promise<IStatus> {
  return requestAPI<IStatus>('status', {}, options);
}

/**
 * `GET /openapi.json`: the API's OpenAPI 3.1 document.
 */
export function getOpenAPI(
  options: CallOptions = {}
): Promise<IOpenAPIDocument> {
  return requestAPI<IOpenAPIDocument>('openapi.json', {}, options);
}

/**
 * Make a typed function for a list route.
 *
 * @param path Route below `smstudio/api`, e.g. `spaces`.
 */
export function listRoute<T>(path: string): ListFunction<T> {
  return (query: IListQuery = {}, options: CallOptions = {}) =>
    requestAPI<IListPage<T>>(
      path,
      {},
      { ...options, query: { ...query } as Query }
    );
}

/**
 * `GET /lifecycle-configs`
 */
export const listLifecycleConfigs =
  listRoute<ILifecycleConfig>('lifecycle-configs');

/**
 * `GET /spaces`
 */
export const listSpaces = listRoute<ISpace>('spaces');

/**
 * `GET /training-jobs`
 */
export const listTrainingJobs = listRoute<ITrainingJob>('training-jobs');

/**
 * `GET /endpoints`
 */
export const listEndpoints = listRoute<IEndpoint>('endpoints');

/**
 * `GET /wrangler/flows`
 */
export const listWranglerFlows = listRoute<IWranglerFlow>('wrangler/flows');

/**
 * `POST /lifecycle-configs`: create a lifecycle configuration (answers 201).
 */
export function createLifecycleConfig(
  body: ILifecycleConfigCreate,
  options: CallOptions = {}
): Promise<ILifecycleConfig> {
  return requestAPI<ILifecycleConfig>(
    'lifecycle-configs',
    jsonInit('POST', body),
    options
  );
}

/**
 * `GET /lifecycle-configs/{name}`
 */
export function getLifecycleConfig(
  name: string,
  options: CallOptions = {}
): Promise<ILifecycleConfig> {
  return requestAPI<ILifecycleConfig>(
    `lifecycle-configs/${encodeURIComponent(name)}`,
    {},
    options
  );
}

/**
 * `DELETE /lifecycle-configs/{name}`
 */
export async function deleteLifecycleConfig(
  name: string,
  options: CallOptions = {}
): Promise<void> {
  await requestAPI<unknown>(
    `lifecycle-configs/${encodeURIComponent(name)}`,
    { method: 'DELETE' },
    options
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
