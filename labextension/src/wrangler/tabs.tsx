/**
 * An accessible tab list (WAI-ARIA tabs pattern): each tab names the panel
 * it controls, only the current tab is in the Tab order, and the arrow keys,
 * Home and End move between tabs (selecting as they go).
 */
import * as React from 'react';

/**
 * The key presses that move between tabs, and where they lead.
 */
export function nextTabIndex(
  key: string,
  index: number,
  count: number
): number | null {
  switch (key) {
    case 'ArrowRight':
    case 'ArrowDown':
      return (index + 1) % count;
    case 'ArrowLeft':
    case 'ArrowUp':
      return (index - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/**
 * The tabs; the panel of the current one has the id
 * `${idPrefix}-panel-${id}` and is labelled by `${idPrefix}-tab-${id}`.
 */
export function TabList<T extends string>(props: {
  tabs: [T, string][];
  current: T;
  idPrefix: string;
  label: string;
  onSelect: (id: T) => void;
}): React.ReactElement {
  const { tabs, current, idPrefix } = props;
  const refs = React.useRef<Array<HTMLButtonElement | null>>([]);
  const onKeyDown = (event: React.KeyboardEvent, index: number): void => {
    const next = nextTabIndex(event.key, index, tabs.length);
    if (next === null) {
      return;
    }
    event.preventDefault();
    props.onSelect(tabs[next][0]);
    refs.current[next]?.focus();
  };
  return (
    <div
      className="smstudio-Wrangler-tabs"
      role="tablist"
      aria-label={props.label}
    >
      {tabs.map(([id, text], index) => (
        <button
          key={id}
          ref={node => {
            refs.current[index] = node;
          }}
          id={`${idPrefix}-tab-${id}`}
          role="tab"
          aria-selected={current === id}
          aria-controls={`${idPrefix}-panel-${id}`}
          tabIndex={current === id ? 0 : -1}
          data-tab={id}
          className={
            current === id
              ? 'smstudio-Wrangler-tab is-active'
              : 'smstudio-Wrangler-tab'
          }
          onClick={() => props.onSelect(id)}
          onKeyDown={event => onKeyDown(event, index)}
        >
          {text}
        </button>
      ))}
    </div>
  );
}
