import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpActivity, runAttempt, type AttemptInfo, type JsonObject } from '../../../src/workflow/activities/index.ts';
import { SystemClock } from '../../../src/workflow/clock.ts';

const info: AttemptInfo = { executionId: 'e1', taskId: 't1', attempt: 1, idempotencyKey: 'e1/t1' };
const clock = new SystemClock();

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
const requests: Seen[] = [];
let slowAborted: Promise<boolean>;
let resolveSlowAborted: (v: boolean) => void;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

beforeAll(async () => {
  slowAborted = new Promise((r) => (resolveSlowAborted = r));
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const path = req.url!.split('?')[0];
      switch (path) {
        case '/ok':
          return json(res, 200, { ok: true, method: req.method, echo: body === '' ? null : JSON.parse(body) });
        case '/problem':
          res.writeHead(200, { 'content-type': 'application/problem+json' });
          return res.end('{"title":"fine"}');
        case '/text':
          res.writeHead(200, { 'content-type': 'text/plain' });
          return res.end('plain words');
        case '/empty':
          res.writeHead(204);
          return res.end();
        case '/bad-json':
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end('{nope');
        case '/fail':
          return json(res, 500, { error: 'database down' });
        case '/busy':
          return json(res, 429, { error: 'slow down' });
        case '/missing':
          return json(res, 404, { error: 'no such thing' });
        case '/accepted':
          return json(res, 202, { queued: true });
        case '/slow':
          // Never answers; reports whether the client went away.
          res.on('close', () => resolveSlowAborted(!res.writableEnded));
          return;
        default:
          return json(res, 404, {});
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const run = (a: HttpActivity, input: JsonObject = {}) => runAttempt(a, input, info, { clock, timeoutMs: 10_000 });

describe('HttpActivity', () => {
  it('GETs and parses a JSON response, sending the idempotency key', async () => {
    const a = new HttpActivity({ name: 'get', url: `${base}/ok` });
    expect(await run(a)).toEqual({ ok: true, output: { ok: true, method: 'GET', echo: null } });
    const req = requests.at(-1)!;
    expect(req.method).toBe('GET');
    expect(req.headers['idempotency-key']).toBe('e1/t1');
  });

  it('POSTs the input as JSON by default, with a URL and headers from the input', async () => {
    const a = new HttpActivity({
      name: 'post',
      method: 'POST',
      url: (input) => `${base}/ok?id=${encodeURIComponent(String(input.id))}`,
      headers: (input) => ({ 'x-tenant': String(input.tenant) }),
      idempotencyHeader: 'X-Request-Id',
    });
    const r = await run(a, { id: 'a b', tenant: 'acme' });
    expect(r).toEqual({ ok: true, output: { ok: true, method: 'POST', echo: { id: 'a b', tenant: 'acme' } } });
    const req = requests.at(-1)!;
    expect(req.url).toBe('/ok?id=a%20b');
    expect(req.headers['x-tenant']).toBe('acme');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-request-id']).toBe('e1/t1');
    expect(req.headers['idempotency-key']).toBeUndefined();
  });

  it('uses the body mapping; a string body is sent as is', async () => {
    const mapped = new HttpActivity({ name: 'm', method: 'PUT', url: `${base}/ok`, body: (input) => ({ wrapped: input }) });
    expect(await run(mapped, { n: 1 })).toMatchObject({ ok: true, output: { echo: { wrapped: { n: 1 } } } });
    const raw = new HttpActivity({ name: 'r', method: 'POST', url: `${base}/text`, body: () => 'hello', headers: { 'content-type': 'text/plain' }, idempotencyHeader: false });
    await run(raw);
    const req = requests.at(-1)!;
    expect(req.body).toBe('hello');
    expect(req.headers['content-type']).toBe('text/plain');
    expect(req.headers['idempotency-key']).toBeUndefined();
  });

  it('returns text for non-JSON, null for empty, parses +json', async () => {
    expect(await run(new HttpActivity({ name: 't', url: `${base}/text` }))).toEqual({ ok: true, output: 'plain words' });
    expect(await run(new HttpActivity({ name: 'e', url: `${base}/empty` }))).toEqual({ ok: true, output: null });
    expect(await run(new HttpActivity({ name: 'p', url: `${base}/problem` }))).toEqual({ ok: true, output: { title: 'fine' } });
  });

  it('fails HTTP_500 as retryable, with status and body in details', async () => {
    const r = await run(new HttpActivity({ name: 'f', url: `${base}/fail` }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ code: 'HTTP_500', retryable: true, details: { status: 500, body: '{"error":"database down"}' } });
    expect(r.error.message).toContain('HttpActivity(f)');
  });

  it('fails HTTP_429 as retryable and HTTP_404 as not', async () => {
    const busy = await run(new HttpActivity({ name: 'b', url: `${base}/busy` }));
    expect(busy.ok === false && busy.error).toMatchObject({ code: 'HTTP_429', retryable: true });
    const missing = await run(new HttpActivity({ name: 'n', url: `${base}/missing` }));
    expect(missing.ok === false && missing.error).toMatchObject({ code: 'HTTP_404', retryable: false });
  });

  it('okStatuses replaces the 2xx rule', async () => {
    const a = new HttpActivity({ name: 'o', url: `${base}/missing`, okStatuses: [200, 404] });
    expect(await run(a)).toEqual({ ok: true, output: { error: 'no such thing' } });
    const b = new HttpActivity({ name: 'o2', url: `${base}/accepted`, okStatuses: [200] });
    const r = await run(b);
    expect(r.ok === false && r.error).toMatchObject({ code: 'HTTP_202', retryable: false });
  });

  it('fails HTTP_INVALID_JSON when a JSON response does not parse', async () => {
    const r = await run(new HttpActivity({ name: 'j', url: `${base}/bad-json` }));
    expect(r.ok === false && r.error).toMatchObject({ code: 'HTTP_INVALID_JSON', retryable: false });
  });

  it('fails HTTP_NETWORK_ERROR (retryable) when nothing answers', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await run(new HttpActivity({ name: 'down', url: `http://127.0.0.1:${port}/` }));
    expect(r.ok === false && r.error).toMatchObject({ code: 'HTTP_NETWORK_ERROR', retryable: true });
  });

  it('a timeout aborts the request, and the server sees the client leave', async () => {
    const a = new HttpActivity({ name: 'slow', url: `${base}/slow`, timeoutMs: 100 });
    const r = await runAttempt(a, {}, info, { clock });
    expect(r.ok === false && r.error).toMatchObject({ code: 'ACTIVITY_TIMEOUT', retryable: true });
    expect(await slowAborted).toBe(true);
  });

  it('a computed URL that is not absolute fails HTTP_INVALID_URL (not retryable)', async () => {
    const r = await run(new HttpActivity({ name: 'u', url: (i) => `/items/${String(i.id)}` }), { id: 1 });
    expect(r.ok === false && r.error).toMatchObject({ code: 'HTTP_INVALID_URL', retryable: false });
  });

  it('refuses a relative URL or a missing name at construction', () => {
    expect(() => new HttpActivity({ name: 'x', url: '/relative' })).toThrow(expect.objectContaining({ code: 'INVALID_ACTIVITY' }));
    expect(() => new HttpActivity({ name: '', url: base })).toThrow(expect.objectContaining({ code: 'INVALID_ACTIVITY' }));
  });
});
