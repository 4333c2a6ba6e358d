import type { TranslationBundle } from '@jupyterlab/translation';

import { listEndpoints } from '../api';
import type { IEndpoint, IEndpointMetrics } from '../api';
import type { ISectionDefinition } from '../components/listsection';
import { describeTraffic } from './format';

/**
 * The "Endpoints" section: deployed models that answer requests.
 *
 * @param openEndpoint How an endpoint opens (the `ISMStudio` service's
 *   `openEndpoint`).
 */
export function endpointsSection(
  trans: TranslationBundle,
  openEndpoint?: (name: string) => void
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
      describeTraffic(endpoint.metrics as IEndpointMetrics | null | undefined),
    open: endpoint => openEndpoint?.(endpoint.name)
  };
}
