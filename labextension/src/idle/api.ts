import { jsonInit, requestAPI } from '../api/request';
import type { IIdleReport, IKeepAliveResult, IPendingShutdown } from './types';

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
