/**
 * Typed calls of the idle-shutdown routes: the idle report, keep-alive and
 * user activity.
 */
import { jsonInit, requestAPI } from './request';

/**
 * The `/smstudio/api/idle` report (see `jupyter_smstudio/idle/models.py`).
 */
export interface IPendingShutdown {
  kind: 'kernel' | 'space' | 'server';
  id: string;
  space?: string | null;
  at_ms: number;
  in_seconds: number;
}

/**
 * What the idle report says about the policy.
 */
export interface IIdlePolicy {
  enabled: boolean;
  check_interval_seconds: number;
  warning_minutes: number;
  default_timeout_minutes?: number;
  min_timeout_minutes?: number;
  max_timeout_minutes?: number;
  users_may_disable?: boolean;
}

/**
 * A kernel's idleness in the report.
 */
export interface IKernelIdle {
  id: string;
  name: string;
  space?: string | null;
  execution_state?: string | null;
  idle_seconds: number;
  activity: string[];
  keep_alive_until_ms?: number | null;
  shutdown_at_ms?: number | null;
}

/**
 * A space's idleness in the report.
 */
export interface ISpaceIdle {
  name: string;
  status: string;
  timeout_minutes: number | null;
  idle_seconds: number;
  activity: string[];
  keep_alive_until_ms?: number | null;
  shutdown_at_ms?: number | null;
}

/**
 * The parts of the idle report the frontend uses.
 */
export interface IIdleReport {
  policy: IIdlePolicy;
  pending: IPendingShutdown[];
  kernels?: IKernelIdle[];
  spaces?: ISpaceIdle[];
}

/**
 * What the server answers to a keep-alive.
 */
export interface IKeepAliveResult {
  kind: 'kernel' | 'space' | 'server';
  id: string;
  until_ms: number;
}

/**
 * Read the idle report; polling never counts as activity.
 */
export function getIdleReport(): Promise<IIdleReport> {
  return requestAPI<IIdleReport>('idle', {}, { poll: true });
}

/**
 * "Keep running": reset the idle clock of what is about to be shut down.
 */
export function keepAlive(
  target: Pick<IPendingShutdown, 'kind' | 'id'>,
  minutes = 0
): Promise<IKeepAliveResult> {
  const body: Record<string, unknown> = { minutes };
  if (target.kind === 'kernel') {
    body.kernel_id = target.id;
  } else if (target.kind === 'space') {
    body.space = target.id;
  }
  return requestAPI<IKeepAliveResult>(
    'idle/keep-alive',
    jsonInit('POST', body)
  );
}

/**
 * Tell the server the user is working (typing, clicking) in Lab.
 */
export function sendActivity(kernelId: string | null): Promise<void> {
  const body = kernelId ? { kernel_id: kernelId } : {};
  return requestAPI<void>('activity', jsonInit('POST', body));
}
