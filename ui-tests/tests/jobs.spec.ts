import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

/**
 * Screenshots a person can look at (git-ignored).
 */
const SCREENSHOTS = path.resolve(__dirname, '..', 'screenshots');
const API = '/smstudio/api';

const PROCESSING_SCRIPT = [
  'import os, sys',
  'source, out = sys.argv[1:3]',
  'rows = open(os.path.join(source, "in.csv")).read().split()',
  'print(f"read {len(rows)} rows", flush=True)',
  'open(os.path.join(out, "count.txt"), "w").write(str(len(rows)))',
  'print("wrote count.txt", flush=True)'
].join('\n');

const INFERENCE = [
  'import numpy as np',
  'def model_fn(model_dir):',
  '    return 2.0',
  'def predict_fn(data, model):',
  '    return np.asarray(data).sum(axis=1) * model'
].join('\n');

test.describe('Jobs', () => {
  test.use({ viewport: { width: 1400, height: 900 } });

  test('lists processing and batch transform jobs with their kind and details', async ({
    page,
    request,
    tmpPath
  }) => {
    test.setTimeout(180_000);
    await page.contents.uploadContent(
      PROCESSING_SCRIPT,
      'text',
      `${tmpPath}/code/run.py`
    );
    await page.contents.uploadContent('1,2\n3,4\n', 'text', `${tmpPath}/in.csv`);
    await page.contents.uploadContent(
      INFERENCE,
      'text',
      `${tmpPath}/model/code/inference.py`
    );

    // A processing job and a batch transform job, started as a script would.
    const processing = await request.post(`${API}/processing-jobs`, {
      data: {
        name: 'galata-proc',
        container_entrypoint: [
          'python3',
          '/opt/ml/processing/input/code/run.py'
        ],
        container_arguments: [
          '/opt/ml/processing/input/data',
          '/opt/ml/processing/output/report'
        ],
        inputs: [
          {
            input_name: 'code',
            source: `${tmpPath}/code`,
            destination: '/opt/ml/processing/input/code'
          },
          { input_name: 'data', source: `${tmpPath}/in.csv` }
        ],
        outputs: [
          { output_name: 'report', destination: `${tmpPath}/report` }
        ]
      }
    });
    expect(processing.status()).toBe(201);
    const model = await request.post(`${API}/models`, {
      data: { name: 'galata-model', model_data: `${tmpPath}/model` }
    });
    expect(model.status()).toBe(201);
    const transform = await request.post(`${API}/transform-jobs`, {
      data: {
        name: 'galata-transform',
        model_name: 'galata-model',
        transform_input: {
          data_source: `${tmpPath}/in.csv`,
          split_type: 'Line'
        },
        transform_output: { output_path: `${tmpPath}/scored` }
      }
    });
    expect(transform.status()).toBe(201);

    // Both appear in the Jobs section with their kind and status.
    await page.sidebar.openTab('smstudio-sidebar');
    const sidebar = page.locator('#smstudio-sidebar');
    const jobs = sidebar.locator('[data-smstudio-section="jobs"]');
    const proc = jobs.locator('[data-smstudio-item="galata-proc"]');
    const batch = jobs.locator('[data-smstudio-item="galata-transform"]');
    await expect(async () => {
      await page.getByTitle('Refresh Jobs').click();
      await expect(proc.locator('.smstudio-Item-status')).toHaveText(
        'Completed',
        { timeout: 2_000 }
      );
      await expect(batch.locator('.smstudio-Item-status')).toHaveText(
        'Completed',
        { timeout: 2_000 }
      );
    }).toPass({ timeout: 90_000 });
    await expect(proc).toContainText('Processing');
    await expect(batch).toContainText('Batch transform');
    await expect(batch).toContainText('1/1 files');
    await sidebar.screenshot({
      path: path.join(SCREENSHOTS, 'jobs-kinds-panel.png')
    });

    // The processing job's detail: stages, where its output went, its log.
    await proc.click();
    const procDetail = page.locator('[data-smstudio-job="galata-proc"]');
    await expect(procDetail).toBeVisible();
    await expect(procDetail.locator('[data-smstudio-kind]')).toHaveText(
      'Processing'
    );
    await expect(procDetail.locator('[data-smstudio-log]')).toContainText(
      'read 2 rows'
    );
    await expect(procDetail.locator('[data-smstudio-outputs]')).toContainText(
      `${tmpPath}/report`
    );
    await expect(procDetail.locator('.smstudio-JobStages')).toContainText(
      'Processing'
    );
    await page.screenshot({
      path: path.join(SCREENSHOTS, 'jobs-processing-detail.png')
    });

    // The batch transform job's detail: progress, data, log.
    await batch.click();
    const batchDetail = page.locator(
      '[data-smstudio-job="galata-transform"]'
    );
    await expect(batchDetail).toBeVisible();
    await expect(batchDetail.locator('[data-smstudio-kind]')).toHaveText(
      'Batch transform'
    );
    await expect(batchDetail.locator('[data-smstudio-progress]')).toHaveText(
      '1/1 files'
    );
    await expect(batchDetail).toContainText('galata-model');
    await page.screenshot({
      path: path.join(SCREENSHOTS, 'jobs-transform-detail.png')
    });
  });

  test('runs a Data Wrangler flow as a processing job', async ({
    page,
    request,
    tmpPath
  }) => {
    test.setTimeout(180_000);
    await page.contents.uploadContent(
      'id,city\n1,Oslo\n2,Bergen\n3,Oslo\n4,Bergen\n',
      'text',
      `${tmpPath}/cities.csv`
    );
    const flow = `${tmpPath}/cities.flow`;
    const created = await request.post(`${API}/wrangler/flows`, {
      data: { name: flow, source: { kind: 'file', path: `${tmpPath}/cities.csv` } }
    });
    expect(created.status()).toBe(201);

    await page.filebrowser.open(flow);
    const editor = page.locator('.smstudio-Wrangler[data-smstudio-flow]');
    await expect(editor).toBeVisible({ timeout: 30_000 });
    await editor.locator('[data-tab="export"]').click();
    await editor.locator('[data-export="processing-job"]').click();
    // A dialog asks the job's options: CSV outputs, the rest as proposed.
    const options = page.locator('.jp-Dialog');
    await options.locator('[data-flow-job-format]').selectOption('csv');
    await options.getByRole('button', { name: 'Start job' }).click();

    // The job's detail opens; the output is saved next to the flow.
    const detail = page.locator('[data-smstudio-job-kind="processing"]');
    await expect(detail).toBeVisible({ timeout: 30_000 });
    await expect(detail.locator('.smstudio-Item-status')).toHaveText(
      'Completed',
      { timeout: 90_000 }
    );
    await expect(detail.locator('[data-smstudio-log]')).toContainText(
      'output: 4 rows written'
    );
    await expect(detail.locator('[data-smstudio-outputs]')).toContainText(
      '/output'
    );
    await page.screenshot({
      path: path.join(SCREENSHOTS, 'jobs-flow-job.png')
    });
  });
});
