import { expect, galata, test } from '@jupyterlab/galata';

/**
 * Idle shutdown: an unsaved notebook is saved before its idle kernel is shut
 * down. The "idle-test" kernelspec (see jupyter_server_test_config.py) idles
 * out after 20 s and the frontend warns 15 s ahead.
 */
test.use({
  mockSettings: {
    ...galata.DEFAULT_SETTINGS,
    '@jupyterlab/docmanager-extension:plugin': {
      ...galata.DEFAULT_SETTINGS['@jupyterlab/docmanager-extension:plugin'],
      autosave: false
    }
  }
});

async function onDisk(
  request: { get(url: string): Promise<{ text(): Promise<string> }> },
  path: string
): Promise<string> {
  const reply = await request.get(
    `/api/contents/${path}?content=1&type=notebook`
  );
  return reply.text();
}

test('an unsaved notebook is saved before its idle kernel is shut down', async ({
  page,
  tmpPath
}) => {
  test.setTimeout(120_000);
  const name = 'idle.ipynb';
  const path = `${tmpPath}/${name}`;
  const notebook = {
    cells: [
      {
        cell_type: 'code',
        source: '',
        metadata: {},
        outputs: [],
        execution_count: null
      }
    ],
    metadata: {
      kernelspec: {
        name: 'idle-test',
        display_name: 'Python 3 (idle test)',
        language: 'python'
      }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
  await page.contents.uploadContent(JSON.stringify(notebook), 'text', path);
  await page.filebrowser.refresh();
  await page.notebook.open(name);
  await expect(
    page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
  ).toHaveCount(1, { timeout: 30_000 });
  await page.notebook.setCell(0, 'code', 'typed_before_idle = 42');
  // Unsaved: the text is only in the browser.
  expect(await onDisk(page.request, path)).not.toContain('typed_before_idle');

  const warning = page
    .locator('.jp-toast-container, .Toastify')
    .getByText(/will be shut down for inactivity/);
  await expect(warning).toBeVisible({ timeout: 60_000 });
  await expect(
    page.getByRole('button', { name: 'Keep running' })
  ).toBeVisible();

  // Saved while the kernel still runs.
  await expect
    .poll(() => onDisk(page.request, path), { timeout: 15_000 })
    .toContain('typed_before_idle = 42');
  const kernels = await page.request.get('/api/kernels');
  const running = (await kernels.json()) as Array<{ name: string }>;
  expect(running.map(k => k.name)).toContain('idle-test');

  // Then the culler shuts it down.
  await expect
    .poll(
      async () => {
        const r = await page.request.get('/api/kernels');
        return ((await r.json()) as Array<{ name: string }>).map(k => k.name);
      },
      { timeout: 60_000 }
    )
    .not.toContain('idle-test');
});
