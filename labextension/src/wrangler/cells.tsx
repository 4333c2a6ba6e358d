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
 * Significant digits a fractional number shows in a grid cell.
 */
export const SIGNIFICANT_DIGITS = 6;

/**
 * Text of a cell for the eye: fractional numbers cut to
 * `SIGNIFICANT_DIGITS` significant digits (0.30000000000000004 reads 0.3);
 * integers, text and everything else as `cellText`.
 *
 * Only the display changes: the data, exports and `cellText` keep the
 * exact value, which the cell's tooltip shows.
 */
export function displayCell(value: JSONValue): string {
  if (
    typeof value !== 'number' ||
    Number.isInteger(value) ||
    !Number.isFinite(value)
  ) {
    return cellText(value);
  }
  const abs = Math.abs(value);
  if (abs >= 1e15 || abs < 1e-6) {
    return value.toExponential(SIGNIFICANT_DIGITS - 1).replace(/\.?0+e/, 'e');
  }
  return String(Number(value.toPrecision(SIGNIFICANT_DIGITS)));
}

/**
 * The rows under their column names and types; with `firstRow`, numbered
 * from it; columns in `changed` are highlighted, and the first of `added`
 * (columns a step just made, often past the right edge) is scrolled into
 * view and marked new.
 */
export function RowsTable(props: {
  columns: IColumnInfo[];
  rows: JSONValue[][];
  firstRow?: number;
  changed?: (column: string) => boolean;
  added?: ReadonlyArray<string>;
}): React.ReactElement {
  const trans = useTrans();
  const { firstRow } = props;
  const added = props.added ?? [];
  const firstAdded = React.useRef<HTMLTableCellElement>(null);
  const addedKey = added.join('\u0000');
  React.useEffect(() => {
    // jsdom has no scrollIntoView; browsers do.
    firstAdded.current?.scrollIntoView?.({
      block: 'nearest',
      inline: 'nearest'
    });
  }, [addedKey]);
  return (
    <div className="smstudio-Wrangler-grid">
      <table>
        <thead>
          <tr>
            {firstRow !== undefined && (
              <th className="smstudio-Wrangler-rowNumber">#</th>
            )}
            {props.columns.map(c => {
              const isNew = added.includes(c.name);
              return (
                <th
                  key={c.name}
                  ref={isNew && c.name === added[0] ? firstAdded : undefined}
                  data-column={c.name}
                  className={
                    isNew
                      ? 'is-changed is-new'
                      : props.changed?.(c.name)
                        ? 'is-changed'
                        : undefined
                  }
                >
                  <span className="smstudio-Wrangler-colName">{c.name}</span>
                  <span className="smstudio-Wrangler-colType">{c.type}</span>
                  {isNew && (
                    <span className="smstudio-Wrangler-colNew">
                      {trans.__('new')}
                    </span>
                  )}
                </th>
              );
            })}
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
              {row.map((cell, j) => {
                const shown = displayCell(cell);
                const exact = cellText(cell);
                return (
                  <td
                    key={j}
                    className={cell === null ? 'is-null' : undefined}
                    title={shown !== exact ? exact : undefined}
                  >
                    {cell === null ? trans.__('null') : shown}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
