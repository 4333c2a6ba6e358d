import type { TranslationBundle } from '@jupyterlab/translation';

import { listSpaces } from '../api';
import type { ISpace } from '../api';
import type { ISectionDefinition } from '../components/listsection';

/**
 * The "Spaces" section: the user's spaces and their compute profiles.
 */
export function spacesSection(
  trans: TranslationBundle
): ISectionDefinition<ISpace> {
  return {
    id: 'spaces',
    title: trans.__('Spaces'),
    feature: 'spaces',
    list: listSpaces,
    emptyTitle: trans.__('No spaces yet.'),
    emptyHint: trans.__(
      'Spaces you create, each with its own storage and compute profile, will appear here.'
    ),
    describe: space => (typeof space.profile === 'string' ? space.profile : '')
  };
}
