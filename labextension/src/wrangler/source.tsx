/**
 * The database part of the source picker: a SQLite/DuckDB file or a database
 * URL, a SQL query, and a preview of its first rows before importing.
 */
import * as React from 'react';

import { previewSource } from '../api';
import type { IDatabaseSource, IPreview } from '../api';
import { RowsTable } from './cells';
import { FieldMessage, fieldError, plainMessage } from './fields';
import type { IFieldError } from './fields';
import { useTrans } from './trans';

/**
 * Rows shown by the preview.
 */
export const PREVIEW_ROWS = 10;

/**
 * A database URL with its password hidden, for showing it.
 */
export function hidePassword(url: string): string {
  return url.replace(/^([^:/]+:\/\/[^:@/]+):[^@/]*@/, '$1:***@');
}

/**
 * Where a database source reads from, in words.
 */
export function databaseLabel(source: IDatabaseSource): string {
  return source.path ?? hidePassword(source.url ?? '');
}

/**
 * The form (React).
 */
export function DatabaseSourceForm(props: {
  current: IDatabaseSource | null;
  busy: boolean;
  onSave: (source: IDatabaseSource) => Promise<void>;
}): React.ReactElement {
  const trans = useTrans();
  const current = props.current;
  const [where, setWhere] = React.useState<'path' | 'url'>(
    current?.url ? 'url' : 'path'
  );
  const [path, setPath] = React.useState(current?.path ?? '');
  const [url, setUrl] = React.useState(current?.url ?? '');
  const [query, setQuery] = React.useState(current?.query ?? '');
  const [error, setError] = React.useState<IFieldError | null>(null);
  const [preview, setPreview] = React.useState<IPreview | null>(null);
  const [previewing, setPreviewing] = React.useState(false);

  const location = (where === 'path' ? path : url).trim();
  const ready = !!location && !!query.trim();
  const source = (): IDatabaseSource =>
    where === 'path'
      ? { kind: 'database', path: location, query: query.trim() }
      : { kind: 'database', url: location, query: query.trim() };
  const errorFor = (field: string): string | null =>
    error && (error.field === field || error.field === `source.${field}`)
      ? plainMessage(error)
      : null;
  const other =
    error && !['path', 'url', 'query'].some(f => errorFor(f))
      ? error.message
      : null;
  const fail = (e: unknown): void => {
    setPreview(null);
    setError(fieldError(e));
  };

  return (
    <div data-database-form="">
      <div className="smstudio-SchemaForm-field">
        <label
          className="smstudio-SchemaForm-label"
          htmlFor="smstudio-db-where"
        >
          {trans.__('Database')}
        </label>
        <select
          id="smstudio-db-where"
          value={where}
          onChange={e => {
            setWhere(e.currentTarget.value as 'path' | 'url');
            setError(null);
          }}
        >
          <option value="path">
            {trans.__('A SQLite or DuckDB file in your directory')}
          </option>
          <option value="url">{trans.__('A database URL (SQLAlchemy)')}</option>
        </select>
      </div>
      {where === 'path' ? (
        <div className="smstudio-SchemaForm-field">
          <label
            className="smstudio-SchemaForm-label"
            htmlFor="smstudio-db-path"
          >
            {trans.__('Database file (path in your directory)')}
          </label>
          <input
            id="smstudio-db-path"
            type="text"
            placeholder={trans.__('data/shop.sqlite')}
            value={path}
            onChange={e => setPath(e.currentTarget.value)}
          />
          <FieldMessage message={errorFor('path')} />
        </div>
      ) : (
        <div className="smstudio-SchemaForm-field">
          <label
            className="smstudio-SchemaForm-label"
            htmlFor="smstudio-db-url"
          >
            {trans.__('Database URL')}
          </label>
          <input
            id="smstudio-db-url"
            type="text"
            placeholder={trans.__('postgresql://user@host/db')}
            value={url}
            onChange={e => setUrl(e.currentTarget.value)}
          />
          <p className="smstudio-SchemaForm-help">
            {trans.__(
              'The server connects with this URL; its database driver must be installed there.'
            )}
          </p>
          <FieldMessage message={errorFor('url')} />
        </div>
      )}
      <div className="smstudio-SchemaForm-field">
        <label
          className="smstudio-SchemaForm-label"
          htmlFor="smstudio-db-query"
        >
          {trans.__('SQL query')}
        </label>
        <textarea
          id="smstudio-db-query"
          rows={4}
          placeholder={trans.__('SELECT * FROM orders')}
          value={query}
          onChange={e => setQuery(e.currentTarget.value)}
        />
        <FieldMessage message={errorFor('query')} />
      </div>
      {other && <FieldMessage message={other} />}
      <div className="smstudio-Wrangler-stepActions">
        <button
          className="jp-mod-styled"
          disabled={!ready || previewing}
          onClick={() => {
            setPreviewing(true);
            previewSource(source(), PREVIEW_ROWS)
              .then(answer => {
                setError(null);
                setPreview(answer);
              })
              .catch(fail)
              .finally(() => setPreviewing(false));
          }}
        >
          {trans.__('Preview')}
        </button>
        <button
          className="jp-mod-styled jp-mod-accept"
          disabled={props.busy || !ready}
          onClick={() => {
            props.onSave(source()).catch(fail);
          }}
        >
          {trans.__('Import')}
        </button>
      </div>
      {previewing && (
        <p className="smstudio-Message">{trans.__('Running the query…')}</p>
      )}
      {preview && <QueryPreview preview={preview} />}
    </div>
  );
}

/**
 * The first rows of a query's result.
 */
function QueryPreview(props: { preview: IPreview }): React.ReactElement {
  const trans = useTrans();
  const { preview } = props;
  return (
    <div className="smstudio-Wrangler-sourcePreview" data-source-preview="">
      <p className="smstudio-Message">
        {preview.rows.length === 0
          ? trans.__('The query returns no rows.')
          : trans.__(
              'First %1 rows of the result:',
              Math.min(preview.rows.length, PREVIEW_ROWS)
            )}
      </p>
      <RowsTable columns={preview.columns} rows={preview.rows} />
    </div>
  );
}
