/**
 * What the Jobs and Endpoints pages do to their rows, apart from React:
 * search by name, filter by column values, sort by a column.
 */

/**
 * A column: how to read a row's value (for sorting and filtering) and its
 * text.
 */
export interface IColumn<T> {
  key: string;
  label: string;
  value: (row: T) => string | number | null;
  text?: (row: T) => string;
  /**
   * Offer a filter of this column's distinct values.
   */
  filter?: boolean;
}

/**
 * What the user chose: a search text, a value per filtered column, a sort.
 */
export interface ITableQuery {
  search: string;
  filters: Record<string, string>;
  sort: { key: string; descending: boolean } | null;
}

/**
 * The rows that match `query`, in its order (nulls last).
 */
export function filterSort<T extends { name: string }>(
  rows: ReadonlyArray<T>,
  columns: ReadonlyArray<IColumn<T>>,
  query: ITableQuery
): T[] {
  const needle = query.search.trim().toLowerCase();
  const byKey = new Map(columns.map(c => [c.key, c]));
  let out = rows.filter(
    row =>
      (!needle || row.name.toLowerCase().includes(needle)) &&
      Object.entries(query.filters).every(([key, wanted]) => {
        const column = byKey.get(key);
        return !wanted || !column || String(column.value(row) ?? '') === wanted;
      })
  );
  const sort = query.sort;
  const column = sort ? byKey.get(sort.key) : undefined;
  if (sort && column) {
    out = [...out].sort((a, b) => {
      const x = column.value(a);
      const y = column.value(b);
      if (x === null || x === '') {
        return y === null || y === '' ? 0 : 1;
      }
      if (y === null || y === '') {
        return -1;
      }
      const order =
        typeof x === 'number' && typeof y === 'number'
          ? x - y
          : String(x).localeCompare(String(y), undefined, { numeric: true });
      return sort.descending ? -order : order;
    });
  }
  return out;
}

/**
 * The distinct values of a column, sorted, for its filter.
 */
export function distinctValues<T>(
  rows: ReadonlyArray<T>,
  column: IColumn<T>
): string[] {
  const values = new Set<string>();
  for (const row of rows) {
    const value = column.value(row);
    if (value !== null && value !== '') {
      values.add(String(value));
    }
  }
  return [...values].sort();
}

/**
 * The next sort after a click on a column's header: ascending, then
 * descending, then the same column ascending again.
 */
export function nextSort(
  current: ITableQuery['sort'],
  key: string
): ITableQuery['sort'] {
  if (current?.key === key) {
    return { key, descending: !current.descending };
  }
  return { key, descending: false };
}
