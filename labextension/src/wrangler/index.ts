import type { TranslationBundle } from '@jupyterlab/translation';

import { listWranglerFlows } from '../api';
import type { IWranglerFlow } from '../api';
import type { ISectionDefinition } from '../components/listsection';

/**
 * Opens a flow in the Data Wrangler editor; set by the wrangler plugin.
 */
let flowOpener: ((path: string) => void) | null = null;

/**
 * Set how the sidebar opens a flow (the wrangler plugin does, at activation).
 */
export function setFlowOpener(opener: ((path: string) => void) | null): void {
  flowOpener = opener;
}

/**
 * The "Data Wrangler" section: data preparation flows.
 */
export function wranglerSection(
  trans: TranslationBundle
): ISectionDefinition<IWranglerFlow> {
  return {
    id: 'wrangler',
    title: trans.__('Data Wrangler'),
    feature: 'wrangler',
    list: listWranglerFlows,
    emptyTitle: trans.__('No Data Wrangler flows yet.'),
    emptyHint: trans.__(
      'Flows that import, clean and transform your data will appear here.'
    ),
    describe: flow => (typeof flow.source === 'string' ? flow.source : ''),
    open: flow => flowOpener?.(flow.name)
  };
}
