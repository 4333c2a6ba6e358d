/**
 * Typed calls of the spaces, lifecycle-configuration and compute-profile routes.
 */
import { getItems, listRoute } from './client';
import type { CallOptions } from './client';
import { jsonInit, requestAPI } from './request';
import type { ILifecycleConfig, ILifecycleConfigCreate, ISpace } from './types';

/**
 * Where a space stands.
 */
export type SpaceStatus =
  | 'Pending'
  | 'InService'
  | 'Stopping'
  | 'Stopped'
  | 'Updating'
  | 'Failed'
  | 'Deleting';

/**
 * Who may use a space.
 */
export type SpaceSharing = 'private' | 'shared';

/**
 * A space as `GET /spaces` lists it.
 */
export interface ISpaceInfo {
  name: string;
  owner: string;
  sharing: SpaceSharing;
  members: string[];
  storage_gb: number;
  profile: string;
  image: string | null;
  lifecycle_configs: string[];
  idle_timeout_minutes: number | null;
  backend: string;
  status: SpaceStatus;
  failure_reason?: string | null;
  /**
   * The kernelspec of the space, `smstudio-<space>`.
   */
  kernel_name: string;
  created_ms: number;
  modified_ms: number;
  started_ms?: number | null;
  initialized_ms?: number | null;
  [key: string]: unknown;
}

/**
 * One kernel running in a space.
 */
export interface ISpaceKernel {
  id: string;
  profile: string;
  execution_state?: string | null;
}

/**
 * `GET /spaces/{name}`: the space, its storage use and its kernels.
 */
export interface ISpaceDetail extends ISpaceInfo {
  storage_used_bytes: number;
  kernels: ISpaceKernel[];
  /**
   * The space's folder in the file browser (`spaces/<name>`), if shown there.
   */
  folder?: string | null;
  /**
   * Terminals opened in the space.
   */
  terminals?: string[];
}

/**
 * `POST /spaces/{name}/terminals` answer: open it at `/terminals/<name>`.
 */
export interface ISpaceTerminal {
  name: string;
  space: string;
  cwd: string;
}

/**
 * A ready lifecycle script offered as a template.
 */
export interface ILifecycleTemplate {
  name: string;
  type: 'on-create' | 'on-start';
  description: string;
  content: string;
}

/**
 * `POST /spaces` body.
 */
export interface ISpaceCreate {
  name: string;
  sharing?: SpaceSharing;
  members?: string[];
  storage_gb?: number | null;
  profile?: string | null;
  image?: string | null;
  lifecycle_configs?: string[];
  idle_timeout_minutes?: number | null;
  start?: boolean;
}

/**
 * `PATCH /spaces/{name}` body: only the fields to change.
 */
export interface ISpaceUpdate {
  sharing?: SpaceSharing;
  members?: string[];
  storage_gb?: number;
  profile?: string;
  image?: string | null;
  lifecycle_configs?: string[];
  idle_timeout_minutes?: number | null;
}

/**
 * `PATCH /spaces/{name}` answer: the space and the kernels that restarted.
 */
export interface ISpaceChange {
  space: ISpaceInfo;
  moved_kernels: string[];
  note: string;
}

/**
 * One entry of a space's history.
 */
export interface ISpaceEvent {
  time_ms: number;
  kind: string;
  message: string;
}

/**
 * `GET /spaces/{name}/lifecycle-log`: the log from a byte cursor on.
 */
export interface ILifecycleLogChunk {
  text: string;
  next_cursor: number;
  size: number;
}

/**
 * A compute profile of the catalog.
 */
export interface IComputeProfile {
  name: string;
  cpus: number | null;
  memory_gib: number | null;
  gpus: number;
  image: string | null;
  description: string;
}

/**
 * `GET /compute-profiles`
 */
export interface IComputeProfileList {
  items: IComputeProfile[];
  default_profile: string;
}

/**
 * `GET /spaces`
 */
export const listSpaces = listRoute<ISpace>('spaces');

/**
 * `GET /lifecycle-configs`
 */
export const listLifecycleConfigs =
  listRoute<ILifecycleConfig>('lifecycle-configs');

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

function spacePath(name: string, rest = ''): string {
  return `spaces/${encodeURIComponent(name)}${rest}`;
}

/**
 * `POST /spaces`: create (and by default start) a space.
 */
export function createSpace(
  body: ISpaceCreate,
  options: CallOptions = {}
): Promise<ISpaceInfo> {
  return requestAPI<ISpaceInfo>('spaces', jsonInit('POST', body), options);
}

/**
 * `GET /spaces/{name}`
 */
export function getSpace(
  name: string,
  options: CallOptions = {}
): Promise<ISpaceDetail> {
  return requestAPI<ISpaceDetail>(spacePath(name), {}, options);
}

/**
 * `PATCH /spaces/{name}`: a new `profile` restarts the space's kernels.
 */
export function updateSpace(
  name: string,
  body: ISpaceUpdate,
  options: CallOptions = {}
): Promise<ISpaceChange> {
  return requestAPI<ISpaceChange>(
    spacePath(name),
    jsonInit('PATCH', body),
    options
  );
}

/**
 * `DELETE /spaces/{name}`: deletes the space and its volume.
 */
export async function deleteSpace(
  name: string,
  options: CallOptions = {}
): Promise<void> {
  await requestAPI<unknown>(spacePath(name), { method: 'DELETE' }, options);
}

/**
 * `POST /spaces/{name}/start`
 */
export function startSpace(
  name: string,
  options: CallOptions = {}
): Promise<ISpaceInfo> {
  return requestAPI<ISpaceInfo>(
    spacePath(name, '/start'),
    { method: 'POST' },
    options
  );
}

/**
 * `POST /spaces/{name}/stop`
 */
export function stopSpace(
  name: string,
  options: CallOptions = {}
): Promise<ISpaceInfo> {
  return requestAPI<ISpaceInfo>(
    spacePath(name, '/stop'),
    { method: 'POST' },
    options
  );
}

/**
 * `GET /spaces/{name}/events`: the space's history.
 */
export function listSpaceEvents(
  name: string,
  options: CallOptions = {}
): Promise<ISpaceEvent[]> {
  return getItems<ISpaceEvent>(spacePath(name, '/events'), options, {
    limit: 100
  });
}

/**
 * `GET /spaces/{name}/lifecycle-log?cursor=N`: the log from `cursor` on.
 */
export function getLifecycleLog(
  name: string,
  cursor = 0,
  options: CallOptions = {}
): Promise<ILifecycleLogChunk> {
  return requestAPI<ILifecycleLogChunk>(
    spacePath(name, '/lifecycle-log'),
    {},
    { ...options, query: { cursor } }
  );
}

/**
 * `PUT /spaces/{name}/kernels/{kernel_id}`: move one kernel to a profile.
 */
export function setKernelProfile(
  name: string,
  kernelId: string,
  profile: string,
  options: CallOptions = {}
): Promise<ISpaceKernel> {
  return requestAPI<ISpaceKernel>(
    spacePath(name, `/kernels/${encodeURIComponent(kernelId)}`),
    jsonInit('PUT', { profile }),
    options
  );
}

/**
 * `POST /spaces/{name}/terminals`: a terminal in the space's files.
 */
export function startSpaceTerminal(
  name: string,
  options: CallOptions = {}
): Promise<ISpaceTerminal> {
  return requestAPI<ISpaceTerminal>(
    spacePath(name, '/terminals'),
    { method: 'POST' },
    options
  );
}

/**
 * `GET /lifecycle-templates`: the ready scripts.
 */
export function listLifecycleTemplates(
  options: CallOptions = {}
): Promise<ILifecycleTemplate[]> {
  return getItems<ILifecycleTemplate>('lifecycle-templates', options);
}

/**
 * `GET /compute-profiles`
 */
export function listComputeProfiles(
  options: CallOptions = {}
): Promise<IComputeProfileList> {
  return requestAPI<IComputeProfileList>('compute-profiles', {}, options);
}

/**
 * The kernelspec name of a space.
 */
export function spaceKernelName(space: string): string {
  return `smstudio-${space}`;
}

/**
 * The space of a kernelspec name, or `null` when it is not a space kernel.
 */
export function spaceOfKernelName(
  kernelName: string | null | undefined
): string | null {
  if (!kernelName || !kernelName.startsWith('smstudio-')) {
    return null;
  }
  const space = kernelName.slice('smstudio-'.length);
  return space ? space : null;
}

/**
 * "0.2 of 5 GB": storage use in decimal gigabytes, as the server counts them.
 */
export function formatStorage(
  usedBytes: number | null | undefined,
  totalGb: number
): string {
  if (typeof usedBytes !== 'number' || !Number.isFinite(usedBytes)) {
    return `${totalGb} GB`;
  }
  const used = usedBytes / 1e9;
  const text =
    used === 0
      ? '0'
      : used < 0.1
        ? '< 0.1'
        : String(Math.round(used * 10) / 10);
  return `${text} of ${totalGb} GB`;
}

/**
 * The rule of resource names, as the server checks them.
 */
export const SPACE_NAME_PATTERN = /^[A-Za-z0-9](-*[A-Za-z0-9])*$/;

/**
 * What is wrong with a space name, or `null` when it is fine.
 */
export type SpaceNameProblem = 'empty' | 'too-long' | 'characters';

/**
 * Check a space name the way the server does.
 */
export function checkSpaceName(name: string): SpaceNameProblem | null {
  if (!name) {
    return 'empty';
  }
  if (name.length > 63) {
    return 'too-long';
  }
  if (!SPACE_NAME_PATTERN.test(name)) {
    return 'characters';
  }
  return null;
}
