import type { TranslationBundle } from '@jupyterlab/translation';

import { listEndpoints } from '../api';
import type { IEndpoint, IEndpointMetrics } from '../api';
import type { ISectionDefinition } from '../components/listsection';
import { describeTraffic } from './format';

let opener: ((name: string) => void) | null = null;

/**
 * Let the plugin decide how an endpoint's detail view opens (it owns the shell).
 */
export function setEndpointOpener(open: (name: string) => void): void {
  opener = open;
}

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
      describeTraffic(endpoint.metrics as IEndpointMetrics | null | undefined),
    open: endpoint => opener?.(endpoint.name)
  };
}
