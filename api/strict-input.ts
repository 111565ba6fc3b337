/**
 * Hostile input refused where it enters the API, once for every route, so that no route can
 * forget it and nothing is dropped or altered silently:
 *
 * - a JSON body must be UTF-8 and valid UTF-8 (body-parser would otherwise turn bad bytes into
 *   U+FFFD without a word);
 * - no key `__proto__`, `constructor` or `prototype` at any depth (JSON.parse keeps `__proto__` as
 *   an own key, and zod's object parsing drops it without a word);
 * - no string or key holding control characters, lone surrogates or bidirectional controls
 *   (domain/text.ts `characterProblem`), no number too large for JSON to carry exactly, no nesting
 *   deeper than any body needs;
 * - a query string must be valid percent-encoded UTF-8, held to the same characters; a path
 *   parameter that is not is a 400 too (the router finds it, `parserProblem` names it).
 *
 * What each field must be beyond that is its zod schema's business (api/schemas.ts, the actions).
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { characterProblem } from '../domain/text';
import { type FieldError, Problem } from './problem';

/** Larger bodies are refused with 413 before they are parsed. */
const BODY_LIMIT = '256kb';

/** Keys that name an object's prototype machinery: refused wherever they appear. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** No body of this API nests deeper than a few levels; a deeper one is refused, not walked. */
const MAX_DEPTH = 32;

/** At most this many fields are named in one answer. */
const MAX_ERRORS = 20;

/** Raised from body-parser's `verify`; body-parser keeps `status` and `type`. */
class BodyEncodingError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The body's bytes must be UTF-8 (RFC 8259 §8.1), every one of them. */
function verifyUtf8(_req: IncomingMessage, _res: unknown, buffer: Buffer, encoding: string): void {
  if (encoding !== 'utf-8' && encoding !== 'utf8') throw new BodyEncodingError(415, 'charset.not-utf-8', `charset ${encoding} is not UTF-8`);
  if (!isUtf8(buffer)) throw new BodyEncodingError(400, 'entity.encoding.invalid', 'the body is not valid UTF-8');
}

/** The JSON body parser, then the check of what it parsed: mount once, in front of every route. */
export function jsonBody(): RequestHandler[] {
  return [
    express.json({ limit: BODY_LIMIT, verify: verifyUtf8 }),
    (req: Request, _res: Response, next: NextFunction) => {
      const errors = req.body === undefined ? [] : bodyProblems(req.body);
      if (errors.length === 0) return next();
      next(new Problem('validation', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors }));
    },
  ];
}

const fieldOf = (path: readonly string[]) => (path.length === 0 ? '(body)' : path.join('.'));

/** Every forbidden key, bad string or key, inexact number or too deep a nesting in a parsed JSON body, by field path. */
function bodyProblems(body: unknown): FieldError[] {
  const errors: FieldError[] = [];
  // Iterative, not recursive: a 256 kB body of nested brackets must not exhaust the stack.
  const pending: Array<{ value: unknown; path: string[] }> = [{ value: body, path: [] }];
  while (pending.length > 0 && errors.length < MAX_ERRORS) {
    const { value, path } = pending.pop()!;
    if (typeof value === 'string') {
      const problem = characterProblem(value);
      if (problem) errors.push({ field: fieldOf(path), reason: problem });
      continue;
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) errors.push({ field: fieldOf(path), reason: 'is a number too large to be carried exactly' });
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= MAX_DEPTH) {
      errors.push({ field: fieldOf(path), reason: `is nested deeper than ${MAX_DEPTH} levels` });
      continue;
    }
    // Own keys as JSON.parse made them, `__proto__` included; reversed so fields come out in order.
    for (const [key, child] of Object.entries(value as Record<string, unknown>).reverse()) {
      if (FORBIDDEN_KEYS.has(key)) {
        errors.push({ field: fieldOf([...path, key]), reason: `is a forbidden key (${[...FORBIDDEN_KEYS].join(', ')} are refused at any depth)` });
        continue;
      }
      const keyProblem = characterProblem(key);
      if (keyProblem) {
        errors.push({ field: fieldOf(path), reason: `has a key that ${keyProblem}` });
        continue;
      }
      pending.push({ value: child, path: [...path, key] });
    }
  }
  // The walk goes depth first; answer in the order of the fields' paths.
  return errors.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
}

/**
 * Every name and value of the query string must decode as UTF-8 and pass `characterProblem`
 * (Node's query parser would turn bad bytes into U+FFFD). A 400 names the parameter.
 */
export function strictQuery(): RequestHandler {
  return (req, _res, next) => {
    const at = req.originalUrl.indexOf('?');
    if (at === -1) return next();
    const errors: FieldError[] = [];
    for (const pair of req.originalUrl.slice(at + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const [rawName, rawValue] = eq === -1 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
      const name = decodeQueryPart(rawName);
      const field = typeof name === 'string' && characterProblem(name) === null ? name : '(query)';
      if (name === undefined) {
        errors.push({ field, reason: 'is not valid percent-encoded UTF-8' });
        continue;
      }
      const value = decodeQueryPart(rawValue);
      const problem = value === undefined ? 'is not valid percent-encoded UTF-8' : (characterProblem(name) ?? characterProblem(value));
      if (problem) errors.push({ field, reason: problem });
    }
    if (errors.length === 0) return next();
    next(new Problem('validation', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors }));
  };
}

function decodeQueryPart(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * The problem for an error raised while reading the request (body-parser, the router decoding a
 * path parameter), or undefined for any other error.
 */
export function parserProblem(err: unknown): Problem | undefined {
  const { status, type } = err as { status?: unknown; type?: unknown };
  if (typeof status !== 'number') return undefined;
  const body = (reason: string) => new Problem('validation', `The body ${reason}`, { errors: [{ field: '(body)', reason }] });
  switch (type) {
    case 'entity.parse.failed':
      return body('is not valid JSON');
    case 'entity.encoding.invalid':
      return body('is not valid UTF-8');
    case 'entity.too.large':
      return new Problem('too-large', `The body is larger than ${BODY_LIMIT}`, { errors: [{ field: '(body)', reason: `is larger than ${BODY_LIMIT}` }] });
    case 'charset.not-utf-8':
    case 'charset.unsupported':
      return new Problem('validation', 'A JSON body must be UTF-8', { errors: [{ field: 'Content-Type', reason: 'must be application/json in UTF-8 (no other charset)' }] });
    case 'encoding.unsupported':
      return new Problem('validation', 'The body must not be compressed this way', { errors: [{ field: 'Content-Encoding', reason: 'must be identity, gzip, deflate or br' }] });
  }
  // The router could not decode a path parameter (Express 5 sets 400 on the URIError).
  if (err instanceof URIError && status === 400) {
    return new Problem('validation', 'The path is not valid percent-encoded UTF-8', { errors: [{ field: '(path)', reason: 'is not valid percent-encoded UTF-8' }] });
  }
  if (status === 400 || status === 413 || status === 415) return body('could not be read');
  return undefined;
}
