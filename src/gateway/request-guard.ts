/**
 * The gateway's front door: who may call it. A server holding provider keys on loopback is
 * reachable from every web page the user opens (a `text/plain` POST needs no preflight) and, by
 * DNS rebinding, under any host name; on a network it is reachable by everyone. The guard
 * refuses, before any body is read: a `Host` that is not the server's (DNS rebinding), an
 * `Origin` not allowed by CORS (cross-site requests), a missing or wrong bearer key, and bodies
 * that are not `application/json`. It also answers CORS preflights.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { InvalidRequestError } from './invalid-request.ts';

/** Options of {@link RequestGuard}. */
export interface RequestGuardOptions {
  /**
   * Bearer key(s) clients must send (`Authorization: Bearer KEY`), compared in constant time.
   * Absent: no authentication (only safe on loopback).
   */
  readonly apiKey?: string | readonly string[] | undefined;
  /**
   * Host names (or `host:port`) accepted in the `Host` header besides loopback names
   * (`localhost`, `*.localhost`, `127.x.x.x`, `[::1]`) and {@link listenHosts}; `*` accepts any.
   */
  readonly allowedHosts?: readonly string[] | undefined;
  /** The addresses the server answers on (its listening address, or every interface address for 0.0.0.0). */
  readonly listenHosts?: readonly string[] | undefined;
  /** Browser origins allowed to call (CORS), or `['*']` for any. Absent: no browser origin is allowed. */
  readonly cors?: readonly string[] | undefined;
  /** Extra response headers CORS exposes to browser code. Default: `x-rxllm-ignored-params`, `x-request-id`, `retry-after`. */
  readonly exposeHeaders?: readonly string[] | undefined;
}

/** What the guard reads of a request. */
export interface GuardedRequest {
  readonly method: string;
  /** A header's value (the first, for repeated ones), or `undefined`. */
  header(name: string): string | undefined;
}

/** A CORS preflight answer. */
export interface PreflightAnswer {
  readonly status: 204 | 403;
  readonly headers: Readonly<Record<string, string>>;
  /** The OpenAI-shaped refusal for a 403. */
  readonly error?: InvalidRequestError;
}

/** Headers the gateway always allows in a preflight (what the official SDKs send besides `x-stainless-*`). */
const BASE_ALLOWED_HEADERS = ['authorization', 'content-type', 'openai-organization', 'openai-project', 'x-rxllm-fault'];
/** Limits on a reflected `Access-Control-Request-Headers`. */
const MAX_REQUESTED_HEADERS = 64;
const MAX_REQUESTED_HEADERS_LENGTH = 4096;
/** An HTTP header name (RFC 9110 token). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]{1,128}$/;

/** `Host` header: `name`, `name:port`, `[v6]` or `[v6]:port` → the name without brackets, lower case. */
function hostName(host: string): string | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/i.exec(host.trim());
  if (match === null) return undefined;
  return match[1]!.replace(/^\[|\]$/g, '').toLowerCase();
}

/** Loopback names and addresses. */
function isLoopbackName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || /^127(?:\.\d{1,3}){3}$/.test(name);
}

/** A key's SHA-256, so keys of any length compare in constant time. */
function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * The checks of the gateway's front door, for any server (node:http, Web `Request`s).
 *
 * @example
 * ```ts
 * const guard = new RequestGuard({ apiKey: process.env.GATEWAY_KEY, cors: ['http://localhost:4200'] });
 * const refused = guard.check(nodeGuardedRequest(req));
 * if (refused) return res.writeHead(refused.status, { 'content-type': 'application/json' }).end(JSON.stringify(refused.toBody()));
 * ```
 */
export class RequestGuard {
  private readonly keys: readonly Buffer[];
  private readonly hosts: ReadonlySet<string>;
  private readonly anyHost: boolean;
  private readonly origins: ReadonlySet<string>;
  private readonly anyOrigin: boolean;
  private readonly expose: string;

  constructor(options: RequestGuardOptions = {}) {
    const keys = options.apiKey === undefined ? [] : typeof options.apiKey === 'string' ? [options.apiKey] : options.apiKey;
    if (keys.some((k) => k === '')) throw new TypeError('RequestGuard: an empty apiKey accepts nobody; leave it out or set a long random key.');
    this.keys = keys.map(digest);
    const allowed = [...(options.allowedHosts ?? []), ...(options.listenHosts ?? [])];
    this.anyHost = allowed.includes('*');
    this.hosts = new Set(allowed.map((h) => hostName(h) ?? h.toLowerCase()));
    const cors = options.cors ?? [];
    this.anyOrigin = cors.includes('*');
    this.origins = new Set(cors);
    this.expose = (options.exposeHeaders ?? ['x-rxllm-ignored-params', 'x-request-id', 'retry-after']).join(', ');
  }

  /** Whether a key is required. */
  get authenticates(): boolean {
    return this.keys.length > 0;
  }

  /**
   * The refusal for a request that may not be served, or `undefined`: 403 `host_not_allowed`
   * for a foreign `Host`, 403 `origin_not_allowed` for a browser origin CORS does not allow, 401
   * `invalid_api_key` without the right bearer key. The body is not looked at (see
   * {@link checkBody}).
   */
  check(request: GuardedRequest, { authenticate = true }: { readonly authenticate?: boolean } = {}): InvalidRequestError | undefined {
    const host = request.header('host');
    const name = host === undefined ? undefined : hostName(host);
    if (!this.anyHost && (name === undefined || !(isLoopbackName(name) || this.hosts.has(name) || (host !== undefined && this.hosts.has(host.toLowerCase()))))) {
      return new InvalidRequestError(
        `The Host header '${(host ?? '').slice(0, 100)}' is not an address of this server; add it with rxllm serve --allowed-hosts (protection against DNS rebinding).`,
        { status: 403, code: 'host_not_allowed' },
      );
    }
    const origin = request.header('origin');
    if (origin !== undefined && !this.originAllowed(origin)) {
      return new InvalidRequestError(`Requests from the browser origin '${origin.slice(0, 200)}' are not allowed; allow it with rxllm serve --cors ORIGIN.`, {
        status: 403,
        code: 'origin_not_allowed',
      });
    }
    if (authenticate && this.keys.length > 0) return this.authenticate(request.header('authorization'));
    return undefined;
  }

  /**
   * 415 `unsupported_media_type` unless the body is declared `application/json` (a charset other
   * than UTF-8 too): the content types a web page may POST without a preflight (`text/plain`,
   * form encodings) never reach the provider.
   */
  checkBody(request: GuardedRequest): InvalidRequestError | undefined {
    const type = request.header('content-type') ?? '';
    const [media, ...params] = type.split(';').map((s) => s.trim().toLowerCase());
    const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
    if (media === 'application/json' && (charset === undefined || charset === 'utf-8' || charset === 'utf8')) return undefined;
    return new InvalidRequestError(`The request body must be JSON with 'Content-Type: application/json', not '${type.slice(0, 100) || 'none'}'.`, {
      status: 415,
      code: 'unsupported_media_type',
    });
  }

  /** CORS headers for an answer to `request` (none when it has no allowed `Origin`). */
  corsHeaders(request: GuardedRequest): Record<string, string> {
    const origin = request.header('origin');
    if (origin === undefined || !this.originAllowed(origin)) return {};
    return {
      'access-control-allow-origin': this.anyOrigin ? '*' : origin,
      'access-control-expose-headers': this.expose,
      ...(this.anyOrigin ? {} : { vary: 'origin' }),
    };
  }

  /**
   * The answer to an `OPTIONS` preflight: 204 allowing the methods and the requested headers
   * (`Access-Control-Request-Headers` reflected when each is a header name, at most 64, so the
   * SDKs' `x-stainless-*` headers pass), or 403 for an origin CORS does not allow.
   */
  preflight(request: GuardedRequest): PreflightAnswer {
    const refused = this.check(request, { authenticate: false });
    const origin = request.header('origin');
    if (refused !== undefined || origin === undefined) {
      const error = refused ?? new InvalidRequestError('A CORS preflight needs an Origin header.', { status: 403, code: 'origin_not_allowed' });
      return { status: 403, headers: {}, error };
    }
    const requested = (request.header('access-control-request-headers') ?? '')
      .slice(0, MAX_REQUESTED_HEADERS_LENGTH)
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => TOKEN.test(h))
      .slice(0, MAX_REQUESTED_HEADERS);
    const allowHeaders = [...new Set([...BASE_ALLOWED_HEADERS, ...requested])].join(', ');
    return {
      status: 204,
      headers: {
        ...this.corsHeaders(request),
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': allowHeaders,
        'access-control-max-age': '600',
        vary: 'origin, access-control-request-headers',
      },
    };
  }

  private originAllowed(origin: string): boolean {
    return this.anyOrigin || this.origins.has(origin);
  }

  private authenticate(authorization: string | undefined): InvalidRequestError | undefined {
    const match = authorization === undefined ? null : /^Bearer +(\S+) *$/i.exec(authorization);
    if (match === null) {
      return new InvalidRequestError(
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        { status: 401, code: 'invalid_api_key' },
      );
    }
    const given = digest(match[1]!);
    let ok = false;
    for (const key of this.keys) ok = timingSafeEqual(given, key) || ok;
    if (ok) return undefined;
    return new InvalidRequestError('Incorrect API key provided. Use the key this server was started with (rxllm serve --api-key / RXLLM_API_KEY).', {
      status: 401,
      code: 'invalid_api_key',
    });
  }
}

/** A node:http request as the guard reads it. */
export function nodeGuardedRequest(req: IncomingMessage): GuardedRequest {
  return {
    method: req.method ?? 'GET',
    header(name) {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    },
  };
}

/** A Web `Request` as the guard reads it. */
export function webGuardedRequest(request: Request): GuardedRequest {
  return {
    method: request.method,
    header(name) {
      const value = request.headers.get(name) ?? undefined;
      // Web runtimes may keep the host in the URL only
      if (value === undefined && name === 'host') return new URL(request.url).host;
      return value;
    },
  };
}
