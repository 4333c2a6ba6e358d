/**
 * "How to call it": the endpoint's invocation URLs and copy-ready boto3,
 * SageMaker SDK and curl snippets.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { getEnvironment } from '../api';
import { CopyableCode, CopyableTerm } from '../components/copy';
import { Tabs } from '../components/tabs';
import { sampleBody } from './format';
import { endpointSnippet, runtimeInvocationURL, SNIPPETS } from './snippets';
import type { SnippetId } from './snippets';

/**
 * This server's URLs for an endpoint: the SigV4 runtime API (from
 * `POST /environment`) and the Jupyter-authenticated REST route.
 */
export function useEndpointURLs(name: string): {
  runtimeUrl: string;
  region: string;
  restUrl: string;
} {
  const base = ServerConnection.makeSettings().baseUrl;
  const fallback = URLExt.join(base, 'smstudio/runtime');
  const [env, setEnv] = React.useState<Record<string, string>>({});
  React.useEffect(() => {
    getEnvironment({ poll: true })
      .then(setEnv)
      .catch(() => setEnv({}));
  }, []);
  return {
    runtimeUrl: env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME || fallback,
    region: env.AWS_REGION || 'us-east-1',
    restUrl: URLExt.join(
      base,
      'smstudio/api/endpoints',
      encodeURIComponent(name),
      'invocations'
    )
  };
}

export function HowToCall(props: {
  name: string;
  contentType: string;
  accept: string;
  trans: TranslationBundle;
}): React.ReactElement {
  const { name, contentType, accept, trans } = props;
  const urls = useEndpointURLs(name);
  const options = {
    name,
    contentType,
    accept,
    body: sampleBody(contentType),
    ...urls
  };
  const sigv4 = runtimeInvocationURL(urls.runtimeUrl, name);
  const labels: Record<SnippetId, string> = {
    boto3: trans.__('boto3'),
    sdk: trans.__('SageMaker SDK'),
    curl: trans.__('curl')
  };
  return (
    <section
      className="smstudio-EndpointCall"
      aria-labelledby="smstudio-call-title"
      data-smstudio-call=""
    >
      <h3 id="smstudio-call-title">{trans.__('How to call it')}</h3>
      <dl className="smstudio-EndpointCall-urls">
        <CopyableTerm
          term={trans.__('Invocation URL (SigV4, access key)')}
          text={sigv4}
          label={trans.__('Copy the invocation URL')}
          data={{ 'data-smstudio-url': 'runtime' }}
          trans={trans}
        />
        <CopyableTerm
          term={trans.__('From the Lab (Jupyter token)')}
          text={urls.restUrl}
          label={trans.__('Copy the Jupyter invocation URL')}
          data={{ 'data-smstudio-url': 'rest' }}
          trans={trans}
        />
        <dt>{trans.__('Content type')}</dt>
        <dd>
          <code>{contentType}</code> → <code>{accept}</code>{' '}
          <span className="smstudio-Hint">
            {trans.__('(change them in the test console below)')}
          </span>
        </dd>
      </dl>
      <Tabs
        idPrefix={`smstudio-snippets-${name}`}
        label={trans.__('Code that calls %1', name)}
        tabs={SNIPPETS.map(id => ({
          id,
          label: labels[id],
          content: (
            <CopyableCode
              id={id}
              code={endpointSnippet(id, options)}
              label={trans.__('Copy the %1 snippet', labels[id])}
              trans={trans}
            />
          )
        }))}
      />
    </section>
  );
}
