import { nullTranslator } from '@jupyterlab/translation';
import type { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { SidePanel } from '@jupyterlab/ui-components';
import { DisposableSet } from '@lumino/disposable';
import type { IDisposable } from '@lumino/disposable';
import { AccordionPanel, Widget } from '@lumino/widgets';

import type { IResourceSummary, JobKind } from './api';
import { createSection, TRANSLATION_DOMAIN } from './components/listsection';
import type {
  ISectionDefinition,
  ListSection,
  SectionId
} from './components/listsection';
import { endpointsSection } from './endpoints';
import { smstudioIcon } from './icon';
import { jobsSection } from './jobs';
import type { ISectionActions } from './pages/header';
import { sectionHeader } from './pages/sectionheader';
import { spacesSection } from './spaces';
import type { ISpacesEnvironment } from './spaces';
import type { StatusModel } from './status/model';
import { SECTION_RANKS } from './tokens';
import type { ISidebarSections, ISidebarSectionsChange } from './tokens';

/**
 * The sections the main plugin adds; the Data Wrangler plugin adds its own.
 */
const BUILT_IN: ReadonlyArray<{
  id: SectionId;
  make: (
    trans: TranslationBundle,
    context: ISectionFactoryContext
  ) => ISectionDefinition<IResourceSummary>;
}> = [
  { id: 'spaces', make: spacesSection },
  {
    id: 'jobs',
    make: (trans, context) =>
      jobsSection(trans, context.openJob, context.jobActions)
  },
  {
    id: 'endpoints',
    make: (trans, context) => ({
      ...endpointsSection(trans, context.openEndpoint),
      ...sectionHeader('endpoints', context.endpointActions)
    })
  }
];

/**
 * What section factories may use besides the translation bundle.
 */
export interface ISectionFactoryContext {
  /**
   * What the Spaces section does outside the sidebar (open notebooks,
   * refresh kernelspecs, ask for confirmation); left out in tests.
   */
  spaces?: ISpacesEnvironment;
  /**
   * How the Jobs section opens a job (the `ISMStudio` service's `openJob`).
   */
  openJob?: (kind: JobKind, name: string) => void;
  /**
   * How the Endpoints section opens an endpoint (the `ISMStudio` service's
   * `openEndpoint`).
   */
  openEndpoint?: (name: string) => void;
  /**
   * "+ New" and "Open as a table" of the Jobs section.
   */
  jobActions?: ISectionActions;
  /**
   * "+ New" and "Open as a table" of the Endpoints section.
   */
  endpointActions?: ISectionActions;
}

/**
 * Add the Spaces, Jobs and Endpoints sections at their ranks.
 *
 * @returns What removes them again.
 */
export function addBuiltInSections(
  sections: ISidebarSections,
  trans: TranslationBundle,
  context: ISectionFactoryContext = {}
): IDisposable {
  const added = new DisposableSet();
  for (const { id, make } of BUILT_IN) {
    added.add(
      sections.addSection(make(trans, context), { rank: SECTION_RANKS[id] })
    );
  }
  return added;
}

/**
 * Options of the sidebar.
 */
export interface ISidebarOptions {
  /**
   * The shared `/status` model.
   */
  status: StatusModel;
  /**
   * The sections to show; the sidebar follows the ones added (or removed)
   * later.
   */
  sections: ISidebarSections;
  /**
   * Seconds between polls.
   */
  refreshSeconds?: number;
  /**
   * The application translator.
   */
  translator?: ITranslator;
}

/**
 * The "SM Studio" left sidebar: one collapsible section per area.
 */
export class SmStudioSidebar extends SidePanel {
  constructor(options: ISidebarOptions) {
    super({ translator: options.translator });
    this._translator = options.translator ?? nullTranslator;
    const trans = this._translator.load(TRANSLATION_DOMAIN);
    this._status = options.status;
    this._refreshSeconds = options.refreshSeconds;
    this.id = 'smstudio-sidebar';
    this.addClass('smstudio-Sidebar');
    this.title.icon = smstudioIcon;
    this.title.caption = trans.__('SM Studio');
    this.node.setAttribute('aria-label', trans.__('SM Studio'));

    const heading = new Widget({ node: document.createElement('h2') });
    heading.node.textContent = trans.__('SM Studio');
    heading.addClass('smstudio-Sidebar-heading');
    this.header.addWidget(heading);

    this._registry = options.sections;
    this._registry.sections.forEach((section, index) =>
      this._insert(index, section.definition)
    );
    this._registry.changed.connect(this._onSectionsChanged, this);
  }

  /**
   * The list sections, top to bottom.
   */
  get sections(): ReadonlyArray<ListSection<IResourceSummary>> {
    return this._sections;
  }

  /**
   * Seconds between polls of every section.
   */
  set refreshSeconds(seconds: number) {
    this._refreshSeconds = seconds;
    for (const section of this._sections) {
      section.model.refreshSeconds = seconds;
    }
  }

  /**
   * Refresh every section now.
   */
  async refresh(): Promise<void> {
    await Promise.all(this._sections.map(section => section.refresh()));
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._registry.changed.disconnect(this._onSectionsChanged, this);
    super.dispose();
  }

  private _onSectionsChanged(
    _: ISidebarSections,
    change: ISidebarSectionsChange
  ): void {
    if (change.type === 'added') {
      this._insert(change.index, change.section.definition);
      return;
    }
    const [removed] = this._sections.splice(change.index, 1);
    removed?.dispose();
  }

  private _insert(
    index: number,
    definition: ISectionDefinition<IResourceSummary>
  ): void {
    const section = createSection(definition, {
      status: this._status,
      refreshSeconds: this._refreshSeconds,
      translator: this._translator
    });
    this._sections.splice(index, 0, section);
    this.insertWidget(index, section);
    if (index < this._sections.length - 1) {
      this._orderNodes();
    }
  }

  /**
   * Put the sections' nodes in the order they are shown.
   *
   * The accordion places a section inserted late by its index but appends its
   * nodes to the end; keyboard focus and screen readers follow the nodes.
   */
  private _orderNodes(): void {
    const content = this.content;
    if (!(content instanceof AccordionPanel)) {
      return;
    }
    content.widgets.forEach((widget, index) => {
      content.node.appendChild(content.titles[index]);
      content.node.appendChild(widget.node);
      content.node.appendChild(content.handles[index]);
    });
  }

  private _registry: ISidebarSections;
  private _sections: ListSection<IResourceSummary>[] = [];
  private _status: StatusModel;
  private _refreshSeconds: number | undefined;
  private _translator: ITranslator;
}
