/**
 * The top of the Jobs and Endpoints sidebar sections: "+ New" (one or more
 * kinds) and "Open as a table" (the main-area page).
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

/**
 * What a section's "+ New" can create, and how its table page opens.
 */
export interface ISectionActions {
  create: { label: string; run: () => void }[];
  openTable?: () => void;
}

/**
 * "+ New" (a menu when there are several kinds) and "Open as a table".
 */
export function SectionActions(props: {
  actions: ISectionActions;
  what: string;
  trans: TranslationBundle;
}): React.ReactElement {
  const { actions, trans } = props;
  const [open, setOpen] = React.useState(false);
  const single = actions.create.length === 1 ? actions.create[0] : null;
  const menuId = React.useId();
  return (
    <div className="smstudio-SectionActions" data-smstudio-section-actions="">
      <button
        type="button"
        className="jp-mod-styled"
        data-smstudio-new={props.what}
        aria-haspopup={single ? undefined : 'menu'}
        aria-expanded={single ? undefined : open}
        aria-controls={single ? undefined : menuId}
        onClick={() => (single ? single.run() : setOpen(!open))}
      >
        {trans.__('+ New')}
      </button>
      {actions.openTable && (
        <button
          type="button"
          className="jp-mod-styled"
          data-smstudio-open-table={props.what}
          onClick={actions.openTable}
        >
          {trans.__('Open as a table')}
        </button>
      )}
      {open && !single && (
        <ul className="smstudio-SectionActions-menu" role="menu" id={menuId}>
          {actions.create.map(item => (
            <li key={item.label} role="none">
              <button
                type="button"
                role="menuitem"
                className="jp-mod-styled"
                onClick={() => {
                  setOpen(false);
                  item.run();
                }}
              >
                {item.label}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
