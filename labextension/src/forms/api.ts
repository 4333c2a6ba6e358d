/**
 * The calls the create forms and lineage actions make that the shared client
 * does not have yet: compute profiles, built-in algorithms, creating
 * processing and batch transform jobs, models and endpoints.
 */
import { ApiError, jsonInit, requestAPI } from '../api';
import type {
  CallOptions,
  IEndpointDetail,
  IListPage,
  IModelSummary,
  IProcessingJobDetail,
  ITransformJob
} from '../api';
import type { IAlgorithmSpec } from './logic';

/**
 * A built-in algorithm in `GET /algorithms`.
 */
export interface IAlgorithmSummary {
  name: string;
  title?: string;
}

/**
 * `GET /algorithms`, or `null` when the server has no built-in algorithms
 * (404: the option is hidden).
 */
export async function listAlgorithms(
  options: CallOptions = {}
): Promise<IAlgorithmSummary[] | null> {
  try {
    const answer = await requestAPI<
      IListPage<IAlgorithmSummary> | IAlgorithmSummary[]
    >('algorithms', {}, options);
    return Array.isArray(answer) ? answer : (answer?.items ?? []);
  } catch (reason) {
    if (reason instanceof ApiError && reason.status === 404) {
      return null;
    }
    throw reason;
  }
}

/**
 * `GET /algorithms/{name}`
 */
export function getAlgorithm(
  name: string,
  options: CallOptions = {}
): Promise<IAlgorithmSpec> {
  return requestAPI(`algorithms/${encodeURIComponent(name)}`, {}, options);
}

/**
 * `POST /processing-jobs`
 */
export function createProcessingJob(
  body: Record<string, unknown>
): Promise<IProcessingJobDetail> {
  return requestAPI('processing-jobs', jsonInit('POST', body));
}

/**
 * `POST /transform-jobs`
 */
export function createTransformJob(
  body: Record<string, unknown>
): Promise<ITransformJob> {
  return requestAPI('transform-jobs', jsonInit('POST', body));
}

/**
 * A model as `GET /models/{name}` describes it.
 */
export interface IModel extends IModelSummary {
  entry_point?: string | null;
  source_dir?: string | null;
  instance_type?: string | null;
}

/**
 * `POST /models`
 */
export function createModel(body: Record<string, unknown>): Promise<IModel> {
  return requestAPI('models', jsonInit('POST', body));
}

/**
 * `GET /models/{name}`, or `null` when there is none by that name.
 */
export async function findModel(name: string): Promise<IModel | null> {
  try {
    return await requestAPI<IModel>(`models/${encodeURIComponent(name)}`);
  } catch (reason) {
    if (reason instanceof ApiError && reason.status === 404) {
      return null;
    }
    throw reason;
  }
}

/**
 * `GET /models`: every model (all pages).
 */
export async function listAllModels(
  options: CallOptions = {}
): Promise<IModel[]> {
  const items: IModel[] = [];
  let token: string | null = null;
  do {
    const page: IListPage<IModel> = await requestAPI<IListPage<IModel>>(
      'models',
      {},
      { ...options, query: { limit: 100, next_token: token } }
    );
    items.push(...page.items);
    token = page.next_token;
  } while (token);
  return items;
}

/**
 * `POST /endpoints`
 */
export function createEndpoint(
  body: Record<string, unknown>
): Promise<IEndpointDetail> {
  return requestAPI('endpoints', jsonInit('POST', body));
}
