import type { TranslationBundle } from '@jupyterlab/translation';

import { listWranglerFlows } from '../api';
import type { IWranglerFlow } from '../api';
import type { ISectionDefinition } from '../components/listsection';

/**
 * The "Data Wrangler" section: data preparation flows.
 *
 * @param openFlow How a flow opens in the editor (the wrangler plugin's).
 */
export function wranglerSection(
  trans: TranslationBundle,
  openFlow?: (path: string) => void
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
    open: flow => openFlow?.(flow.name)
  };
}
