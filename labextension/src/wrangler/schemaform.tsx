/**
 * A small form generated from an operator's JSON schema.
 *
 * Handles strings, numbers, booleans, enums, arrays of strings (column pickers
 * or enum check boxes), string→string/number mappings, nullable values
 * (`anyOf [T, null]`); anything else is edited as JSON.
 */
import * as React from 'react';

import type { IJSONSchema, JSONValue, StepParams } from '../api';
import { useTrans } from './trans';

/**
 * How a field is edited.
 */
export type FieldKind =
  | 'column'
  | 'columns'
  | 'enum'
  | 'enums'
  | 'boolean'
  | 'integer'
  | 'number'
  | 'text'
  | 'longtext'
  | 'strings'
  | 'mapping'
  | 'scalar'
  | 'json';

/**
 * A field of the form, resolved from the schema.
 */
export interface IField {
  name: string;
  label: string;
  description: string;
  kind: FieldKind;
  required: boolean;
  nullable: boolean;
  options: string[];
  schema: IJSONSchema;
}

/**
 * Parameter names whose values are column names.
 */
const COLUMN_FIELDS = new Set(['column', 'target', 'stratify_by']);
const COLUMNS_FIELDS = new Set(['columns', 'by', 'features']);
const LONG_TEXT_FIELDS = new Set(['code', 'expression', 'query']);

/**
 * Follow a local `$ref` (`#/$defs/Name`) of the root schema.
 */
export function resolveRef(
  schema: IJSONSchema,
  root: IJSONSchema
): IJSONSchema {
  if (schema.$ref && schema.$ref.startsWith('#/$defs/')) {
    const name = schema.$ref.slice('#/$defs/'.length);
    const target = root.$defs?.[name];
    if (target) {
      return { ...target, ...schema, $ref: undefined };
    }
  }
  return schema;
}

function typeOf(schema: IJSONSchema): string | undefined {
  return Array.isArray(schema.type) ? schema.type[0] : schema.type;
}

/**
 * Turn one property of an object schema into a form field.
 */
export function describeField(
  name: string,
  property: IJSONSchema,
  root: IJSONSchema
): IField {
  let schema = resolveRef(property, root);
  let nullable = false;
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    const resolved = variants.map(v => resolveRef(v, root));
    const nonNull = resolved.filter(v => typeOf(v) !== 'null');
    nullable = nonNull.length < resolved.length;
    if (nonNull.length === 1) {
      schema = { ...schema, ...nonNull[0], anyOf: undefined, oneOf: undefined };
    } else if (nonNull.every(v => !['object', 'array'].includes(typeOf(v)!))) {
      schema = { ...schema, anyOf: undefined, oneOf: undefined };
      return field('scalar');
    }
  }
  const type = typeOf(schema);
  let kind: FieldKind = 'json';
  let options: string[] = [];
  if (schema.enum) {
    kind = 'enum';
    options = schema.enum.map(String);
  } else if (type === 'boolean') {
    kind = 'boolean';
  } else if (type === 'integer') {
    kind = 'integer';
  } else if (type === 'number') {
    kind = 'number';
  } else if (type === 'string') {
    kind = COLUMN_FIELDS.has(name)
      ? 'column'
      : LONG_TEXT_FIELDS.has(name)
        ? 'longtext'
        : 'text';
  } else if (type === 'array') {
    const items = schema.items ? resolveRef(schema.items, root) : {};
    if (items.enum) {
      kind = 'enums';
      options = items.enum.map(String);
    } else if (typeOf(items) === 'string') {
      kind = COLUMNS_FIELDS.has(name) ? 'columns' : 'strings';
    }
  } else if (
    type === 'object' &&
    typeof schema.additionalProperties === 'object' &&
    ['string', 'number'].includes(typeOf(schema.additionalProperties) ?? '')
  ) {
    kind = 'mapping';
  }
  return field(kind, options);

  function field(kind: FieldKind, options: string[] = []): IField {
    return {
      name,
      label: schema.title ?? name,
      description: schema.description ?? '',
      kind,
      required: (root.required ?? []).includes(name),
      nullable,
      options,
      schema
    };
  }
}

/**
 * The fields of an operator's parameter schema, in schema order.
 */
export function describeFields(schema: IJSONSchema): IField[] {
  return Object.entries(schema.properties ?? {}).map(([name, property]) =>
    describeField(name, property, schema)
  );
}

/**
 * The starting parameters of a new step: the schema's defaults.
 */
export function defaultParams(schema: IJSONSchema): StepParams {
  const params: StepParams = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const resolved = resolveRef(property, schema);
    if (resolved.default !== undefined && resolved.default !== null) {
      params[name] = resolved.default;
    }
  }
  return params;
}

/**
 * A typed scalar from text: numbers, true/false, or the text itself; empty is null.
 */
export function parseScalar(text: string): JSONValue {
  const trimmed = text.trim();
  if (trimmed === '') {
    return null;
  }
  if (trimmed === 'true' || trimmed === 'false') {
    return trimmed === 'true';
  }
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) {
    return Number(trimmed);
  }
  return text;
}

/**
 * Parse `key = value` lines into a mapping (values as numbers when asked).
 */
export function parseMapping(
  text: string,
  numeric: boolean
): Record<string, JSONValue> {
  const mapping: Record<string, JSONValue> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at < 0) {
      continue;
    }
    const key = line.slice(0, at).trim();
    const raw = line.slice(at + 1).trim();
    if (!key) {
      continue;
    }
    mapping[key] =
      numeric && raw !== '' && !isNaN(Number(raw)) ? Number(raw) : raw;
  }
  return mapping;
}

/**
 * Write a mapping as `key = value` lines.
 */
export function formatMapping(value: JSONValue | undefined): string {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return '';
  }
  return Object.entries(value)
    .map(([key, v]) => `${key} = ${String(v)}`)
    .join('\n');
}

/**
 * Split a comma-separated list.
 */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map(part => part.trim())
    .filter(part => part.length > 0);
}

/**
 * Which parameters the user has to fill in and left empty.
 */
export function missingRequired(
  schema: IJSONSchema,
  params: StepParams
): string[] {
  return (schema.required ?? []).filter(name => {
    const value = params[name];
    return (
      value === undefined ||
      value === null ||
      value === '' ||
      (Array.isArray(value) && value.length === 0) ||
      (typeof value === 'object' &&
        !Array.isArray(value) &&
        Object.keys(value).length === 0)
    );
  });
}

/**
 * Properties of the schema form.
 */
export interface ISchemaFormProps {
  schema: IJSONSchema;
  value: StepParams;
  onChange: (value: StepParams) => void;
  /**
   * Column names of the step's input, for column pickers.
   */
  columns: string[];
  /**
   * The field the server's error names (`params.columns` or `columns`).
   */
  errorField?: string | null;
  errorMessage?: string | null;
  /**
   * Prefix of the inputs' ids (unique per form).
   */
  idPrefix: string;
}

/**
 * The form.
 */
export function SchemaForm(props: ISchemaFormProps): React.ReactElement {
  const fields = React.useMemo(
    () => describeFields(props.schema),
    [props.schema]
  );
  const errorName = props.errorField
    ? props.errorField.replace(/^params\./, '').split('.')[0]
    : null;
  const set = (name: string, value: JSONValue | undefined): void => {
    const next: StepParams = { ...props.value };
    if (value === undefined) {
      delete next[name];
    } else {
      next[name] = value;
    }
    props.onChange(next);
  };
  const matched = fields.some(f => f.name === errorName);
  return (
    <div className="smstudio-SchemaForm">
      {fields.map(f => (
        <FieldEditor
          key={f.name}
          field={f}
          value={props.value[f.name]}
          onChange={value => set(f.name, value)}
          columns={props.columns}
          id={`${props.idPrefix}-${f.name}`}
          error={f.name === errorName ? props.errorMessage : null}
        />
      ))}
      {props.errorMessage && !matched && (
        <p className="smstudio-Wrangler-fieldError" role="alert">
          {props.errorMessage}
        </p>
      )}
    </div>
  );
}

function FieldEditor(props: {
  field: IField;
  value: JSONValue | undefined;
  onChange: (value: JSONValue | undefined) => void;
  columns: string[];
  id: string;
  error?: string | null;
}): React.ReactElement {
  const trans = useTrans();
  const { field, value, onChange, columns, id } = props;
  const label = (
    <label htmlFor={id} className="smstudio-SchemaForm-label">
      {field.label}
      {field.required ? ' *' : ''}
    </label>
  );
  let editor: React.ReactElement;
  switch (field.kind) {
    case 'boolean':
      return (
        <div className="smstudio-SchemaForm-field" data-field={field.name}>
          <label className="smstudio-SchemaForm-check">
            <input
              id={id}
              type="checkbox"
              checked={value === true}
              onChange={e => onChange(e.currentTarget.checked)}
            />
            {field.label}
          </label>
          <Help field={field} error={props.error} />
        </div>
      );
    case 'enum':
    case 'column': {
      const options =
        field.kind === 'enum' ? field.options : withValue(columns, value);
      editor = (
        <select
          id={id}
          value={value === undefined || value === null ? '' : String(value)}
          onChange={e =>
            onChange(
              e.currentTarget.value === '' ? undefined : e.currentTarget.value
            )
          }
        >
          <option value="">
            {field.kind === 'column'
              ? trans.__('(choose a column)')
              : trans.__('(default)')}
          </option>
          {options.map(option => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      );
      break;
    }
    case 'columns':
    case 'enums': {
      const chosen = Array.isArray(value) ? value.map(String) : [];
      const options =
        field.kind === 'enums' ? field.options : withValue(columns, chosen);
      editor = (
        <div
          id={id}
          className="smstudio-SchemaForm-choices"
          role="group"
          aria-label={field.label}
        >
          {options.map(option => (
            <label key={option} className="smstudio-SchemaForm-check">
              <input
                type="checkbox"
                value={option}
                checked={chosen.includes(option)}
                onChange={e => {
                  const next = e.currentTarget.checked
                    ? options.filter(o => o === option || chosen.includes(o))
                    : chosen.filter(o => o !== option);
                  onChange(next.length ? next : undefined);
                }}
              />
              {option}
            </label>
          ))}
        </div>
      );
      break;
    }
    case 'integer':
    case 'number':
      editor = (
        <input
          id={id}
          type="number"
          step={field.kind === 'integer' ? 1 : 'any'}
          value={typeof value === 'number' ? String(value) : ''}
          onChange={e => {
            const text = e.currentTarget.value;
            onChange(text === '' ? undefined : Number(text));
          }}
        />
      );
      break;
    case 'text':
      editor = (
        <input
          id={id}
          type="text"
          value={typeof value === 'string' ? value : ''}
          onChange={e =>
            onChange(
              e.currentTarget.value === '' && field.nullable
                ? undefined
                : e.currentTarget.value
            )
          }
        />
      );
      break;
    case 'longtext':
      editor = (
        <TextArea
          id={id}
          value={typeof value === 'string' ? value : ''}
          onChange={text => onChange(text === '' ? undefined : text)}
        />
      );
      break;
    case 'strings':
      editor = (
        <BufferedInput
          id={id}
          value={Array.isArray(value) ? value.map(String).join(', ') : ''}
          onChange={text => {
            const list = parseList(text);
            onChange(list.length ? list : undefined);
          }}
        />
      );
      break;
    case 'scalar':
      editor = (
        <BufferedInput
          id={id}
          value={value === undefined || value === null ? '' : String(value)}
          onChange={text => {
            const parsed = parseScalar(text);
            onChange(parsed === null ? undefined : parsed);
          }}
        />
      );
      break;
    case 'mapping': {
      const additional = field.schema.additionalProperties;
      const numeric =
        typeof additional === 'object' && typeOf(additional) === 'number';
      editor = (
        <TextArea
          id={id}
          value={formatMapping(value)}
          placeholder={
            numeric ? trans.__('train = 0.8') : trans.__('old name = new name')
          }
          onChange={text => {
            const mapping = parseMapping(text, numeric);
            onChange(Object.keys(mapping).length ? mapping : undefined);
          }}
        />
      );
      break;
    }
    default:
      editor = (
        <TextArea
          id={id}
          value={value === undefined ? '' : JSON.stringify(value, null, 1)}
          placeholder={trans.__('JSON')}
          onChange={text => {
            if (text.trim() === '') {
              onChange(undefined);
              return;
            }
            try {
              onChange(JSON.parse(text) as JSONValue);
            } catch {
              // Keep the last valid value until the JSON parses.
            }
          }}
        />
      );
  }
  return (
    <div className="smstudio-SchemaForm-field" data-field={field.name}>
      {label}
      {editor}
      <Help field={field} error={props.error} />
    </div>
  );
}

function withValue(
  options: string[],
  value: JSONValue | string[] | undefined
): string[] {
  const extra = (Array.isArray(value) ? value : value ? [value] : [])
    .map(String)
    .filter(v => !options.includes(v));
  return [...options, ...extra];
}

function Help(props: {
  field: IField;
  error?: string | null;
}): React.ReactElement | null {
  return (
    <>
      {props.field.description && (
        <p className="smstudio-SchemaForm-help">{props.field.description}</p>
      )}
      {props.error && (
        <p className="smstudio-Wrangler-fieldError" role="alert">
          {props.error}
        </p>
      )}
    </>
  );
}

/**
 * A text input that keeps what is typed and reports it parsed, so that
 * half-typed lists ("a, ") are not rewritten under the cursor.
 */
function BufferedInput(props: {
  id: string;
  value: string;
  onChange: (text: string) => void;
}): React.ReactElement {
  const [text, setText] = React.useState(props.value);
  return (
    <input
      id={props.id}
      type="text"
      value={text}
      onChange={e => {
        setText(e.currentTarget.value);
        props.onChange(e.currentTarget.value);
      }}
    />
  );
}

function TextArea(props: {
  id: string;
  value: string;
  placeholder?: string;
  onChange: (text: string) => void;
}): React.ReactElement {
  const [text, setText] = React.useState(props.value);
  return (
    <textarea
      id={props.id}
      rows={3}
      value={text}
      placeholder={props.placeholder}
      onChange={e => {
        setText(e.currentTarget.value);
        props.onChange(e.currentTarget.value);
      }}
    />
  );
}
