/**
 * An accessible tab list (WAI-ARIA tabs pattern): `role=tablist/tab/tabpanel`,
 * `aria-selected`, `aria-controls`, roving focus with Left/Right/Home/End.
 */
import * as React from 'react';

export interface ITab {
  id: string;
  label: string;
  content: React.ReactNode;
}

/**
 * The index a key moves the selection to, or null when the key is not ours.
 */
export function nextTabIndex(
  key: string,
  current: number,
  count: number
): number | null {
  switch (key) {
    case 'ArrowRight':
      return (current + 1) % count;
    case 'ArrowLeft':
      return (current - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/**
 * Tabs with their panels; `idPrefix` must be unique in the page.
 */
export function Tabs(props: {
  tabs: ITab[];
  idPrefix: string;
  label: string;
  selected?: string;
  onSelect?: (id: string) => void;
}): React.ReactElement {
  const { tabs, idPrefix } = props;
  const [own, setOwn] = React.useState(tabs[0]?.id ?? '');
  const selected = props.selected ?? own;
  const refs = React.useRef<(HTMLButtonElement | null)[]>([]);
  const select = (id: string): void => {
    setOwn(id);
    props.onSelect?.(id);
  };
  const index = Math.max(
    0,
    tabs.findIndex(tab => tab.id === selected)
  );
  return (
    <div className="smstudio-Tabs">
      <div
        className="smstudio-Tabs-list"
        role="tablist"
        aria-label={props.label}
      >
        {tabs.map((tab, i) => (
          <button
            key={tab.id}
            ref={node => {
              refs.current[i] = node;
            }}
            id={`${idPrefix}-tab-${tab.id}`}
            className="smstudio-Tabs-tab"
            role="tab"
            type="button"
            aria-selected={i === index}
            aria-controls={`${idPrefix}-panel-${tab.id}`}
            tabIndex={i === index ? 0 : -1}
            data-tab={tab.id}
            onClick={() => select(tab.id)}
            onKeyDown={event => {
              const next = nextTabIndex(event.key, i, tabs.length);
              if (next !== null) {
                event.preventDefault();
                select(tabs[next].id);
                refs.current[next]?.focus();
              }
            }}
          >
            {tab.label}
          </button>
        ))}
      </div>
      {tabs.map((tab, i) => (
        <div
          key={tab.id}
          id={`${idPrefix}-panel-${tab.id}`}
          className="smstudio-Tabs-panel"
          role="tabpanel"
          aria-labelledby={`${idPrefix}-tab-${tab.id}`}
          hidden={i !== index}
          tabIndex={0}
        >
          {i === index && tab.content}
        </div>
      ))}
    </div>
  );
}
