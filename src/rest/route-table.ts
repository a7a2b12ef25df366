// One table of routes serves twice: it mounts the handlers (validating path
// parameters, query and JSON body with zod first) and it produces the OpenAPI
// document, so the contract is written once.
import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { InvalidArgumentError } from '../errors.js';
import { PROBLEM_TYPE } from './problem.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** An OpenAPI schema object, for content zod does not describe (bytes, text). */
export type SchemaObject = Record<string, unknown>;

export interface ResponseDoc {
  description: string;
  /** A JSON body, described by a zod schema. */
  schema?: z.ZodType;
  /** Other content: media type → schema object. */
  content?: Record<string, SchemaObject>;
  headers?: Record<string, { description: string; schema: SchemaObject }>;
}

export interface RequestBodyDoc {
  description: string;
  required?: boolean;
  content: Record<string, SchemaObject>;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

type Parsed<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface RouteSpec<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
> {
  method: Method;
  /** Express path syntax (`/api/v1/files/:sha256`); also the metrics route label. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  /** OpenAPI tag: the area (files, status, ops, ...). */
  tag: string;
  params?: P;
  query?: Q;
  /** A JSON body, parsed and validated before the handler runs. */
  body?: B;
  /** Largest JSON body, bytes (default 64 KiB). */
  bodyLimit?: number;
  /** Documents a body the handler reads itself (uploads). */
  streamedBody?: RequestBodyDoc;
  responses: Record<number, ResponseDoc>;
  /**
   * Translates one request into core calls. A returned value is sent as JSON
   * (with the status the handler set, 200 by default); undefined means the
   * handler answered itself.
   */
  handler(input: RouteInput<Parsed<P>, Parsed<Q>, Parsed<B>>, req: Request, res: Response): unknown;
}

/** A route of any shape, as the table holds it. */
export type Route = RouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>;

/** Keeps the handler's input typed from the schemas. */
export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(spec: RouteSpec<P, Q, B>): Route {
  return spec as unknown as Route;
}

/** A JSON response documented by its zod schema. */
export function json(description: string, schema: z.ZodType): ResponseDoc {
  return { description, schema };
}

/** An error response; the body is always a Problem. */
export function problem(description: string): ResponseDoc {
  return { description, content: { [PROBLEM_TYPE]: { $ref: '#/components/schemas/Problem' } } };
}

/**
 * An integer query parameter: plain decimal digits only (no `0x10`, `1e2`
 * or blanks), documented as an integer with its bounds and default.
 */
export function queryInt(min: number, max: number, fallback: number) {
  return z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.int().min(min).max(max))
    .default(fallback);
}

/** `where.field: message` for each issue, so a 400 names what was wrong. */
export function describeIssues(where: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const path = [where, ...issue.path.map(String)].join('.');
      return keys.length > 0
        ? `${path}: unknown parameter ${keys.map((k) => `"${k}"`).join(', ')}`
        : `${path}: ${issue.message}`;
    })
    .join('; ');
}

function validate(where: string, schema: z.ZodType | undefined, value: unknown): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidArgumentError(describeIssues(where, result.error));
  return result.data;
}

/** Lets a client that sent `Expect: 100-continue` go ahead with its body. */
export function acceptBody(req: Request, res: Response): void {
  if (/100-continue/i.test(req.headers.expect ?? '') && !res.headersSent) res.writeContinue();
}

function jsonBody(limit: number): RequestHandler {
  const parse = express.json({ limit, strict: false });
  return (req, res, next) => {
    if (!req.is('application/json') && !req.is('application/*+json')) {
      next(new InvalidArgumentError('the body must be application/json'));
      return;
    }
    acceptBody(req, res);
    parse(req, res, next);
  };
}

export function mountRoutes(app: Express, routes: readonly Route[]): void {
  for (const route of routes) {
    const run: RequestHandler = async (req, res) => {
      const input = {
        params: validate('path', route.params, req.params),
        query: validate('query', route.query, req.query),
        body: validate('body', route.body, req.body),
      };
      const reply = await route.handler(input, req, res);
      if (reply !== undefined && !res.headersSent) res.json(reply);
    };
    const before = route.body ? [jsonBody(route.bodyLimit ?? 64 * 1024)] : [];
    app[route.method](route.path, ...before, run);
  }
}
