/**
 * From a completed training job to what it made: its models and the
 * endpoints serving them, and Deploy (model + endpoint config + endpoint,
 * named after the job).
 */
import { ApiError, getEndpoint, listEndpoints } from '../api';
import type { IEndpointDetail, ITrainingJobDetail } from '../api';
import { createEndpoint, createModel, findModel, listAllModels } from './api';
import type { IModel } from './api';
import { nextName } from './logic';
import type { FormValues } from './logic';

/**
 * A job's models (those serving its model file) and the endpoints that serve
 * them.
 */
export interface ILineage {
  models: string[];
  endpoints: string[];
}

/**
 * Which of `models` were made from `artifacts`, and which endpoints serve
 * one of those.
 */
export function lineageOf(
  artifacts: string | null,
  models: ReadonlyArray<Pick<IModel, 'name' | 'model_data'>>,
  endpoints: ReadonlyArray<{
    name: string;
    variants?: { model_name: string }[];
  }>
): ILineage {
  if (!artifacts) {
    return { models: [], endpoints: [] };
  }
  const strip = (path: string): string => path.replace(/^file:\/\//, '');
  const mine = models
    .filter(m => strip(m.model_data) === strip(artifacts))
    .map(m => m.name);
  return {
    models: mine,
    endpoints: endpoints
      .filter(e => (e.variants ?? []).some(v => mine.includes(v.model_name)))
      .map(e => e.name)
  };
}

/**
 * Ask the server for a job's lineage.
 */
export async function loadLineage(artifacts: string | null): Promise<ILineage> {
  if (!artifacts) {
    return { models: [], endpoints: [] };
  }
  const [models, endpoints] = await Promise.all([
    listAllModels({ poll: true }),
    listEndpoints({ limit: 100 }, { poll: true })
  ]);
  return lineageOf(
    artifacts,
    models,
    endpoints.items as { name: string; variants?: { model_name: string }[] }[]
  );
}

/**
 * The code a job trained with, as the code that serves its model (as the
 * SDK's `Estimator.deploy`): a lone script's folder holds the code.
 */
export function servingCode(job: Pick<ITrainingJobDetail, 'spec'>): {
  entry_point?: string;
  source_dir?: string;
} {
  const entry = String(job.spec.entry_point ?? '');
  const dir = String(job.spec.source_dir ?? '');
  if (!entry) {
    return {};
  }
  if (dir) {
    return { entry_point: entry, source_dir: dir };
  }
  const at = entry.lastIndexOf('/');
  return at < 0
    ? { entry_point: entry }
    : { entry_point: entry.slice(at + 1), source_dir: entry.slice(0, at) };
}

/**
 * The model form's values for a job's model file and code.
 */
export function modelValuesFromJob(job: ITrainingJobDetail): FormValues {
  return {
    name: job.name,
    model_data: job.model_artifacts ?? '',
    entry_point: '',
    source_dir: '',
    ...servingCode(job)
  };
}

async function freeName(
  name: string,
  exists: (name: string) => Promise<boolean>
): Promise<string> {
  let candidate = name;
  const taken: string[] = [];
  while (await exists(candidate)) {
    taken.push(candidate);
    candidate = nextName(name, taken);
  }
  return candidate;
}

async function endpointExists(name: string): Promise<boolean> {
  try {
    await getEndpoint(name);
    return true;
  } catch (reason) {
    if (reason instanceof ApiError && reason.status === 404) {
      return false;
    }
    throw reason;
  }
}

/**
 * A step of Deploy, as the job page shows it.
 */
export interface IDeployProgress {
  step: 'model' | 'endpoint' | 'waiting' | 'done' | 'failed';
  model?: string;
  endpoint?: string;
  status?: string;
  message?: string;
}

/**
 * Deploy a completed training job: a model named after the job, served by
 * the code it trained with (the one already made from its model file, if
 * any), then an endpoint named after the
 * job (the next free name), waiting until it is in service.
 *
 * @param wait How to wait between polls (tests pass one that returns at once).
 */
export async function deployJob(
  job: ITrainingJobDetail,
  onProgress: (progress: IDeployProgress) => void,
  wait: () => Promise<void> = () =>
    new Promise(resolve => setTimeout(resolve, 1000))
): Promise<IEndpointDetail> {
  if (!job.model_artifacts) {
    throw new Error(`Training job ${job.name} has no model file to deploy.`);
  }
  onProgress({ step: 'model' });
  let model = await findModel(job.name);
  if (!model || model.model_data !== job.model_artifacts) {
    const name = await freeName(
      job.name,
      async n => (await findModel(n)) !== null
    );
    model = await createModel({
      name,
      model_data: job.model_artifacts,
      ...servingCode(job)
    });
  }
  const endpointName = await freeName(job.name, endpointExists);
  onProgress({ step: 'endpoint', model: model.name, endpoint: endpointName });
  let endpoint = await createEndpoint({
    name: endpointName,
    variants: [{ model_name: model.name }]
  });
  for (;;) {
    onProgress({
      step: 'waiting',
      model: model.name,
      endpoint: endpointName,
      status: endpoint.status
    });
    if (endpoint.status === 'InService' && !endpoint.pending_config_name) {
      onProgress({ step: 'done', model: model.name, endpoint: endpointName });
      return endpoint;
    }
    if (endpoint.status === 'Failed') {
      throw new Error(
        `Endpoint ${endpointName} failed: ${endpoint.failure_reason ?? 'no reason given'}`
      );
    }
    await wait();
    endpoint = await getEndpoint(endpointName, { poll: true });
  }
}
