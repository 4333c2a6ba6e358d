import { nullTranslator } from '@jupyterlab/translation';
import type { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

/**
 * The translation domain of SM Studio (as in `components/listsection`).
 */
export const DOMAIN = 'jupyter_smstudio';

/**
 * The translation bundle that the Data Wrangler components use.
 */
export const TransContext: React.Context<TranslationBundle> =
  React.createContext<TranslationBundle>(nullTranslator.load(DOMAIN));

/**
 * The translation bundle of the nearest `TransContext`.
 */
export function useTrans(): TranslationBundle {
  return React.useContext(TransContext);
}

/**
 * The bundle of a translator (or of the null translator).
 */
export function bundle(translator?: ITranslator | null): TranslationBundle {
  return (translator ?? nullTranslator).load(DOMAIN);
}
