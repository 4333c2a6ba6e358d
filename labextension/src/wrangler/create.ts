import { PathExt } from '@jupyterlab/coreutils';

import { ApiError, createFlow } from '../api';

/**
 * Create a flow with a free name in `directory` (untitled.flow,
 * untitled1.flow, …) and answer its path.
 */
export async function createUntitledFlow(directory: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const name = PathExt.join(directory, `untitled${i === 0 ? '' : i}.flow`);
    try {
      const flow = await createFlow({ name });
      return flow.name;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        continue;
      }
      throw error;
    }
  }
  throw new Error('Could not find a free name for a new flow.');
}
