import { runInNewContext } from 'node:vm';
import { buildOpenApiDocument } from '../../shared/openapi/document';
import { callFunction } from '../../shared/testing/http';
import { registry } from '../registry';
import { renderSwaggerPage } from './swagger-page';

const expectedDocument = JSON.parse(JSON.stringify(buildOpenApiDocument(registry)));

describe('GET /openapi.json', () => {
  it('serves the OpenAPI document of every registered function', async () => {
    const response = await callFunction('docs').get('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.body).toEqual(expectedDocument);
  });

  it('answers with a trailing slash too', async () => {
    const response = await callFunction('docs').get('/openapi.json/');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
  });
});

describe('GET /swagger/', () => {
  it('serves a self-contained page with the document embedded', async () => {
    const response = await callFunction('docs').get('/swagger/');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    const { document } = pageParts(response.text);
    expect(document).toEqual(expectedDocument);
    // Offline: nothing is loaded from elsewhere.
    expect(response.text).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('renders every operation and sends "try it" requests with the key', async () => {
    const page = pageParts((await callFunction('docs').get('/swagger')).text);
    const requests: Array<{ url: string; init: { method: string; headers: Record<string, string>; body?: string } }> = [];
    const dom = runPage(page, (url, init) => {
      requests.push({ url, init });
      return Promise.resolve({ status: 200, statusText: 'OK', text: () => Promise.resolve('{"ok":true}') });
    });

    const operations = dom.root.findAll((node) => node.tag === 'details' && /^op /.test(node.attributes.class ?? ''));
    const documented = Object.values(expectedDocument.paths as Record<string, object>).flatMap((methods) => Object.keys(methods));
    expect(operations).toHaveLength(documented.length);
    expect(dom.root.findAll((node) => node.tag === 'h1')[0].textContent).toBe('fulfillment-functions API v1');

    const route = listedRoute(expectedDocument, 'get', (operation) => operation.security.length > 0 && operation.parameters.some((p) => p.in === 'path'));
    const view = operations.find((node) => node.attributes.id === route.operation.operationId)!;
    dom.byId('api-key').value = 'the-key';
    const inputs = view.findAll((node) => node.tag === 'input');
    route.operation.parameters.forEach((parameter, index) => {
      if ('name' in parameter) inputs[index].value = parameter.in === 'path' ? 'a b' : '2';
    });
    view.findAll((node) => node.tag === 'button')[0].click();

    expect(requests).toHaveLength(1);
    const pathParameter = route.operation.parameters.find((parameter) => parameter.in === 'path')!.name;
    expect(requests[0].url.startsWith(route.path.replace(`{${pathParameter}}`, 'a%20b'))).toBe(true);
    expect(requests[0].init).toMatchObject({ method: 'GET', headers: { Authorization: 'token the-key' } });
  });

  it('keeps a document value from closing the script element it is embedded in', () => {
    const hostile = JSON.stringify({ info: { title: '</script><script>alert(1)</script>' } });
    const page = renderSwaggerPage(hostile, '<title>');
    expect(page.match(/<\/script>/g)).toHaveLength(2);
    expect(pageParts(page).document).toEqual(JSON.parse(hostile));
    expect(page).toContain('<title>&#60;title&#62;</title>');
  });
});

describe('docs routing', () => {
  it('answers 404 in the API error shape for another document', async () => {
    const response = await callFunction('docs').get('/secrets.json');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });

  it('answers 405 for another method', async () => {
    const response = await callFunction('docs').post('/openapi.json').send({});
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET');
  });
});

interface Page {
  document: unknown;
  documentJson: string;
  script: string;
}

function pageParts(html: string): Page {
  const documentJson = /<script id="openapi-document" type="application\/json">([\s\S]*?)<\/script>/.exec(html)![1];
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1];
  return { document: JSON.parse(documentJson), documentJson, script };
}

type DocumentedOperation = { operationId: string; security: unknown[]; parameters: Array<{ name: string; in: string }> };

function listedRoute(document: { paths: Record<string, Record<string, DocumentedOperation>> }, method: string, matches: (operation: DocumentedOperation) => boolean) {
  const [path, methods] = Object.entries(document.paths).find(([, candidate]) => candidate[method] && matches(candidate[method]))!;
  return { path, operation: methods[method] };
}

/** Just enough DOM for the page script: elements, text, attributes, events. */
class FakeElement {
  readonly children: FakeElement[] = [];
  readonly attributes: Record<string, string> = {};
  private readonly listeners: Record<string, Array<() => void>> = {};
  private text = '';
  value = '';

  constructor(readonly tag: string) {}

  get textContent(): string {
    return this.text + this.children.map((child) => child.textContent).join('');
  }

  set textContent(value: string) {
    this.children.length = 0;
    this.text = value;
  }

  appendChild(child: FakeElement) {
    this.children.push(child);
    return child;
  }

  setAttribute(name: string, value: string) {
    this.attributes[name] = value;
  }

  addEventListener(type: string, listener: () => void) {
    (this.listeners[type] ??= []).push(listener);
  }

  click() {
    this.listeners.click?.forEach((listener) => listener());
  }

  findAll(matches: (node: FakeElement) => boolean): FakeElement[] {
    return this.children.flatMap((child) => [...(matches(child) ? [child] : []), ...child.findAll(matches)]);
  }
}

type Fetch = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<unknown>;

function runPage(page: Page, fetch: Fetch) {
  const root = new FakeElement('main');
  const embedded = new FakeElement('script');
  embedded.textContent = page.documentJson;
  const byId = (id: string) => (id === 'app' ? root : id === 'openapi-document' ? embedded : root.findAll((node) => node.attributes.id === id)[0]);
  const document = {
    getElementById: byId,
    createElement: (tag: string) => new FakeElement(tag),
    createTextNode: (text: string) => Object.assign(new FakeElement('#text'), { textContent: text }),
  };
  const sessionStorage = { getItem: () => null, setItem: () => undefined };
  runInNewContext(page.script, { document, sessionStorage, fetch, URLSearchParams });
  return { root, byId };
}
