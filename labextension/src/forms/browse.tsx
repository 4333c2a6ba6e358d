/**
 * "Browse…": pick a file or folder of the file browser's tree in a dialog.
 *
 * A small picker over the Contents API (the same tree the file browser
 * shows): `@jupyterlab/filebrowser`'s `FileDialog` would need that package in
 * the extension's dependencies, which the offline build here does not have.
 */
import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import type { Contents } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

/**
 * What to pick: a file, or a folder.
 */
export type PickMode = 'file' | 'directory' | 'any';

function parentOf(path: string): string {
  const parts = path.split('/').filter(Boolean);
  parts.pop();
  return parts.join('/');
}

function Picker(props: {
  contents: Contents.IManager;
  mode: PickMode;
  start: string;
  onChange: (path: string) => void;
  trans: TranslationBundle;
}): React.ReactElement {
  const { contents, mode, trans } = props;
  const [dir, setDir] = React.useState(props.start);
  const [items, setItems] = React.useState<Contents.IModel[]>([]);
  const [selected, setSelected] = React.useState('');
  const [error, setError] = React.useState('');

  React.useEffect(() => {
    let cancelled = false;
    contents
      .get(dir, { content: true })
      .then(model => {
        if (cancelled) {
          return;
        }
        const list = (model.content ?? []) as Contents.IModel[];
        list.sort(
          (a, b) =>
            Number(b.type === 'directory') - Number(a.type === 'directory') ||
            a.name.localeCompare(b.name)
        );
        setItems(list);
        setError('');
      })
      .catch(reason => {
        if (!cancelled) {
          setError(String((reason as Error).message ?? reason));
          setItems([]);
        }
      });
    return () => {
      cancelled = true;
    };
  }, [dir]);

  React.useEffect(() => {
    props.onChange(selected || (mode !== 'file' ? dir : ''));
  }, [selected, dir]);

  const open = (item: Contents.IModel): void => {
    if (item.type === 'directory') {
      setSelected('');
      setDir(item.path);
    } else if (mode !== 'directory') {
      setSelected(item.path);
    }
  };
  return (
    <div className="smstudio-Picker">
      <p className="smstudio-Picker-where">
        <button
          type="button"
          className="jp-mod-styled"
          disabled={!dir}
          onClick={() => {
            setSelected('');
            setDir(parentOf(dir));
          }}
        >
          {trans.__('Up')}
        </button>
        <span data-smstudio-picker-dir="">/{dir}</span>
      </p>
      {error && <p className="smstudio-Error-message">{error}</p>}
      <ul
        className="smstudio-Picker-list"
        role="listbox"
        aria-label={trans.__('Files')}
      >
        {items.map(item => (
          <li
            key={item.path}
            role="option"
            tabIndex={0}
            aria-selected={selected === item.path}
            data-smstudio-pick={item.name}
            data-kind={item.type}
            onClick={() =>
              item.type === 'directory' && mode !== 'file'
                ? setSelected(item.path)
                : open(item)
            }
            onDoubleClick={() => open(item)}
            onKeyDown={event => {
              if (event.key === 'Enter') {
                open(item);
              }
            }}
          >
            {item.type === 'directory' ? `${item.name}/` : item.name}
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * Ask for a file or folder, starting in the folder of `current` (or the
 * root).
 *
 * @returns Its path in the file browser's tree, or `null` when cancelled.
 */
export async function pickPath(
  contents: Contents.IManager,
  mode: PickMode,
  current: string,
  trans: TranslationBundle
): Promise<string | null> {
  let chosen = '';
  const start =
    current && !current.includes('://')
      ? mode === 'directory'
        ? current
        : parentOf(current)
      : '';
  const body = ReactWidget.create(
    <Picker
      contents={contents}
      mode={mode}
      start={start.replace(/^\/+/, '')}
      onChange={path => (chosen = path)}
      trans={trans}
    />
  );
  const result = await showDialog({
    title:
      mode === 'file'
        ? trans.__('Choose a file')
        : mode === 'directory'
          ? trans.__('Choose a folder')
          : trans.__('Choose a file or folder'),
    body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Choose') })
    ]
  });
  return result.button.accept && chosen ? chosen : null;
}
