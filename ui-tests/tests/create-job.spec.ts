import { expect, test } from '@jupyterlab/galata';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import * as path from 'path';

/**
 * Screenshots a person can look at (git-ignored).
 */
const SCREENSHOTS = path.resolve(__dirname, '..', 'screenshots');
/**
 * The job's name: one per attempt, so a retry does not meet the first one's.
 */
const job = (): string =>
  `galata-form-job${test.info().retry ? `-r${test.info().retry}` : ''}`;

/**
 * Trains (writes weights, logs a loss) as the job; serves them when the
 * model server imports it (model_fn), as SageMaker's script mode does.
 */
const TRAIN = [
  'import argparse, os, time',
  'import numpy as np',
  '',
  'def model_fn(model_dir):',
  '    return np.load(os.path.join(model_dir, "weights.npy"))',
  '',
  'def predict_fn(data, model):',
  '    return (np.asarray(data, dtype=float) @ model).tolist()',
  '',
  'if __name__ == "__main__":',
  '    parser = argparse.ArgumentParser()',
  "    parser.add_argument('--epochs', type=int)",
  '    args = parser.parse_args()',
  '    rows = open(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "train.csv")).read().split()',
  '    for epoch in range(args.epochs):',
  "        print(f'epoch {epoch} loss={1 / (epoch + 1):.3f}', flush=True)",
  '        time.sleep(0.3)',
  '    np.save(os.path.join(os.environ["SM_MODEL_DIR"], "weights.npy"), np.array([1.0, 2.0, 3.0]))',
  '    print(f"trained on {len(rows)} rows", flush=True)'
].join('\n');

async function shoot(
  page: IJupyterLabPageFixture,
  name: string
): Promise<void> {
  await page
    .locator('#jp-main-dock-panel')
    .screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

test.describe('Create a job from the form', () => {
  test.use({ viewport: { width: 1400, height: 1000 } });
  test.setTimeout(240_000);

  // Model servers outlive the Jupyter server by design: never leave one behind.
  test.afterEach(async ({ request }) => {
    await request.delete(`/smstudio/api/endpoints/${job()}`);
  });

  test('form → Completed → Deploy from the job page → InService', async ({
    page,
    tmpPath
  }) => {
    const JOB = job();
    await page.contents.uploadContent(TRAIN, 'text', `${tmpPath}/src/train.py`);
    await page.contents.uploadContent(
      '1,2,3\n4,5,6\n',
      'text',
      `${tmpPath}/data/train.csv`
    );

    // "+ New" in the Jobs section opens the training form.
    await page.sidebar.openTab('smstudio-sidebar');
    const jobs = page.locator('[data-smstudio-section="jobs"]');
    await jobs.locator('[data-smstudio-new="jobs"]').click();
    await jobs.getByRole('menuitem', { name: 'Training job' }).click();
    const form = page.locator('[data-smstudio-form="training"]');
    await expect(form).toBeVisible();
    const field = (key: string) => form.locator(`[data-smstudio-field="${key}"]`);

    await field('name').locator('input').fill(JOB);
    // The script is picked from the file browser's tree; the folder comes with it.
    await field('entry_point').getByRole('button', { name: /Browse/ }).click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.locator(`[data-smstudio-pick="${tmpPath}"]`).click();
    await dialog.locator('[data-smstudio-pick="src"]').click();
    await dialog.locator('[data-smstudio-pick="train.py"]').click();
    await dialog.getByRole('button', { name: 'Choose' }).click();
    await expect(field('entry_point').locator('input')).toHaveValue('train.py');
    await expect(field('source_dir').locator('input')).toHaveValue(
      `${tmpPath}/src`
    );

    await field('channels').getByRole('button', { name: 'Add a channel' }).click();
    await field('channels').getByLabel('Channel name 1', { exact: true }).fill('train');
    await field('channels')
      .getByLabel('Path or s3:// address 1', { exact: true })
      .fill(`${tmpPath}/data`);
    await field('hyperparameters')
      .getByRole('button', { name: 'Add a hyperparameter' })
      .click();
    await field('hyperparameters').getByLabel('Name 1', { exact: true }).fill('epochs');
    await field('hyperparameters').getByLabel('Value 1', { exact: true }).fill('3');
    await field('metric_definitions')
      .getByRole('button', { name: 'Add a metric' })
      .click();
    await field('metric_definitions').getByLabel('Metric name 1', { exact: true }).fill('loss');
    await field('metric_definitions')
      .getByLabel('Regular expression 1', { exact: true })
      .fill('loss=([0-9.]+)');

    // A mistake is told beside its field, in plain words; nothing starts.
    await field('instance_count').locator('input').fill('0');
    await form.getByRole('button', { name: 'Create training job' }).click();
    await expect(
      field('instance_count').locator('[data-smstudio-field-error]')
    ).toBeVisible();
    await shoot(page, 'create-job-form-error');
    await field('instance_count').locator('input').fill('1');
    await form.getByRole('button', { name: 'Create training job' }).click();

    // The job's page opens and follows it to Completed.
    const detail = page.locator(`[data-smstudio-job="${JOB}"]`);
    await expect(detail.locator('[data-smstudio-status]')).toHaveText(
      'Completed',
      { timeout: 120_000 }
    );
    await expect(detail.locator('[data-smstudio-log]')).toContainText(
      'trained on 2 rows'
    );
    await expect(detail.locator('[data-smstudio-secondary]')).toHaveCount(0);
    await expect(detail.getByRole('button', { name: 'Stop' })).toHaveCount(0);
    await expect(
      detail.locator('.smstudio-JobStages li[data-state="done"]').last()
    ).toContainText('Completed');
    await expect(detail.locator('[data-smstudio-channels]')).toContainText(
      `${tmpPath}/data`
    );
    const chart = detail.locator('[data-smstudio-metric="loss"]');
    await expect(chart.locator('.smstudio-JobChart-axis')).toHaveCount(2);
    await expect(chart).toContainText('seconds since the first value');
    await shoot(page, 'create-job-completed');

    // Deploy: model + endpoint named after the job; the endpoint opens.
    await detail.locator('[data-smstudio-action="deploy"]').click();
    await expect(detail.locator('[data-smstudio-deploy]')).toBeVisible();
    const endpoint = page.locator(`[data-smstudio-endpoint="${JOB}"]`);
    await expect(endpoint.locator('.smstudio-Item-status').first()).toHaveText(
      'InService',
      { timeout: 90_000 }
    );
    await endpoint.locator('[data-smstudio-body]').fill('1,1,1');
    await endpoint.locator('[data-smstudio-invoke]').click();
    await expect(
      endpoint.locator('[data-smstudio-result] [data-smstudio-response]')
    ).toContainText('6');

    // Back on the job page: what it made is linked.
    await page.getByRole('tab', { name: `Training: ${JOB}` }).click();
    await expect(
      detail.locator(`[data-smstudio-endpoint-link="${JOB}"]`)
    ).toBeVisible({ timeout: 30_000 });
    await shoot(page, 'create-job-deployed');

    // The Jobs page lists it.
    await jobs.locator('[data-smstudio-open-table="jobs"]').click();
    const table = page.locator('[data-smstudio-table="jobs"]');
    await expect(table.locator(`[data-smstudio-row="${JOB}"]`)).toContainText(
      'loss=0.333'
    );
    await shoot(page, 'jobs-page');

    // The same pages in the dark theme.
    await page.theme.setDarkTheme();
    await shoot(page, 'jobs-page-dark');
    await page.getByRole('tab', { name: `Training: ${JOB}` }).click();
    await shoot(page, 'create-job-deployed-dark');
    await detail.locator('[data-smstudio-action="clone"]').click();
    const clone = page.locator('[data-smstudio-form="training"]');
    await expect(clone.locator('[data-smstudio-field="name"] input')).toHaveValue(
      `${JOB}-2`
    );
    await shoot(page, 'clone-form-dark');
    await page.theme.setLightTheme();
  });
});
