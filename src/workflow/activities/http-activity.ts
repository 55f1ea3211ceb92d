import type { Json } from '../../graph/types.ts';
import type { RetryPolicy } from '../retry.ts';
import { ActivityConfigError, ActivityError, ActivityErrorCode } from './errors.ts';
import { checkTimeout } from './function-activity.ts';
import type { Activity, ActivityContext, JsonObject } from './types.ts';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

export interface HttpActivityOptions {
  readonly name: string;
  /** A fixed URL, or one computed from the input. */
  readonly url: string | ((input: JsonObject, ctx: ActivityContext) => string);
  /** Default GET. */
  readonly method?: HttpMethod;
  readonly headers?: Readonly<Record<string, string>> | ((input: JsonObject, ctx: ActivityContext) => Readonly<Record<string, string>>);
  /**
   * Body mapping: a string is sent as is; any other JSON value is sent as
   * JSON (with `content-type: application/json` unless a header sets it);
   * undefined sends no body. Default: the input as JSON for POST, PUT and
   * PATCH, no body otherwise.
   */
  readonly body?: (input: JsonObject, ctx: ActivityContext) => Json | undefined;
  /** Default attempt timeout (enforced by the runner through `ctx.signal`). */
  readonly timeoutMs?: number;
  /** Statuses that count as success. Default: any 2xx. */
  readonly okStatuses?: readonly number[];
  /**
   * Header carrying `ctx.idempotencyKey` so the server can drop repeated
   * attempts. Default `Idempotency-Key`; false sends none.
   */
  readonly idempotencyHeader?: string | false;
  readonly retryPolicy?: Partial<RetryPolicy>;
  /** The fetch to use. Default the global `fetch`. */
  readonly fetch?: typeof fetch;
}

/** Keep recorded failure bodies small. */
const MAX_ERROR_BODY = 4096;

/**
 * An HTTP call as an activity, with the global `fetch`, aborted through the
 * attempt's signal. Output: the response body, parsed when the response says
 * it is JSON (`application/json`, `+json`), else text; null when empty.
 *
 * A status outside `okStatuses` fails with code `HTTP_<status>`, retryable
 * for 5xx and 429, not for other statuses; `details` holds
 * `{status, body}`. A fetch that fails without a response fails with
 * HTTP_NETWORK_ERROR (retryable).
 */
export class HttpActivity implements Activity {
  readonly name: string;
  readonly timeoutMs: number | undefined;
  readonly retryPolicy: Partial<RetryPolicy> | undefined;
  private readonly options: HttpActivityOptions;
  private readonly method: HttpMethod;

  constructor(options: HttpActivityOptions) {
    const { name, url } = options;
    if (typeof name !== 'string' || name.trim().length === 0) {
      throw new ActivityConfigError('INVALID_ACTIVITY', `HttpActivity: name must be a non-empty string, got ${JSON.stringify(name)}`);
    }
    if (typeof url !== 'function' && typeof url !== 'string') {
      throw new ActivityConfigError('INVALID_ACTIVITY', `HttpActivity(${name}): url must be a string or a function of the input`);
    }
    if (typeof url === 'string' && !URL.canParse(url)) {
      throw new ActivityConfigError('INVALID_ACTIVITY', `HttpActivity(${name}): url ${JSON.stringify(url)} is not an absolute URL`);
    }
    checkTimeout(`HttpActivity(${name})`, options.timeoutMs);
    this.name = name;
    this.timeoutMs = options.timeoutMs;
    this.retryPolicy = options.retryPolicy;
    this.method = (options.method ?? 'GET').toUpperCase() as HttpMethod;
    this.options = options;
  }

  async execute(input: JsonObject, ctx: ActivityContext): Promise<Json> {
    const o = this.options;
    const url = typeof o.url === 'function' ? o.url(input, ctx) : o.url;
    if (typeof url !== 'string' || !URL.canParse(url)) {
      throw new ActivityError(ActivityErrorCode.HTTP_INVALID_URL, `HttpActivity(${this.name}): url ${JSON.stringify(url)} is not an absolute URL`, { retryable: false });
    }
    const headers = new Headers(typeof o.headers === 'function' ? o.headers(input, ctx) : o.headers);
    const idemHeader = o.idempotencyHeader ?? 'Idempotency-Key';
    if (idemHeader !== false && !headers.has(idemHeader)) headers.set(idemHeader, ctx.idempotencyKey);

    const bodyValue = o.body !== undefined ? o.body(input, ctx) : hasDefaultBody(this.method) ? input : undefined;
    let body: string | undefined;
    if (typeof bodyValue === 'string') {
      body = bodyValue;
    } else if (bodyValue !== undefined) {
      body = JSON.stringify(bodyValue);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }

    const doFetch = o.fetch ?? fetch;
    let res: Response;
    try {
      res = await doFetch(url, { method: this.method, headers, body, signal: ctx.signal });
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw new ActivityError(ActivityErrorCode.HTTP_NETWORK_ERROR, `HttpActivity(${this.name}): ${this.method} ${url} failed: ${errorText(err)}`, { cause: err });
    }

    const ok = o.okStatuses !== undefined ? o.okStatuses.includes(res.status) : res.status >= 200 && res.status < 300;
    if (!ok) {
      const text = await readText(res, ctx);
      throw new ActivityError(`HTTP_${res.status}`, `HttpActivity(${this.name}): ${this.method} ${url} answered ${res.status} ${res.statusText}`.trimEnd(), {
        retryable: res.status >= 500 || res.status === 429,
        details: { status: res.status, body: text.length > MAX_ERROR_BODY ? `${text.slice(0, MAX_ERROR_BODY)}…` : text },
      });
    }

    const text = await readText(res, ctx);
    if (text.length === 0) return null;
    if (!isJsonContentType(res.headers.get('content-type'))) return text;
    try {
      return JSON.parse(text) as Json;
    } catch (err) {
      throw new ActivityError(ActivityErrorCode.HTTP_INVALID_JSON, `HttpActivity(${this.name}): ${this.method} ${url} sent invalid JSON: ${errorText(err)}`, {
        retryable: false,
        cause: err,
      });
    }
  }
}

function hasDefaultBody(method: HttpMethod): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}

function isJsonContentType(ct: string | null): boolean {
  if (ct === null) return false;
  const mime = ct.split(';')[0].trim().toLowerCase();
  return mime === 'application/json' || mime.endsWith('+json');
}

async function readText(res: Response, ctx: ActivityContext): Promise<string> {
  try {
    return await res.text();
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    throw new ActivityError(ActivityErrorCode.HTTP_NETWORK_ERROR, `HttpActivity: reading the response body failed: ${errorText(err)}`, { cause: err });
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
