import { nullTranslator } from '@jupyterlab/translation';
import type { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { SidePanel } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import type { IResourceSummary } from './api';
import { createSection, TRANSLATION_DOMAIN } from './components/listsection';
import type { ISectionDefinition, ListSection } from './components/listsection';
import { endpointsSection } from './endpoints';
import { smstudioIcon } from './icon';
import { jobsSection } from './jobs';
import { spacesSection } from './spaces';
import type { ISpacesEnvironment } from './spaces';
import type { StatusModel } from './status/model';
import { wranglerSection } from './wrangler';

/**
 * The sections of the sidebar, top to bottom.
 */
export const SECTIONS: ReadonlyArray<
  (
    trans: TranslationBundle,
    context: ISectionFactoryContext
  ) => ISectionDefinition<IResourceSummary>
> = [spacesSection, jobsSection, endpointsSection, wranglerSection];

/**
 * What section factories may use besides the translation bundle.
 */
export interface ISectionFactoryContext {
  /**
   * What the Spaces section does outside the sidebar (open notebooks,
   * refresh kernelspecs, ask for confirmation); left out in tests.
   */
  spaces?: ISpacesEnvironment;
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
   * Seconds between polls.
   */
  refreshSeconds?: number;
  /**
   * The application translator.
   */
  translator?: ITranslator;
  /**
   * What section factories may use (e.g. the Spaces section's environment).
   */
  sectionContext?: ISectionFactoryContext;
}

/**
 * The "SM Studio" left sidebar: one collapsible section per area.
 */
export class SmStudioSidebar extends SidePanel {
  constructor(options: ISidebarOptions) {
    super({ translator: options.translator });
    const translator = options.translator ?? nullTranslator;
    const trans = translator.load(TRANSLATION_DOMAIN);
    this.id = 'smstudio-sidebar';
    this.addClass('smstudio-Sidebar');
    this.title.icon = smstudioIcon;
    this.title.caption = trans.__('SM Studio');
    this.node.setAttribute('aria-label', trans.__('SM Studio'));

    const heading = new Widget({ node: document.createElement('h2') });
    heading.node.textContent = trans.__('SM Studio');
    heading.addClass('smstudio-Sidebar-heading');
    this.header.addWidget(heading);

    this.sections = SECTIONS.map(makeDefinition =>
      createSection(makeDefinition(trans, options.sectionContext ?? {}), {
        status: options.status,
        refreshSeconds: options.refreshSeconds,
        translator
      })
    );
    for (const section of this.sections) {
      this.addWidget(section);
    }
  }

  /**
   * The list sections, top to bottom.
   */
  readonly sections: ReadonlyArray<ListSection<IResourceSummary>>;

  /**
   * Seconds between polls of every section.
   */
  set refreshSeconds(seconds: number) {
    for (const section of this.sections) {
      section.model.refreshSeconds = seconds;
    }
  }

  /**
   * Refresh every section now.
   */
  async refresh(): Promise<void> {
    await Promise.all(this.sections.map(section => section.refresh()));
  }
}
