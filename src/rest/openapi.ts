// The OpenAPI 3.1 document, derived from the route table's zod schemas.
import { z } from 'zod';
import { problem, type ResponseDoc, type Route, type SchemaObject } from './route-table.js';
import { ProblemSchema } from './schemas.js';

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
  /** Document the bearer token (and the session cookie) on /api/ operations. */
  bearer: boolean;
  /** The session cookie's name, when sessions are on (with a bearer token). */
  sessionCookie?: string;
}

type Components = Record<string, SchemaObject>;

/**
 * A zod schema as an inline JSON Schema (2020-12, which OpenAPI 3.1 uses);
 * schemas with a `.meta({ id })` land in components and are referenced.
 */
function toSchema(schema: z.ZodType, components: Components): SchemaObject {
  const converted = z.toJSONSchema(schema, { unrepresentable: 'any' }) as SchemaObject;
  const text = JSON.stringify(converted).replaceAll('"#/$defs/', '"#/components/schemas/');
  const inline = JSON.parse(text) as SchemaObject & { $defs?: Components };
  const { $defs } = inline;
  delete inline.$schema;
  delete inline.$defs;
  Object.assign(components, $defs ?? {});
  return inline;
}

/** Express `:name` segments as OpenAPI `{name}`. */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}

function parameters(route: Route, components: Components): SchemaObject[] {
  const out: SchemaObject[] = [];
  const add = (where: 'path' | 'query', schema: z.ZodType | undefined): void => {
    if (!(schema instanceof z.ZodObject)) return;
    for (const [name, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      const { description, ...fieldSchema } = toSchema(field, components);
      out.push({
        name,
        in: where,
        required: where === 'path' || !field.safeParse(undefined).success,
        ...(description ? { description } : {}),
        schema: fieldSchema,
      });
    }
  };
  add('path', route.params);
  add('query', route.query);
  return out;
}

function mediaTypes(content: Record<string, SchemaObject>): SchemaObject {
  return Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, { schema }]));
}

function response(doc: ResponseDoc, components: Components): SchemaObject {
  // A JSON schema and other media types may both be given (JSON or an event stream).
  const content =
    doc.schema || doc.content
      ? {
          ...(doc.schema
            ? { 'application/json': { schema: toSchema(doc.schema, components) } }
            : {}),
          ...(doc.content ? mediaTypes(doc.content) : {}),
        }
      : undefined;
  return {
    description: doc.description,
    ...(doc.headers ? { headers: doc.headers } : {}),
    ...(content ? { content } : {}),
  };
}

export function buildOpenApi(routes: readonly Route[], info: OpenApiInfo): SchemaObject {
  const components: Components = {};
  toSchema(ProblemSchema, components);
  const paths: Record<string, Record<string, SchemaObject>> = {};
  for (const route of routes) {
    const api = route.path.startsWith('/api/');
    const responses: Record<string, SchemaObject> = {};
    for (const [status, doc] of Object.entries(route.responses)) {
      responses[status] = response(doc, components);
    }
    if (api && info.bearer) {
      responses['401'] = response(problem('Missing or wrong bearer token'), components);
    }
    // The request guard answers every route so (rest/request-guard.ts).
    responses['403'] ??= response(
      problem(
        "The Host is not one of this daemon's names, or a write came from another site's page",
      ),
      components,
    );
    if (api) {
      // Any operation can fail unexpectedly; the answer names the errno code, never a path.
      responses['500'] ??= response(
        problem('An unexpected failure (the log has the details; the answer names no host path)'),
        components,
      );
    }
    const params = parameters(route, components);
    const requestBody = route.body
      ? {
          required: true,
          content: { 'application/json': { schema: toSchema(route.body, components) } },
        }
      : route.streamedBody && {
          description: route.streamedBody.description,
          required: route.streamedBody.required ?? true,
          content: mediaTypes(route.streamedBody.content),
        };
    (paths[openApiPath(route.path)] ??= {})[route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
      security: !(api && info.bearer)
        ? []
        : [{ bearer: [] }, ...(info.sessionCookie ? [{ session: [] }] : [])],
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: info.title,
      version: info.version,
      description: info.description,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    // Relative: the peer that served this document.
    servers: [{ url: '/', description: 'This peer' }],
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: components,
      // Declared only when operations use them (an unused scheme misleads readers).
      securitySchemes: !info.bearer
        ? {}
        : {
            bearer: { type: 'http', scheme: 'bearer' },
            ...(info.sessionCookie
              ? {
                  session: {
                    type: 'apiKey',
                    in: 'cookie',
                    name: info.sessionCookie,
                    description:
                      'A browser session from POST /api/v1/session, for event streams and links a browser opens',
                  },
                }
              : {}),
          },
    },
  };
}
