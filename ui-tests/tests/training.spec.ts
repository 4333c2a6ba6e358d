import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

/**
 * Screenshots a person can look at (git-ignored).
 */
const SCREENSHOTS = path.resolve(__dirname, '..', 'screenshots');

const SCRIPT = [
  '%%train --name galata-job --metric loss=loss=([0-9.]+) --hp epochs=3',
  'import argparse, time',
  'parser = argparse.ArgumentParser()',
  "parser.add_argument('--epochs', type=int)",
  'args = parser.parse_args()',
  'for epoch in range(args.epochs):',
  "    print(f'epoch {epoch} loss={1 / (epoch + 1):.3f}', flush=True)",
  '    time.sleep(0.5)'
].join('\n');

test.describe('Training jobs', () => {
  test.setTimeout(180_000);

  test('a %%train cell runs a job that completes in the Jobs panel', async ({
    page
  }) => {
    await page.notebook.createNew('train.ipynb');
    await page.notebook.setCell(0, 'code', '%load_ext jupyter_smstudio');
    await page.notebook.runCell(0, true);
    await page.notebook.addCell('code', SCRIPT);
    await page.notebook.runCell(1, true);

    // The live view in the cell output: status, stages, metric chart, log tail.
    const output = page
      .locator('.jp-Cell')
      .nth(1)
      .locator('.jp-OutputArea-output')
      .first();
    await expect(output).toContainText('Completed', { timeout: 60_000 });
    await expect(output).toContainText('epoch 2 loss=0.333');
    await expect(output.locator('svg polyline')).toHaveCount(1);
    await output.screenshot({ path: path.join(SCREENSHOTS, 'train-magic.png') });

    // The sidebar section lists it with profile, duration and final metrics.
    await page.sidebar.openTab('smstudio-sidebar');
    const sidebar = page.locator('#smstudio-sidebar');
    await page.getByTitle('Refresh Jobs').click();
    const item = sidebar.locator('[data-smstudio-item="galata-job"]');
    await expect(item).toContainText('Completed', { timeout: 30_000 });
    await expect(item).toContainText('loss=0.333');
    await sidebar.screenshot({ path: path.join(SCREENSHOTS, 'jobs-panel.png') });

    // Its detail view: log, metric chart, hyperparameters, artifacts.
    await item.click();
    const detail = page.locator('[data-smstudio-job="galata-job"]');
    await expect(detail).toBeVisible();
    await expect(detail.locator('[data-smstudio-log]')).toContainText(
      'epoch 2 loss=0.333'
    );
    await expect(detail.locator('[data-smstudio-metric="loss"]')).toBeVisible();
    await expect(detail).toContainText('epochs');
    await expect(detail.getByRole('link', { name: 'model.tar.gz' })).toBeVisible();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'job-detail.png') });
  });
});
