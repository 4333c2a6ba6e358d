/**
 * Typed calls of the hyperparameter tuning routes (`/tuning-jobs`).
 */
import { listRoute } from './client';
import type { CallOptions } from './client';
import { jsonInit, requestAPI } from './request';
import type { IListPage, IResourceSummary } from './types';

export type TuningStrategy = 'Bayesian' | 'Random' | 'Grid' | 'Hyperband';
export type ObjectiveType = 'Minimize' | 'Maximize';
export type ScalingType =
  'Auto' | 'Linear' | 'Logarithmic' | 'ReverseLogarithmic';

export interface INumericRange {
  name: string;
  min_value: number;
  max_value: number;
  scaling_type: ScalingType;
}

export interface ICategoricalRange {
  name: string;
  values: string[];
}

export interface IParameterRanges {
  integer_parameter_ranges: INumericRange[];
  continuous_parameter_ranges: INumericRange[];
  categorical_parameter_ranges: ICategoricalRange[];
}

/**
 * HyperParameterTuningJobConfig.
 */
export interface ITuningJobConfig {
  strategy: TuningStrategy;
  hyper_parameter_tuning_job_objective: {
    type: ObjectiveType;
    metric_name: string;
  };
  resource_limits: {
    max_number_of_training_jobs: number | null;
    max_parallel_training_jobs: number;
    max_runtime_in_seconds?: number | null;
  };
  parameter_ranges: IParameterRanges;
  training_job_early_stopping_type: 'Off' | 'Auto';
}

/**
 * A tuning job as lists show it (`GET /tuning-jobs`).
 */
export interface ITuningJobSummary extends IResourceSummary {
  status: string;
  strategy: TuningStrategy;
  created_ms: number;
  modified_ms: number;
  ended_ms: number | null;
}

/**
 * HyperParameterTrainingJobSummary: one trial.
 */
export interface ITrialSummary {
  training_job_name: string;
  tuning_job_name: string;
  creation_time_ms: number;
  training_start_time_ms: number | null;
  training_end_time_ms: number | null;
  training_job_status: string;
  tuned_hyper_parameters: Record<string, string>;
  failure_reason: string | null;
  final_hyper_parameter_tuning_job_objective_metric: {
    type: ObjectiveType;
    metric_name: string;
    value: number;
  } | null;
  objective_status: 'Succeeded' | 'Pending' | 'Failed';
  early_stopped: boolean;
  retried: boolean;
}

/**
 * `GET /tuning-jobs/{name}` (DescribeHyperParameterTuningJob).
 */
export interface ITuningJob extends ITuningJobSummary {
  owner: string;
  config: ITuningJobConfig;
  training_job_definition: Record<string, unknown>;
  failure_reason: string | null;
  training_job_status_counters: {
    completed: number;
    in_progress: number;
    retryable_error: number;
    non_retryable_error: number;
    stopped: number;
  };
  objective_status_counters: {
    succeeded: number;
    pending: number;
    failed: number;
  };
  best_training_job: ITrialSummary | null;
}

/**
 * `POST /tuning-jobs` body (CreateHyperParameterTuningJob).
 */
export interface ITuningJobCreate {
  name: string;
  config: ITuningJobConfig;
  training_job_definition: Record<string, unknown>;
}

function tuningPath(name: string, ...rest: string[]): string {
  return ['tuning-jobs', encodeURIComponent(name), ...rest].join('/');
}

/**
 * `GET /tuning-jobs`
 */
export const listTuningJobs = listRoute<ITuningJobSummary>('tuning-jobs');

/**
 * `GET /tuning-jobs/{name}`
 */
export function getTuningJob(
  name: string,
  options: CallOptions = {}
): Promise<ITuningJob> {
  return requestAPI<ITuningJob>(tuningPath(name), {}, options);
}

/**
 * `POST /tuning-jobs`: create a tuning job (answers 201).
 */
export function createTuningJob(
  body: ITuningJobCreate,
  options: CallOptions = {}
): Promise<ITuningJob> {
  return requestAPI<ITuningJob>('tuning-jobs', jsonInit('POST', body), options);
}

/**
 * `POST /tuning-jobs/{name}/stop`
 */
export function stopTuningJob(
  name: string,
  options: CallOptions = {}
): Promise<ITuningJob> {
  return requestAPI<ITuningJob>(
    tuningPath(name, 'stop'),
    { method: 'POST' },
    options
  );
}

/**
 * `GET /tuning-jobs/{name}/training-jobs`: every trial, oldest first.
 */
export async function listAllTrials(
  name: string,
  options: CallOptions = {}
): Promise<ITrialSummary[]> {
  const trials: ITrialSummary[] = [];
  let token: string | null = null;
  do {
    const page: IListPage<ITrialSummary> = await requestAPI<
      IListPage<ITrialSummary>
    >(
      tuningPath(name, 'training-jobs'),
      {},
      {
        ...options,
        query: { limit: 100, ...(token ? { next_token: token } : {}) }
      }
    );
    trials.push(...page.items);
    token = page.next_token;
  } while (token);
  return trials;
}
