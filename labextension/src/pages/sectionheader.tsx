import * as React from 'react';

import type { IResourceSummary } from '../api';
import type { ISectionDefinition } from '../components/listsection';
import { SectionActions } from './header';
import type { ISectionActions } from './header';

/**
 * The `renderHeader` of a section with "+ New" and "Open as a table", or
 * nothing when there are no actions.
 */
export function sectionHeader<T extends IResourceSummary>(
  what: string,
  actions?: ISectionActions
): Pick<ISectionDefinition<T>, 'renderHeader'> {
  if (!actions) {
    return {};
  }
  return {
    renderHeader: context => (
      <SectionActions actions={actions} what={what} trans={context.trans} />
    )
  };
}
