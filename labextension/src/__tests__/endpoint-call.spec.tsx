import { Dialog, Notification, ReactWidget } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import { nextTabIndex, Tabs } from '../components/tabs';
import { defaultAccept, trainingJobOf } from '../endpoints/format';
import {
  endpointSnippet,
  runtimeInvocationURL,
  SNIPPETS
} from '../endpoints/snippets';
import type { ISnippetOptions } from '../endpoints/snippets';
import { confirmDeleteKey, createKeyWithDialog } from '../keys';
import { TransitionTracker } from '../notify/transitions';
import { announce, describeTransition, MAX_PER_POLL } from '../notify/watcher';
import { jobNameFor, scriptJobSpec } from '../runfile';
import { trans, waitFor } from './helpers';

const OPTIONS: ISnippetOptions = {
  name: 'churn',
  contentType: 'text/csv',
  accept: 'application/json',
  body: '5.1,3.5,1.4,0.2',
  runtimeUrl: 'http://127.0.0.1:8888/smstudio/runtime',
  region: 'eu-west-1',
  restUrl: 'http://127.0.0.1:8888/smstudio/api/endpoints/churn/invocations'
};

describe('endpoint snippets', () => {
  it('calls the endpoint by name with its content type in boto3', () => {
    const code = endpointSnippet('boto3', OPTIONS);
    expect(code).toContain('boto3.client(\n    "sagemaker-runtime"');
    expect(code).toContain(
      'endpoint_url="http://127.0.0.1:8888/smstudio/runtime"'
    );
    expect(code).toContain('region_name="eu-west-1"');
    expect(code).toContain('EndpointName="churn"');
    expect(code).toContain('ContentType="text/csv"');
    expect(code).toContain('Accept="application/json"');
    expect(code).toContain('Body="5.1,3.5,1.4,0.2"');
  });

  it('picks the SDK serializer for the content type', () => {
    const csv = endpointSnippet('sdk', OPTIONS);
    expect(csv).toContain('from sagemaker.predictor import Predictor');
    expect(csv).toContain(
      'Predictor(\n    "churn",\n    serializer=CSVSerializer(),'
    );
    expect(csv).toContain('deserializer=JSONDeserializer()');
    expect(csv).toContain('predictor.predict("5.1,3.5,1.4,0.2")');
    const json = endpointSnippet('sdk', {
      ...OPTIONS,
      contentType: 'application/json',
      accept: 'text/csv',
      body: '[[5.1, 3.5]]'
    });
    expect(json).toContain('serializer=JSONSerializer()');
    expect(json).toContain('deserializer=CSVDeserializer()');
    expect(json).toContain('predictor.predict([[5.1, 3.5]])');
  });

  it('sends the Jupyter token header and quotes the body in curl', () => {
    const code = endpointSnippet('curl', { ...OPTIONS, body: "it's" });
    expect(code).toContain(
      "curl -X POST 'http://127.0.0.1:8888/smstudio/api/endpoints/churn/invocations'"
    );
    expect(code).toContain('-H "Authorization: token $JUPYTER_TOKEN"');
    expect(code).toContain("-H 'Content-Type: text/csv'");
    expect(code).toContain("--data-binary 'it'\\''s'");
  });

  it('escapes names and bodies as Python literals', () => {
    const code = endpointSnippet('boto3', { ...OPTIONS, body: 'a"b\nc' });
    expect(code).toContain('Body="a\\"b\\nc"');
    expect(SNIPPETS).toEqual(['boto3', 'sdk', 'curl']);
  });

  it('builds the SigV4 invocation URL', () => {
    expect(runtimeInvocationURL('http://h/smstudio/runtime/', 'a b')).toBe(
      'http://h/smstudio/runtime/endpoints/a%20b/invocations'
    );
  });

  it('finds the training job of a model artifact', () => {
    expect(trainingJobOf('jobs/churn-sk-1/output/model.tar.gz')).toBe(
      'churn-sk-1'
    );
    expect(
      trainingJobOf(
        's3://sagemaker-us-east-1-1/prefix/xgb-7/output/model.tar.gz'
      )
    ).toBe('xgb-7');
    expect(trainingJobOf('models/mine.tar.gz')).toBeNull();
    expect(trainingJobOf(undefined)).toBeNull();
    expect(
      defaultAccept({ SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: 'text/csv' })
    ).toBe('text/csv');
    expect(defaultAccept(undefined)).toBe('application/json');
  });
});

describe('finished jobs and endpoints', () => {
  it('does not report what was already final when the Lab loaded', () => {
    const tracker = new TransitionTracker();
    const before = [
      { name: 'old-done', status: 'Completed', created_ms: 1 },
      { name: 'old-failed', status: 'Failed', created_ms: 2 },
      { name: 'running', status: 'InProgress', created_ms: 3 }
    ];
    expect(tracker.update('training', before)).toEqual([]);
    expect(tracker.update('training', before)).toEqual([]);
  });

  it('reports each transition to a final state once', () => {
    const tracker = new TransitionTracker();
    tracker.update('training', [
      { name: 'a', status: 'InProgress', created_ms: 5 },
      { name: 'b', status: 'InProgress', created_ms: 6 }
    ]);
    const first = tracker.update('training', [
      { name: 'a', status: 'Completed', created_ms: 5 },
      { name: 'b', status: 'InProgress', created_ms: 6 }
    ]);
    expect(first).toEqual([
      {
        kind: 'training',
        name: 'a',
        from: 'InProgress',
        status: 'Completed',
        failed: false
      }
    ]);
    const second = tracker.update('training', [
      { name: 'a', status: 'Completed', created_ms: 5 },
      { name: 'b', status: 'Failed', created_ms: 6 }
    ]);
    expect(second.map(t => [t.name, t.failed])).toEqual([['b', true]]);
    expect(
      tracker.update('training', [
        { name: 'a', status: 'Completed', created_ms: 5 },
        { name: 'b', status: 'Failed', created_ms: 6 }
      ])
    ).toEqual([]);
  });

  it('reports a new job that finished between two polls, not an old one', () => {
    const tracker = new TransitionTracker();
    tracker.update('processing', [
      { name: 'x', status: 'Completed', created_ms: 10 }
    ]);
    const next = tracker.update('processing', [
      { name: 'quick', status: 'Completed', created_ms: 20 },
      { name: 'older', status: 'Completed', created_ms: 5 },
      { name: 'x', status: 'Completed', created_ms: 10 }
    ]);
    expect(next.map(t => t.name)).toEqual(['quick']);
  });

  it('treats InService and Failed as final for endpoints', () => {
    const tracker = new TransitionTracker();
    tracker.update('endpoint', [{ name: 'ep', status: 'Creating' }]);
    const ready = tracker.update('endpoint', [
      { name: 'ep', status: 'InService' }
    ]);
    expect(ready.map(t => t.status)).toEqual(['InService']);
    expect(describeTransition(ready[0], trans)).toBe(
      'Endpoint ep is in service.'
    );
    tracker.update('endpoint', [{ name: 'ep', status: 'Updating' }]);
    const failed = tracker.update('endpoint', [
      { name: 'ep', status: 'Failed' }
    ]);
    expect(failed[0].failed).toBe(true);
  });

  it('shows one notification per transition with an Open button', () => {
    Notification.manager.dismiss();
    const opened: string[] = [];
    announce(
      [
        {
          kind: 'training',
          name: 'a',
          from: 'InProgress',
          status: 'Completed',
          failed: false
        },
        {
          kind: 'tuning',
          name: 't',
          from: null,
          status: 'Failed',
          failed: true
        }
      ],
      {
        trans,
        browser: false,
        opener: t => (t.kind === 'tuning' ? null : () => opened.push(t.name))
      }
    );
    const shown = Notification.manager.notifications;
    expect(shown).toHaveLength(2);
    const job = shown.find(n => n.message.includes('Training job a'))!;
    expect(job.type).toBe('success');
    expect(job.options.actions?.map(a => a.label)).toEqual(['Open']);
    job.options.actions![0].callback(new MouseEvent('click'));
    expect(opened).toEqual(['a']);
    const tuning = shown.find(n => n.message.includes('Tuning job t'))!;
    expect(tuning.type).toBe('error');
    expect(tuning.options.actions).toEqual([]);
    Notification.manager.dismiss();
  });

  it('sums up the rest when many finish at once', () => {
    Notification.manager.dismiss();
    const many = Array.from({ length: MAX_PER_POLL + 2 }, (_, i) => ({
      kind: 'training' as const,
      name: `j${i}`,
      from: 'InProgress',
      status: 'Completed',
      failed: false
    }));
    announce(many, { trans, browser: false, opener: () => null });
    const shown = Notification.manager.notifications;
    expect(shown).toHaveLength(MAX_PER_POLL + 1);
    expect(
      shown.some(n => n.message === '2 more jobs or endpoints finished.')
    ).toBe(true);
    Notification.manager.dismiss();
  });
});

describe('access key dialogs', () => {
  const realFetch = globalThis.fetch;
  const requests: { method: string; path: string; body: unknown }[] = [];

  beforeEach(() => {
    requests.length = 0;
    globalThis.fetch = (async (input: RequestInfo | URL) => {
      const request = input as Request;
      const text = await request.text();
      const path = new URL(request.url).pathname.replace(
        /^.*\/smstudio\/api\//,
        ''
      );
      requests.push({
        method: request.method,
        path,
        body: text ? JSON.parse(text) : undefined
      });
      return new Response(
        JSON.stringify({
          access_key_id: 'SMSKABCDEFGHIJKLMNOP',
          description: 'laptop',
          created_ms: 1,
          secret_access_key: 's3cr3t-shown-once'
        }),
        { status: 201, headers: { 'Content-Type': 'application/json' } }
      );
    }) as typeof fetch;
  });

  afterEach(() => {
    globalThis.fetch = realFetch;
    Dialog.flush();
  });

  function dialog(): HTMLElement | null {
    return document.body.querySelector('.jp-Dialog');
  }

  function accept(): void {
    const button = dialog()!.querySelector<HTMLButtonElement>(
      '.jp-Dialog-button.jp-mod-accept'
    )!;
    button.click();
  }

  it('creates a key and shows its secret once, with copy buttons', async () => {
    const done = createKeyWithDialog(trans);
    await waitFor(() => !!dialog()?.querySelector('input'));
    const input = dialog()!.querySelector('input')!;
    input.value = 'laptop';
    accept();
    await waitFor(
      () => !!document.body.querySelector('[data-smstudio-key-secret]')
    );
    const body = dialog()!;
    expect(body.querySelector('[data-smstudio-key-secret]')!.textContent).toBe(
      's3cr3t-shown-once'
    );
    expect(body.textContent).toContain('you won’t see it again');
    expect(body.querySelectorAll('[data-smstudio-copy]')).toHaveLength(2);
    expect(requests).toEqual([
      { method: 'POST', path: 'access-keys', body: { description: 'laptop' } }
    ]);
    accept();
    const created = await done;
    expect(created?.access_key_id).toBe('SMSKABCDEFGHIJKLMNOP');
  });

  it('creates nothing when the user cancels', async () => {
    const done = createKeyWithDialog(trans);
    await waitFor(() => !!dialog()?.querySelector('input'));
    dialog()!
      .querySelector<HTMLButtonElement>('.jp-Dialog-button.jp-mod-reject')!
      .click();
    expect(await done).toBeNull();
    expect(requests).toEqual([]);
  });

  it('asks before deleting a key, with a danger button', async () => {
    const answer = confirmDeleteKey(
      { access_key_id: 'SMSK1', description: 'ci', created_ms: 1 },
      trans
    );
    await waitFor(() => !!dialog());
    expect(dialog()!.textContent).toContain('Delete access key SMSK1?');
    expect(dialog()!.querySelector('.jp-mod-warn')!.textContent).toBe('Delete');
    dialog()!.querySelector<HTMLButtonElement>('.jp-mod-warn')!.click();
    expect(await answer).toBe(true);
  });
});

describe('accessible tabs', () => {
  it('moves with the arrow keys and names its panels', async () => {
    expect(nextTabIndex('ArrowRight', 2, 3)).toBe(0);
    expect(nextTabIndex('ArrowLeft', 0, 3)).toBe(2);
    expect(nextTabIndex('End', 0, 3)).toBe(2);
    expect(nextTabIndex('a', 0, 3)).toBeNull();
    const widget = ReactWidget.create(
      <Tabs
        idPrefix="t"
        label={trans.__('Snippets')}
        tabs={[
          { id: 'one', label: trans.__('One'), content: 'first' },
          { id: 'two', label: trans.__('Two'), content: 'second' }
        ]}
      />
    );
    Widget.attach(widget, document.body);
    await waitFor(() => !!widget.node.querySelector('[role="tab"]'));
    const tabs = (): HTMLElement[] =>
      Array.from(widget.node.querySelectorAll('[role="tab"]'));
    expect(
      widget.node.querySelector('[role="tablist"]')!.getAttribute('aria-label')
    ).toBe('Snippets');
    expect(tabs()[0].getAttribute('aria-selected')).toBe('true');
    expect(tabs()[0].getAttribute('aria-controls')).toBe('t-panel-one');
    tabs()[0].dispatchEvent(
      new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true })
    );
    await waitFor(() => tabs()[1].getAttribute('aria-selected') === 'true');
    expect(document.activeElement).toBe(tabs()[1]);
    const panel = widget.node.querySelector('#t-panel-two')!;
    expect(panel.getAttribute('role')).toBe('tabpanel');
    expect(panel.textContent).toBe('second');
    widget.dispose();
  });
});

describe('run a script as a training job', () => {
  it('names the job after the file and runs it from its folder', () => {
    const now = new Date(2026, 11, 2, 3, 4, 5);
    expect(jobNameFor('code/my_train.py', now)).toBe(
      'my-train-20261202-030405'
    );
    expect(scriptJobSpec('code/my_train.py', 'j')).toEqual({
      name: 'j',
      entry_point: 'my_train.py',
      source_dir: 'code'
    });
    expect(scriptJobSpec('train.py', 'j').source_dir).toBe('.');
  });
});
