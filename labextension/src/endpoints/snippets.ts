/**
 * Copy-ready code that calls an endpoint: boto3, the SageMaker SDK and curl,
 * with the endpoint's name, content type and this server's URLs.
 */

/**
 * What a snippet needs to know.
 */
export interface ISnippetOptions {
  /**
   * The endpoint's name.
   */
  name: string;
  /**
   * The request body's type (`text/csv`, `application/json`).
   */
  contentType: string;
  /**
   * The answer's wanted type.
   */
  accept: string;
  /**
   * A request body of that type.
   */
  body: string;
  /**
   * The SigV4 runtime API (`AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`).
   */
  runtimeUrl: string;
  /**
   * The AWS region the server answers as.
   */
  region: string;
  /**
   * The Jupyter-authenticated invocation route (for curl).
   */
  restUrl: string;
}

export type SnippetId = 'boto3' | 'sdk' | 'curl';

/**
 * The invocation URL of an endpoint on the SigV4 runtime API.
 */
export function runtimeInvocationURL(runtimeUrl: string, name: string): string {
  return `${runtimeUrl.replace(/\/+$/, '')}/endpoints/${encodeURIComponent(name)}/invocations`;
}

/**
 * A Python string literal (JSON's escapes are Python's too).
 */
function py(text: string): string {
  return JSON.stringify(text);
}

/**
 * A single-quoted shell word.
 */
function sh(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/**
 * The SDK's serializer and deserializer classes for the content types.
 */
function sdkCodecs(
  contentType: string,
  accept: string
): { serializer: string; deserializer: string } {
  return {
    serializer:
      contentType === 'application/json' ? 'JSONSerializer' : 'CSVSerializer',
    deserializer: accept === 'text/csv' ? 'CSVDeserializer' : 'JSONDeserializer'
  };
}

/**
 * The Python value the SDK's serializer turns into the body.
 */
function sdkPayload(contentType: string, body: string): string {
  if (contentType === 'application/json') {
    try {
      JSON.parse(body);
      return body.trim(); // JSON arrays of numbers are Python lists too
    } catch {
      // not JSON: send the text as it is
    }
  }
  return py(body.trim());
}

/**
 * The code of one snippet.
 */
export function endpointSnippet(id: SnippetId, o: ISnippetOptions): string {
  switch (id) {
    case 'boto3':
      return [
        'import boto3',
        '',
        '# In an SM Studio kernel the access key is set already; elsewhere set',
        '# AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to one of your access keys.',
        'runtime = boto3.client(',
        '    "sagemaker-runtime",',
        `    endpoint_url=${py(o.runtimeUrl)},`,
        `    region_name=${py(o.region)},`,
        ')',
        'response = runtime.invoke_endpoint(',
        `    EndpointName=${py(o.name)},`,
        `    ContentType=${py(o.contentType)},`,
        `    Accept=${py(o.accept)},`,
        `    Body=${py(o.body)},`,
        ')',
        'print(response["Body"].read().decode())',
        ''
      ].join('\n');
    case 'sdk': {
      const { serializer, deserializer } = sdkCodecs(o.contentType, o.accept);
      return [
        'from sagemaker.deserializers import ' + deserializer,
        'from sagemaker.predictor import Predictor',
        'from sagemaker.serializers import ' + serializer,
        '',
        '# In an SM Studio kernel the SDK finds this server by itself.',
        'predictor = Predictor(',
        `    ${py(o.name)},`,
        `    serializer=${serializer}(),`,
        `    deserializer=${deserializer}(),`,
        ')',
        `print(predictor.predict(${sdkPayload(o.contentType, o.body)}))`,
        ''
      ].join('\n');
    }
    case 'curl':
      return [
        '# JUPYTER_TOKEN: your Jupyter token (or use an access key with boto3).',
        `curl -X POST ${sh(o.restUrl)} \\`,
        '  -H "Authorization: token $JUPYTER_TOKEN" \\',
        `  -H ${sh(`Content-Type: ${o.contentType}`)} \\`,
        `  -H ${sh(`Accept: ${o.accept}`)} \\`,
        `  --data-binary ${sh(o.body)}`,
        ''
      ].join('\n');
  }
}

/**
 * The snippets in the order the page shows them.
 */
export const SNIPPETS: ReadonlyArray<SnippetId> = ['boto3', 'sdk', 'curl'];
