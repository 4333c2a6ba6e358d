import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { listSpaces } from '../api';
import type { ISpace, ISpaceInfo } from '../api';
import type {
  ISectionContext,
  ISectionDefinition
} from '../components/listsection';
import { ServerSpacesCatalog } from './catalog';
import type { ISpacesCatalog } from './catalog';
import { SpaceRow, SpacesHeader } from './components';
import type { ISpacesProps } from './components';
import type { ISpacesEnvironment } from './environment';

export type { ISpacesEnvironment } from './environment';

/**
 * What the Spaces section works with besides the translation bundle.
 */
export interface ISpacesSectionOptions {
  /**
   * Opens notebooks, refreshes kernelspecs, asks for confirmation. Without
   * one, the section only lists the spaces.
   */
  spaces?: ISpacesEnvironment;
  /**
   * Compute profiles and lifecycle configurations; the server's by default.
   */
  catalog?: ISpacesCatalog;
}

/**
 * The "Spaces" section: the user's spaces and their compute profiles, with
 * a form to create one and per-space actions.
 */
export function spacesSection(
  trans: TranslationBundle,
  options: ISpacesSectionOptions = {}
): ISectionDefinition<ISpace> {
  const definition: ISectionDefinition<ISpace> = {
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
  const env = options.spaces;
  if (!env) {
    return definition;
  }
  const catalog = options.catalog ?? new ServerSpacesCatalog();
  const props = (context: ISectionContext<ISpace>): ISpacesProps => ({
    env,
    catalog,
    trans: context.trans,
    refresh: context.refresh,
    poll: () => context.model.refresh()
  });
  return {
    ...definition,
    renderHeader: context => <SpacesHeader {...props(context)} />,
    renderItem: (space, context) => (
      <SpaceRow {...props(context)} space={space as ISpaceInfo} />
    )
  };
}
