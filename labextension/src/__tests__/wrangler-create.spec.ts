import {
  checkFlowName,
  createNamedFlow,
  flowNameDialog,
  freeFlowName
} from '../wrangler/create';
import { fieldError, json, trans, waitFor } from './helpers';

describe('a new flow', () => {
  const realFetch = globalThis.fetch;
  let created: string[];

  beforeEach(() => {
    created = [];
    globalThis.fetch = (async (input: RequestInfo | URL) => {
      const request = input as Request;
      const { name } = JSON.parse(await request.text()) as { name: string };
      if (name === 'data/sales.flow') {
        return fieldError('name', 'name: exists', 409, 'Conflict');
      }
      created.push(name);
      return json({ name, version: 1, steps: [] }, 201);
    }) as typeof fetch;
  });

  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  it('proposes a free untitled name', () => {
    expect(freeFlowName(new Set())).toBe('untitled.flow');
    expect(freeFlowName(new Set(['untitled.flow', 'untitled1.flow']))).toBe(
      'untitled2.flow'
    );
  });

  it('says what is wrong with a name, in words', () => {
    expect(checkFlowName('  ', trans)).toBe('Give the flow a name.');
    expect(checkFlowName('a/b', trans)).toMatch(/^A name cannot hold \//);
    expect(checkFlowName('.hidden', trans)).toBe(
      'A name cannot start with a dot (that hides the file).'
    );
    expect(checkFlowName('q3', trans, new Set(['q3.flow']))).toBe(
      'q3.flow already exists; choose another name.'
    );
    expect(checkFlowName('Q3 sales', trans)).toBeNull();
  });

  it('asks for a name, again while it is refused, and creates the flow', async () => {
    const asked: [string, string | null][] = [];
    const answers = ['', 'sales', 'Q3 sales'];
    const path = await createNamedFlow(
      'data',
      async (typed, problem) => {
        asked.push([typed, problem]);
        return answers.shift() ?? null;
      },
      trans,
      new Set(['untitled.flow'])
    );
    expect(asked).toEqual([
      ['untitled1.flow', null],
      ['', 'Give the flow a name.'],
      ['sales', 'sales.flow already exists; choose another name.']
    ]);
    expect(created).toEqual(['data/Q3 sales.flow']);
    expect(path).toBe('data/Q3 sales.flow');
  });

  it('creates nothing when the user cancels', async () => {
    const path = await createNamedFlow('', async () => null, trans);
    expect(path).toBeNull();
    expect(created).toEqual([]);
  });

  it('asks in a JupyterLab dialog with the name proposed', async () => {
    const answer = flowNameDialog(trans)('untitled.flow', null);
    await waitFor(() => !!document.querySelector('.jp-Dialog input'));
    const dialog = document.querySelector<HTMLElement>('.jp-Dialog')!;
    expect(dialog.textContent).toContain('Name of the new flow');
    const input = dialog.querySelector<HTMLInputElement>('input')!;
    expect(input.value).toBe('untitled.flow');
    input.value = 'churn';
    const create = [...dialog.querySelectorAll<HTMLElement>('button')].find(
      b => b.textContent === 'Create'
    )!;
    create.click();
    await expect(answer).resolves.toBe('churn');
  });
});
