/**
 * What SM Studio offers other plugins: its sidebar's sections and opening a
 * job's detail view. Our own sections and panels (spaces, jobs, endpoints,
 * the Data Wrangler; later tuning, experiments, models) use it the same way.
 */
import { Token } from '@lumino/coreutils';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';

import type { IResourceSummary, JobKind } from './api';
import type { ISectionDefinition, SectionId } from './components/listsection';

/**
 * The ranks of our own sections: top to bottom, with room in between.
 */
export const SECTION_RANKS: Readonly<Record<SectionId, number>> = {
  spaces: 100,
  jobs: 200,
  endpoints: 300,
  wrangler: 400
};

/**
 * Where a section goes when it is added without a rank: after ours.
 */
export const DEFAULT_SECTION_RANK = 1000;

/**
 * How a section is placed in the sidebar.
 */
export interface ISectionOptions {
  /**
   * Lower ranks come first; equal ranks keep the order they were added in.
   * Ours are in `SECTION_RANKS`; the default is `DEFAULT_SECTION_RANK`.
   */
  rank?: number;
}

/**
 * A section as the sidebar holds it.
 */
export interface ISidebarSection {
  /**
   * What the section lists and how.
   */
  readonly definition: ISectionDefinition<IResourceSummary>;
  /**
   * Its place: lower ranks come first.
   */
  readonly rank: number;
}

/**
 * A section came or went.
 */
export interface ISidebarSectionsChange {
  type: 'added' | 'removed';
  section: ISidebarSection;
  /**
   * Its index in `sections`: after it was added, or before it was removed.
   */
  index: number;
}

/**
 * The sections of the SM Studio sidebar, top to bottom.
 *
 * Sections may come at any time, also after the sidebar has rendered: the
 * sidebar follows `changed`.
 */
export interface ISidebarSections {
  /**
   * The sections in rank order.
   */
  readonly sections: ReadonlyArray<ISidebarSection>;
  /**
   * Emitted after a section was added or removed.
   */
  readonly changed: ISignal<ISidebarSections, ISidebarSectionsChange>;
  /**
   * Add a section.
   *
   * @returns What removes it again (disposing it stops the section's polling).
   * @throws {Error} When a section with the same `id` is there already.
   */
  addSection<T extends IResourceSummary>(
    definition: ISectionDefinition<T>,
    options?: ISectionOptions
  ): IDisposable;
  /**
   * Whether a section with this id is there.
   */
  has(id: string): boolean;
}

/**
 * The SM Studio service.
 */
export interface ISMStudio {
  /**
   * The sections of the SM Studio sidebar.
   */
  readonly sections: ISidebarSections;
  /**
   * Open the detail view of a job in the main area, or bring it forward when
   * it is open already.
   */
  openJob(kind: JobKind, name: string): void;
  /**
   * Open the detail view of an endpoint in the main area, or bring it forward
   * when it is open already.
   */
  openEndpoint(name: string): void;
}

/**
 * The SM Studio service token.
 */
export const ISMStudio = new Token<ISMStudio>(
  'jupyter-smstudio:ISMStudio',
  'The SM Studio sidebar sections (add your own), and opening the detail view of a job (by kind and name) or of an endpoint.'
);
