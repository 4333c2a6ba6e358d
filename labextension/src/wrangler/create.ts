import { InputDialog } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import type { TranslationBundle } from '@jupyterlab/translation';

import { ApiError, createFlow } from '../api';
import { fieldError } from './fields';

const EXTENSION = '.flow';

/**
 * The first of untitled.flow, untitled1.flow, … not in `taken`.
 */
export function freeFlowName(taken: ReadonlySet<string>): string {
  for (let i = 0; ; i++) {
    const name = `untitled${i === 0 ? '' : i}${EXTENSION}`;
    if (!taken.has(name)) {
      return name;
    }
  }
}

/**
 * The file name for what the user typed: trimmed, with `.flow` added when
 * it lacks it.
 */
export function flowFileName(typed: string): string {
  const name = typed.trim();
  return name.toLowerCase().endsWith(EXTENSION) ? name : name + EXTENSION;
}

/**
 * What is wrong with a typed flow name, in words; `null` when it is fine.
 */
export function checkFlowName(
  typed: string,
  trans: TranslationBundle,
  taken: ReadonlySet<string> = new Set()
): string | null {
  const name = typed.trim();
  if (!name || name.toLowerCase() === EXTENSION) {
    return trans.__('Give the flow a name.');
  }
  if (/[/\\:*?"<>|]/.test(name)) {
    return trans.__(
      'A name cannot hold / \\ : * ? " < > or |; the flow goes in the folder on show.'
    );
  }
  if (name.startsWith('.')) {
    return trans.__('A name cannot start with a dot (that hides the file).');
  }
  if (flowFileName(name).length > 255) {
    return trans.__('A name has at most 255 characters.');
  }
  if (taken.has(flowFileName(name))) {
    return trans.__(
      '%1 already exists; choose another name.',
      flowFileName(name)
    );
  }
  return null;
}

/**
 * Ask the name of a new flow: `typed` in the field, `problem` said above it.
 * Answers what the user typed, or `null` when they cancel.
 */
export type AskFlowName = (
  typed: string,
  problem: string | null
) => Promise<string | null>;

/**
 * The name dialog of JupyterLab (an input dialog), the stem selected.
 */
export function flowNameDialog(trans: TranslationBundle): AskFlowName {
  return async (typed, problem) => {
    const label = trans.__('Name of the new flow');
    const result = await InputDialog.getText({
      title: trans.__('New Data Wrangler flow'),
      label: problem ? `${problem} ${label}` : label,
      text: typed,
      selectionRange: typed.toLowerCase().endsWith(EXTENSION)
        ? typed.length - EXTENSION.length
        : typed.length,
      okLabel: trans.__('Create'),
      cancelLabel: trans.__('Cancel')
    });
    return result.button.accept ? (result.value ?? '') : null;
  };
}

/**
 * Ask a name (proposing a free untitled one), check it, and create the
 * flow in `directory`; asks again, saying why, while the name is refused
 * here or by the server. Answers the new flow's path, or `null` when the
 * user cancels.
 *
 * @param taken The file names already in `directory`.
 */
export async function createNamedFlow(
  directory: string,
  ask: AskFlowName,
  trans: TranslationBundle,
  taken: ReadonlySet<string> = new Set()
): Promise<string | null> {
  let typed = freeFlowName(taken);
  let problem: string | null = null;
  for (;;) {
    const answer = await ask(typed, problem);
    if (answer === null) {
      return null;
    }
    typed = answer;
    problem = checkFlowName(answer, trans, taken);
    if (problem) {
      continue;
    }
    const name = PathExt.join(directory, flowFileName(answer));
    try {
      const flow = await createFlow({ name });
      return flow.name;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        problem = trans.__(
          '%1 already exists; choose another name.',
          flowFileName(answer)
        );
      } else if (error instanceof ApiError && error.status === 400) {
        problem = fieldError(error).message;
      } else {
        throw error;
      }
    }
  }
}
