/**
 * Types of the JSON documents served under `<baseUrl>/smstudio/api`.
 *
 * Field names follow the server's wire format (snake_case).
 */

/**
 * The areas of SM Studio that the server can turn on one by one.
 */
export type FeatureName = 'spaces' | 'training' | 'endpoints' | 'wrangler';

/**
 * Which areas the server has turned on.
 */
export type IFeatures = Record<FeatureName, boolean>;

/**
 * The user the server runs for.
 */
export interface IUser {
  username: string;
  display_name: string;
}

/**
 * The space the user works in right now.
 */
export interface ICurrentSpace {
  name: string;
  /**
   * The compute profile, e.g. `ml.t3.medium`.
   */
  profile: string;
}

/**
 * `GET /status`
 */
export interface IStatus {
  version: string;
  user: IUser;
  server_time_ms: number;
  features: IFeatures;
  current_space: ICurrentSpace | null;
}

/**
 * One page of a list route.
 */
export interface IListPage<T> {
  items: T[];
  next_token: string | null;
}

/**
 * Query parameters shared by the list routes.
 */
export interface IListQuery {
  limit?: number;
  next_token?: string | null;
  name_contains?: string;
  sort_by?: string;
  sort_order?: 'asc' | 'desc';
}

/**
 * What every listed resource has; areas add their own fields.
 */
export interface IResourceSummary {
  name: string;
  status?: string;
  created_ms?: number;
  [key: string]: unknown;
}

export type ISpace = IResourceSummary;

/**
 * What every job the training runner runs (training, processing) shows in lists.
 */
export interface IRunnerJob extends IResourceSummary {
  status: string;
  secondary_status: string;
  instance_type: string;
  instance_count: number;
  backend: string;
  created_ms: number;
  started_ms: number | null;
  ended_ms: number | null;
  failure_reason: string | null;
}

/**
 * A training job as lists show it (`GET /training-jobs`).
 */
export interface ITrainingJob extends IRunnerJob {
  final_metrics: { name: string; value: number; timestamp_ms: number }[];
}

/**
 * One secondary-status transition of a training job.
 */
export interface ITrainingTransition {
  status: string;
  start_ms: number;
  end_ms: number | null;
  message: string;
}

/**
 * `GET /training-jobs/{name}` (DescribeTrainingJob).
 */
export interface ITrainingJobDetail extends ITrainingJob {
  owner: string;
  status_message: string;
  spec: Record<string, unknown> & {
    name: string;
    hyperparameters: Record<string, unknown>;
  };
  transitions: ITrainingTransition[];
  model_artifacts: string | null;
  output_artifacts: string | null;
}

/**
 * `GET /training-jobs/{name}/logs`: text after a cursor.
 */
export interface ITrainingLogChunk {
  text: string;
  next_cursor: number;
  size: number;
  finished: boolean;
}

/**
 * A log chunk after a cursor (jobs, endpoints); `finished` is said by the
 * jobs that know when their log ends, left out by the others.
 */
export interface ILogChunk {
  text: string;
  next_cursor: number;
  size: number;
  finished?: boolean;
}

/**
 * `GET /training-jobs/{name}/metrics`
 */
export interface ITrainingMetrics {
  metrics: {
    name: string;
    points: { timestamp_ms: number; value: number }[];
  }[];
}
export type IEndpoint = IResourceSummary;
export type IWranglerFlow = IResourceSummary;

/**
 * When a lifecycle configuration script runs.
 */
export type LifecycleConfigType = 'on-create' | 'on-start';

/**
 * A lifecycle configuration as the server stores it.
 */
export interface ILifecycleConfig {
  name: string;
  type: LifecycleConfigType;
  content: string;
  owner: string;
  created_ms: number;
  modified_ms: number;
}

/**
 * `POST /lifecycle-configs` body.
 */
export interface ILifecycleConfigCreate {
  name: string;
  type: LifecycleConfigType;
  content: string;
}

/**
 * Body of an error answer: `{"error": {"code", "message", "field"}}`.
 */
export interface IErrorBody {
  error: {
    code: string;
    message: string;
    field?: string | null;
  };
}

/**
 * A minimal view of the OpenAPI document (`GET /openapi.json`).
 */
export interface IOpenAPIDocument {
  openapi: string;
  info: { title: string; version: string; [key: string]: unknown };
  paths: Record<string, unknown>;
  [key: string]: unknown;
}
