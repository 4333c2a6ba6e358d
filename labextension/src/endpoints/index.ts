import type { TranslationBundle } from '@jupyterlab/translation';

import { listEndpoints } from '../api';
import type { IEndpoint } from '../api';
import type { ISectionDefinition } from '../components/listsection';

/**
 * The "Endpoints" section: deployed models that answer requests.
 */
export function endpointsSection(
  trans: TranslationBundle
): ISectionDefinition<IEndpoint> {
  return {
    id: 'endpoints',
    title: trans.__('Endpoints'),
    feature: 'endpoints',
    list: listEndpoints,
    emptyTitle: trans.__('No endpoints yet.'),
    emptyHint: trans.__(
      'Models you deploy to serve predictions will appear here.'
    ),
    describe: endpoint =>
      typeof endpoint.model_name === 'string' ? endpoint.model_name : ''
  };
}
