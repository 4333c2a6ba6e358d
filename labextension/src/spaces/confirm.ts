import type { TranslationBundle } from '@jupyterlab/translation';

import type { ISpacesEnvironment } from './environment';

/**
 * Ask before a stop or a delete loses running kernels or unsaved work, and
 * save unsaved documents first (as idle shutdown does). `kernels` names the
 * running kernels (their notebooks), `terminals` the open terminals.
 * Resolves whether to go ahead.
 */
export async function confirmLoss(
  env: ISpacesEnvironment,
  trans: TranslationBundle,
  name: string,
  kernels: string[],
  action: 'stop' | 'delete',
  terminals: string[] = []
): Promise<boolean> {
  const unsaved = env.unsavedIn?.(name) ?? [];
  const idle = !kernels.length && !terminals.length && !unsaved.length;
  if (action === 'stop' && idle) {
    return true;
  }
  const body = [
    action === 'delete'
      ? trans.__(
          'This stops the space and deletes its storage volume with every file in it. This cannot be undone.'
        )
      : trans.__(
          'Stopping ends the space’s compute. Files stay; what is in kernel memory is lost.'
        )
  ];
  if (kernels.length) {
    body.push(
      trans._n(
        '%1 kernel is running: %2.',
        '%1 kernels are running: %2.',
        kernels.length,
        kernels.join('; ')
      )
    );
  }
  if (terminals.length) {
    body.push(
      trans._n(
        'Its open terminal ends: %2.',
        'Its %1 open terminals end: %2.',
        terminals.length,
        terminals.join(', ')
      )
    );
  }
  if (unsaved.length) {
    body.push(
      trans.__('Unsaved documents are saved first: %1.', unsaved.join(', '))
    );
  }
  const ok = await env.confirm({
    title:
      action === 'stop'
        ? trans.__('Stop space “%1”?', name)
        : trans.__('Delete space “%1”?', name),
    body,
    accept:
      action === 'stop' ? trans.__('Stop space') : trans.__('Delete space'),
    danger: action === 'delete'
  });
  if (ok && unsaved.length) {
    await env.saveIn?.(name);
  }
  return ok;
}
