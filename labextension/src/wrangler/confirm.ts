import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';

/**
 * Ask before deleting a step (it cannot be undone from the editor).
 *
 * @param number The step's number in the list.
 * @param summary What the step does, in words.
 * @returns Whether the user chose to delete it.
 */
export async function confirmDeleteStep(
  number: string,
  summary: string,
  trans: TranslationBundle
): Promise<boolean> {
  const result = await showDialog({
    title: trans.__('Delete step %1?', number),
    body: trans.__(
      '"%1" will be removed from the flow, and the steps after it will work on the data without it.',
      summary
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label: trans.__('Delete step') })
    ],
    defaultButton: 0
  });
  return result.button.accept;
}
