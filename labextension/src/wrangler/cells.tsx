/**
 * A table of rows as the server answers them (a preview page).
 */
import * as React from 'react';

import type { IColumnInfo, JSONValue } from '../api';
import { useTrans } from './trans';

/**
 * Text of a cell.
 */
export function cellText(value: JSONValue): string {
  if (value === null) {
    return '';
  }
  if (typeof value === 'object') {
    return JSON.stringify(value);
  }
  return String(value);
}

/**
 * The rows under their column names and types; with `firstRow`, numbered
 * from it; columns in `changed` are highlighted.
 */
export function RowsTable(props: {
  columns: IColumnInfo[];
  rows: JSONValue[][];
  firstRow?: number;
  changed?: (column: string) => boolean;
}): React.ReactElement {
  const trans = useTrans();
  const { firstRow } = props;
  return (
    <div className="smstudio-Wrangler-grid">
      <table>
        <thead>
          <tr>
            {firstRow !== undefined && (
              <th className="smstudio-Wrangler-rowNumber">#</th>
            )}
            {props.columns.map(c => (
              <th
                key={c.name}
                className={props.changed?.(c.name) ? 'is-changed' : undefined}
              >
                <span className="smstudio-Wrangler-colName">{c.name}</span>
                <span className="smstudio-Wrangler-colType">{c.type}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row, i) => (
            <tr key={(firstRow ?? 0) + i}>
              {firstRow !== undefined && (
                <td className="smstudio-Wrangler-rowNumber">
                  {firstRow + i + 1}
                </td>
              )}
              {row.map((cell, j) => (
                <td key={j} className={cell === null ? 'is-null' : undefined}>
                  {cell === null ? trans.__('null') : cellText(cell)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
