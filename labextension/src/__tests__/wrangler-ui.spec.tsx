/* eslint-disable jupyter/no-untranslated-string -- server answers and schemas used as test data, not UI text. */
import { ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import type { IJSONSchema, StepParams } from '../api';
import {
  correlationMatrix,
  formatNumber,
  scaleCounts
} from '../wrangler/charts';
import { cellText, describeParams } from '../wrangler/editor';
import { formatBytes } from '../wrangler/report';
import {
  defaultParams,
  describeFields,
  formatMapping,
  missingRequired,
  parseList,
  parseMapping,
  parseScalar,
  SchemaForm
} from '../wrangler/schemaform';
import { databaseLabel, hidePassword } from '../wrangler/source';
import { waitFor } from './helpers';

// Trimmed copies of schemas that the server answers (GET /wrangler/operators).
const CAST: IJSONSchema = {
  $defs: {
    DataType: {
      enum: ['int', 'float', 'string', 'bool', 'date', 'datetime'],
      type: 'string'
    }
  },
  additionalProperties: false,
  properties: {
    columns: { items: { type: 'string' }, minItems: 1, type: 'array' },
    to: { $ref: '#/$defs/DataType' },
    format: {
      anyOf: [{ type: 'string' }, { type: 'null' }],
      default: null,
      title: 'Format'
    },
    on_error: { default: 'error', enum: ['error', 'null'], type: 'string' }
  },
  required: ['columns', 'to'],
  type: 'object'
};

const MISSING: IJSONSchema = {
  properties: {
    columns: { items: { type: 'string' }, type: 'array' },
    strategy: {
      default: 'fill',
      enum: ['drop', 'fill', 'mean', 'median', 'mode'],
      type: 'string'
    },
    value: {
      anyOf: [
        { type: 'string' },
        { type: 'number' },
        { type: 'boolean' },
        { type: 'null' }
      ],
      default: null
    },
    add_indicator: { default: false, type: 'boolean', title: 'Add Indicator' }
  },
  required: ['columns'],
  type: 'object'
};

const OTHERS: IJSONSchema = {
  properties: {
    mapping: { additionalProperties: { type: 'string' }, type: 'object' },
    outputs: { additionalProperties: { type: 'number' }, type: 'object' },
    features: {
      items: { enum: ['length', 'words'], type: 'string' },
      type: 'array'
    },
    column: { type: 'string' },
    expression: { type: 'string' },
    new_name: { type: 'string' },
    n: { type: 'integer' },
    factor: { type: 'number', default: 3 },
    aggregations: {
      items: { $ref: '#/$defs/Aggregation' },
      type: 'array'
    },
    tags: { items: { type: 'string' }, type: 'array' }
  },
  $defs: { Aggregation: { type: 'object' } },
  type: 'object'
};

describe('schema form fields', () => {
  it('resolves $ref enums, nullable strings and column lists', () => {
    const kinds = Object.fromEntries(
      describeFields(CAST).map(f => [f.name, [f.kind, f.required, f.nullable]])
    );
    expect(kinds).toEqual({
      columns: ['columns', true, false],
      to: ['enum', true, false],
      format: ['text', false, true],
      on_error: ['enum', false, false]
    });
    const to = describeFields(CAST).find(f => f.name === 'to')!;
    expect(to.options).toEqual([
      'int',
      'float',
      'string',
      'bool',
      'date',
      'datetime'
    ]);
  });

  it('picks an editor for every other kind of parameter', () => {
    const kinds = Object.fromEntries(
      describeFields(OTHERS).map(f => [f.name, f.kind])
    );
    expect(kinds).toEqual({
      mapping: 'mapping',
      outputs: 'mapping',
      features: 'enums',
      column: 'column',
      expression: 'longtext',
      new_name: 'text',
      n: 'integer',
      factor: 'number',
      aggregations: 'json',
      tags: 'strings'
    });
    const smote = describeFields({
      properties: { features: { items: { type: 'string' }, type: 'array' } },
      type: 'object'
    });
    expect(smote[0].kind).toBe('columns'); // SMOTE's features pick columns
    const value = describeFields(MISSING).find(f => f.name === 'value')!;
    expect(value.kind).toBe('scalar');
    expect(value.nullable).toBe(true);
  });

  it('starts from the defaults, leaving out nulls', () => {
    expect(defaultParams(CAST)).toEqual({ on_error: 'error' });
    expect(defaultParams(MISSING)).toEqual({
      strategy: 'fill',
      add_indicator: false
    });
  });

  it('lists the required parameters still empty', () => {
    expect(missingRequired(CAST, {})).toEqual(['columns', 'to']);
    expect(missingRequired(CAST, { columns: [], to: 'int' })).toEqual([
      'columns'
    ]);
    expect(missingRequired(CAST, { columns: ['a'], to: 'int' })).toEqual([]);
  });

  it('parses scalars, lists and mappings', () => {
    expect(parseScalar('')).toBeNull();
    expect(parseScalar(' 42 ')).toBe(42);
    expect(parseScalar('-1.5e3')).toBe(-1500);
    expect(parseScalar('true')).toBe(true);
    expect(parseScalar('N/A')).toBe('N/A');
    expect(parseList('a, b,,c ')).toEqual(['a', 'b', 'c']);
    expect(parseMapping('old = new\nbad line\n x=y', false)).toEqual({
      old: 'new',
      x: 'y'
    });
    expect(parseMapping('train = 0.8\ntest=0.2', true)).toEqual({
      train: 0.8,
      test: 0.2
    });
    expect(formatMapping({ train: 0.8, test: 0.2 })).toBe(
      'train = 0.8\ntest = 0.2'
    );
  });
});

describe('SchemaForm', () => {
  let widgets: Widget[] = [];

  afterEach(() => {
    widgets.forEach(w => w.dispose());
    widgets = [];
  });

  async function render(
    props: Partial<React.ComponentProps<typeof SchemaForm>>
  ): Promise<HTMLElement> {
    const widget = ReactWidget.create(
      <SchemaForm
        idPrefix="t"
        schema={CAST}
        value={{}}
        columns={['age', 'city']}
        onChange={() => undefined}
        {...props}
      />
    );
    Widget.attach(widget, document.body);
    widgets.push(widget);
    await waitFor(() => !!widget.node.querySelector('[data-field]'));
    return widget.node;
  }

  it('offers the current columns and reports the chosen ones', async () => {
    const changes: StepParams[] = [];
    const node = await render({ onChange: value => changes.push(value) });
    const boxes = node.querySelectorAll<HTMLInputElement>(
      '[data-field="columns"] input[type="checkbox"]'
    );
    expect([...boxes].map(b => b.value)).toEqual(['age', 'city']);
    boxes[1].click();
    await waitFor(() => changes.length > 0);
    expect(changes[changes.length - 1]).toEqual({ columns: ['city'] });
  });

  it('shows the server error under the field it names', async () => {
    const node = await render({
      errorField: 'params.to',
      errorMessage: 'params.to: is required'
    });
    const error = node.querySelector(
      '[data-field="to"] .smstudio-Wrangler-fieldError'
    );
    expect(error?.textContent).toBe('params.to: is required');
    expect(node.querySelectorAll('.smstudio-Wrangler-fieldError')).toHaveLength(
      1
    );
  });

  it('shows an error about no field below the form', async () => {
    const node = await render({
      errorField: 'params',
      errorMessage: 'params: unknown parameter'
    });
    const errors = node.querySelectorAll('.smstudio-Wrangler-fieldError');
    expect(errors).toHaveLength(1);
    expect(errors[0].closest('[data-field]')).toBeNull();
  });
});

describe('charts and summaries', () => {
  it('scales counts to the largest', () => {
    expect(scaleCounts([1, 2, 4])).toEqual([0.25, 0.5, 1]);
    expect(scaleCounts([0, 0])).toEqual([0, 0]);
  });

  it('builds a symmetric correlation matrix', () => {
    const { names, values } = correlationMatrix([
      { a: 'x', b: 'y', value: 0.5, method: 'pearson' },
      { a: 'y', b: 'z', value: -0.2, method: 'pearson' }
    ]);
    expect(names).toEqual(['x', 'y', 'z']);
    expect(values.get('y\u0000x')).toBe(0.5);
    expect(values.get('z\u0000y')).toBe(-0.2);
    expect(values.has('x\u0000z')).toBe(false);
  });

  it('formats numbers, bytes, cells and parameters', () => {
    expect(formatNumber(null)).toBe('–');
    expect(formatNumber(0.00001)).toBe('1.00e-5');
    expect(formatNumber(1.23456)).toBe('1.235');
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(5632)).toBe('5.5 KB');
    expect(cellText(null)).toBe('');
    expect(cellText({ a: 1 })).toBe('{"a":1}');
    expect(describeParams({ columns: ['a', 'b'], mapping: { x: 'y' } })).toBe(
      'columns: a, b; mapping: x→y'
    );
  });

  it('names a database source without showing its password', () => {
    expect(hidePassword('postgresql://ann:s3cr:et@db.example/shop')).toBe(
      'postgresql://ann:***@db.example/shop'
    );
    expect(hidePassword('sqlite:///data/shop.sqlite')).toBe(
      'sqlite:///data/shop.sqlite'
    );
    expect(
      databaseLabel({ kind: 'database', path: 'shop.sqlite', query: 'q' })
    ).toBe('shop.sqlite');
    expect(
      databaseLabel({ kind: 'database', url: 'mysql://a:b@h/d', query: 'q' })
    ).toBe('mysql://a:***@h/d');
  });
});
