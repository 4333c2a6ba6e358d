/* eslint-disable jupyter/no-untranslated-string -- server answers used as test data, not UI text. */
import { ApiError } from '../api';
import type {
  IFlow,
  IOperator,
  IPreview,
  IPreviewQuery,
  IStep,
  IStepCreate,
  IStepUpdate,
  IFlowUpdate
} from '../api';
import { FlowEditorModel, PAGE_SIZE } from '../wrangler/model';
import type { IFlowClient } from '../wrangler/model';
import { waitFor } from './helpers';

const OPERATORS: IOperator[] = [
  {
    name: 'drop_columns',
    version: 1,
    title: 'Drop columns',
    group: 'Manage columns',
    description: '',
    fits: false,
    params_schema: {
      properties: { columns: { items: { type: 'string' }, type: 'array' } },
      required: ['columns'],
      type: 'object'
    }
  }
];

function step(id: string): IStep {
  return {
    id,
    operator: 'drop_columns',
    operator_version: 1,
    params: { columns: [`${id}-col`] },
    title: '',
    fitted: null,
    fitted_on: null
  };
}

function makeFlow(): IFlow {
  return {
    name: 'sales.flow',
    schema_version: 1,
    version: 4,
    source: { kind: 'file', path: 'sales.csv' },
    sampling: { method: 'first', n: 50000, seed: 0 },
    steps: [step('s1'), step('s2')],
    target: null,
    modified_ms: 1
  };
}

function makePreview(query: IPreviewQuery): IPreview {
  // The columns say which step they come after, for the step form.
  const after = query.step ?? 'last';
  return {
    step: query.step ?? null,
    scope: 'sample',
    sample: 'first 50,000 rows',
    total_rows: 120,
    offset: query.offset ?? 0,
    columns: [
      { name: `${after}:id`, type: 'Int64' },
      { name: `${after}:city`, type: 'String' }
    ],
    rows: [],
    diff: null,
    error: null,
    error_field: null,
    steps: [
      { id: 's1', error: null, error_field: null, warnings: [] },
      { id: 's2', error: 'no column', error_field: null, warnings: [] }
    ],
    rejected_rows: [],
    elapsed_ms: 1
  };
}

interface IPending {
  query: IPreviewQuery;
  answer: () => void;
}

/**
 * An in-memory flow server: version-checked writes, previews answered at
 * once or, with `holdPreviews`, when the test says.
 */
class FlowServer implements IFlowClient {
  flow: IFlow = makeFlow();
  writes: { call: string; body: unknown }[] = [];
  previews: IPreviewQuery[] = [];
  pending: IPending[] = [];
  holdPreviews = false;
  /**
   * What the next write fails with, if anything.
   */
  refuse: ApiError | null = null;
  readFails = false;
  private _nextId = 3;

  getFlow = async (): Promise<IFlow> => {
    if (this.readFails) {
      throw new ApiError({
        status: 404,
        code: 'NotFound',
        message: 'No flow sales.flow.'
      });
    }
    return this.flow;
  };

  listOperators = async (): Promise<IOperator[]> => OPERATORS;

  previewFlow = (_name: string, query: IPreviewQuery = {}): Promise<IPreview> =>
    new Promise(resolve => {
      this.previews.push(query);
      const answer = () => resolve(makePreview(query));
      if (this.holdPreviews) {
        this.pending.push({ query, answer });
      } else {
        answer();
      }
    });

  updateFlow = (_name: string, body: IFlowUpdate): Promise<IFlow> =>
    this._write('updateFlow', body, flow => ({
      ...flow,
      source: body.source === undefined ? flow.source : body.source,
      sampling: body.sampling ?? flow.sampling
    }));

  addStep = (_name: string, body: IStepCreate): Promise<IFlow> =>
    this._write('addStep', body, flow => {
      const steps = [...flow.steps];
      const added = { ...step(`s${this._nextId++}`), params: body.params! };
      steps.splice(body.position ?? steps.length, 0, added);
      return { ...flow, steps };
    });

  updateStep = (
    _name: string,
    stepId: string,
    body: IStepUpdate
  ): Promise<IFlow> =>
    this._write('updateStep', { stepId, ...body }, flow => flow);

  deleteStep = (
    _name: string,
    stepId: string,
    version: number
  ): Promise<IFlow> =>
    this._write('deleteStep', { stepId, version }, flow => ({
      ...flow,
      steps: flow.steps.filter(s => s.id !== stepId)
    }));

  fitFlow = (
    _name: string,
    version: number,
    scope: 'sample' | 'full' = 'sample'
  ): Promise<IFlow> => this._write('fitFlow', { version, scope }, flow => flow);

  private async _write<B extends { version?: number }>(
    call: string,
    body: B,
    change: (flow: IFlow) => IFlow
  ): Promise<IFlow> {
    this.writes.push({ call, body });
    const refused = this.refuse;
    this.refuse = null;
    if (refused) {
      throw refused;
    }
    if (body.version !== this.flow.version) {
      throw new ApiError({
        status: 409,
        code: 'Conflict',
        message: 'version: stale',
        field: 'version'
      });
    }
    this.flow = { ...change(this.flow), version: this.flow.version + 1 };
    return this.flow;
  }
}

describe('FlowEditorModel', () => {
  let server: FlowServer;
  let model: FlowEditorModel;
  let written: IFlow[];

  async function loaded(): Promise<FlowEditorModel> {
    model = new FlowEditorModel({
      name: 'sales.flow',
      client: server,
      onWritten: flow => written.push(flow)
    });
    await model.load();
    await waitFor(() => model.state.preview !== null);
    return model;
  }

  beforeEach(() => {
    server = new FlowServer();
    written = [];
  });

  afterEach(() => {
    model?.dispose();
  });

  it('loads the flow, the operators and the last step’s data', async () => {
    await loaded();
    expect(model.state.flow?.version).toBe(4);
    expect(model.state.operators.map(o => o.name)).toEqual(['drop_columns']);
    expect(server.previews).toEqual([
      { step: null, offset: 0, limit: PAGE_SIZE }
    ]);
    expect(model.stepStatus('s2')?.error).toBe('no column');
    expect(model.state.tab).toBe('data');
  });

  it('says why the flow could not be read, and reads it again', async () => {
    server.readFails = true;
    model = new FlowEditorModel({ name: 'sales.flow', client: server });
    await model.load();
    expect(model.state.loadError).toBe('No flow sales.flow.');
    expect(model.state.flow).toBeNull();
    server.readFails = false;
    await model.reload();
    expect(model.state.loadError).toBeNull();
    expect(model.state.flow?.version).toBe(4);
  });

  it('asks for the data of the step on show, from its first row', async () => {
    await loaded();
    model.setOffset(PAGE_SIZE);
    await waitFor(() => model.state.preview?.offset === PAGE_SIZE);
    model.select('s1');
    expect(model.state.offset).toBe(0);
    await waitFor(() => model.state.preview?.step === 's1');
    expect(server.previews.slice(1)).toEqual([
      { step: null, offset: PAGE_SIZE, limit: PAGE_SIZE },
      { step: 's1', offset: 0, limit: PAGE_SIZE }
    ]);
    // The same step again asks for nothing.
    model.select('s1');
    expect(server.previews).toHaveLength(3);
  });

  it('keeps only the answer to the latest preview', async () => {
    await loaded();
    server.holdPreviews = true;
    model.select('s1');
    model.select('s2');
    expect(server.pending.map(p => p.query.step)).toEqual(['s1', 's2']);
    server.pending[1].answer();
    await waitFor(() => model.state.preview?.step === 's2');
    server.pending[0].answer();
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(model.state.preview?.step).toBe('s2');
  });

  it('shows no data and asks for none before a source is chosen', async () => {
    server.flow = { ...makeFlow(), source: null, steps: [] };
    model = new FlowEditorModel({ name: 'sales.flow', client: server });
    await model.load();
    expect(model.state.flow).not.toBeNull();
    expect(model.state.preview).toBeNull();
    expect(server.previews).toEqual([]);
  });

  it('places a new step after the step on show', async () => {
    await loaded();
    expect(model.insertAt).toBe(2);
    model.select('source');
    expect(model.insertAt).toBe(0);
    model.select('s1');
    expect(model.insertAt).toBe(1);
    model.select('gone');
    expect(model.insertAt).toBe(1);
  });

  it('adds a step where the form says, then shows the data after it', async () => {
    await loaded();
    model.select('source');
    await model.startAdd(OPERATORS[0]);
    expect(model.state.editing).toEqual({
      mode: 'add',
      operator: 'drop_columns',
      params: {},
      title: '',
      position: 0
    });
    // The form picks from the columns going into the new step.
    expect(model.state.inputColumns).toEqual(['source:id', 'source:city']);
    expect(model.editingOperator?.name).toBe('drop_columns');
    expect(model.missing).toEqual(['columns']);

    model.changeEditing({ params: { columns: ['city'] } });
    model.changeEditing({ title: 'No city' });
    expect(model.missing).toEqual([]);
    const submitting = model.submitStep();
    expect(model.state.busy).toBe(true);
    await submitting;
    expect(model.state.busy).toBe(false);
    expect(server.writes).toEqual([
      {
        call: 'addStep',
        body: {
          version: 4,
          operator: 'drop_columns',
          params: { columns: ['city'] },
          title: 'No city',
          position: 0
        }
      }
    ]);
    expect(model.state.flow?.steps.map(s => s.id)).toEqual(['s3', 's1', 's2']);
    expect(model.state.editing).toBeNull();
    expect(model.state.selected).toBe('s3');
    expect(model.state.offset).toBe(0);
    expect(written.map(f => f.version)).toEqual([5]);
  });

  it('shows the last step after adding at the end', async () => {
    await loaded();
    await model.startAdd(OPERATORS[0]);
    expect(model.state.inputColumns).toEqual(['s2:id', 's2:city']);
    model.changeEditing({ params: { columns: ['id'] } });
    await model.submitStep();
    expect(model.state.flow?.steps.map(s => s.id)).toEqual(['s1', 's2', 's3']);
    expect(model.state.selected).toBeNull();
  });

  it('edits a step and keeps the form when the server refuses a field', async () => {
    await loaded();
    const first = model.steps[0];
    await model.startEdit(first);
    expect(model.state.editing).toEqual({
      mode: 'edit',
      step: first,
      params: { columns: ['s1-col'] },
      title: ''
    });
    expect(model.state.inputColumns).toEqual(['source:id', 'source:city']);
    server.refuse = new ApiError({
      status: 400,
      code: 'ValidationError',
      message: 'params.columns: unknown column x',
      field: 'params.columns'
    });
    await model.submitStep();
    expect(model.state.formError).toEqual({
      field: 'params.columns',
      message: 'params.columns: unknown column x'
    });
    expect(model.state.editing?.mode).toBe('edit');
    expect(model.state.busy).toBe(false);

    await model.submitStep();
    expect(server.writes[1]).toEqual({
      call: 'updateStep',
      body: {
        stepId: 's1',
        version: 4,
        params: { columns: ['s1-col'] },
        title: ''
      }
    });
    expect(model.state.editing).toBeNull();
    expect(model.state.selected).toBe('s1');
    // A new form starts without the old error.
    await model.startEdit(model.steps[1]);
    expect(model.state.formError).toBeNull();
    model.cancelEditing();
    expect(model.state.editing).toBeNull();
  });

  it('offers a reload when someone else changed the flow', async () => {
    await loaded();
    server.flow = { ...server.flow, version: 9 };
    await model.moveStep(model.steps[1], 0);
    expect(model.state.conflict).toBe(true);
    expect(model.state.notice).toBeNull();
    expect(model.state.busy).toBe(false);
    expect(model.state.flow?.version).toBe(4);
    await model.reload();
    expect(model.state.conflict).toBe(false);
    expect(model.state.flow?.version).toBe(9);
    await model.moveStep(model.steps[1], 0);
    expect(server.writes[1]).toEqual({
      call: 'updateStep',
      body: { stepId: 's2', version: 9, position: 0 }
    });
  });

  it('puts a failed action in the banner until dismissed', async () => {
    await loaded();
    server.refuse = new ApiError({
      status: 500,
      code: 'InternalError',
      message: 'The database file is locked.'
    });
    await model.refit();
    expect(model.state.notice).toBe('The database file is locked.');
    await model.refit();
    expect(server.writes[1]).toEqual({
      call: 'fitFlow',
      body: { version: 4, scope: 'full' }
    });
    model.dismissNotice();
    expect(model.state.notice).toBeNull();
  });

  it('shows the last step after deleting the step on show', async () => {
    await loaded();
    model.select('s1');
    await model.deleteStep(model.steps[0]);
    expect(model.state.selected).toBeNull();
    expect(model.state.flow?.steps.map(s => s.id)).toEqual(['s2']);
    model.select('s2');
    await model.deleteStep(model.steps[0]);
    expect(model.state.flow?.steps).toEqual([]);
  });

  it('shows the first rows after a new source or sample', async () => {
    await loaded();
    model.select('s1');
    model.setOffset(PAGE_SIZE);
    const source = { kind: 'file' as const, path: 'other.csv' };
    await model.saveSource(source);
    expect(model.state.flow?.source).toEqual(source);
    expect(model.state.selected).toBeNull();
    expect(model.state.offset).toBe(0);

    model.select('s1');
    model.setOffset(PAGE_SIZE);
    const sampling = { method: 'random' as const, n: 10, seed: 1 };
    await model.saveSampling(sampling);
    expect(model.state.flow?.sampling).toEqual(sampling);
    expect(model.state.selected).toBe('s1');
    expect(model.state.offset).toBe(0);
  });

  it('lets the source form show a refusal', async () => {
    await loaded();
    server.refuse = new ApiError({
      status: 400,
      code: 'ValidationError',
      message: 'source.path: no such file',
      field: 'source.path'
    });
    await expect(
      model.saveSource({ kind: 'file', path: 'nope.csv' })
    ).rejects.toThrow('source.path: no such file');
    expect(model.state.busy).toBe(false);
    expect(model.state.notice).toBeNull();
  });

  it('switches tabs and tells the view about every change', async () => {
    await loaded();
    let changes = 0;
    model.stateChanged.connect(() => changes++);
    model.setTab('export');
    expect(model.state.tab).toBe('export');
    expect(changes).toBe(1);
  });

  it('ignores answers that arrive after it was disposed', async () => {
    await loaded();
    server.holdPreviews = true;
    model.select('s1');
    const before = model.state;
    model.dispose();
    server.pending[0].answer();
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(model.state).toBe(before);
  });
});
