// The Express app: a thin translation of HTTP onto the core. Each area's
// routes live in routes/<area>.ts; the same table yields the OpenAPI document.
import express, { type Express } from 'express';
import type { Core } from '../core.js';
import { countRequests, requireBearer } from './middleware.js';
import { buildOpenApi } from './openapi.js';
import { notFound, problemHandler } from './problem.js';
import { requestGuard } from './request-guard.js';
import { mountRoutes, type Route, type SchemaObject } from './route-table.js';
import { eventRoutes } from './routes/events.js';
import { fileRoutes } from './routes/files.js';
import { limitRoutes } from './routes/limits.js';
import { networkRoutes } from './routes/network.js';
import { opsRoutes } from './routes/ops.js';
import { peerRoutes } from './routes/peers.js';
import { searchRoutes } from './routes/search.js';
import { statusRoutes } from './routes/status.js';
import { trafficRoutes } from './routes/traffic.js';
import { transferRoutes } from './routes/transfers.js';
import { Sessions, sessionRoutes } from './session.js';
import { UI_SCRIPTS, UI_STATIC } from './ui-assets.js';

export function createApp(core: Core): Express {
  const { config } = core;
  const app = express();
  app.disable('x-powered-by');
  // Content carries its own strong ETag; JSON replies need none.
  app.set('etag', false);

  let document: SchemaObject | undefined;
  const sessions = new Sessions({ cookieName: `p2pd-session-${config.id}` });
  const routes: Route[] = [];
  routes.push(
    ...opsRoutes(
      core,
      () =>
        (document ??= buildOpenApi(routes, {
          title: `p2pd ${config.id}`,
          version: core.status().version,
          description: 'Control and content API of one p2pd peer',
          bearer: config.rest.token !== undefined,
          ...(config.rest.token !== undefined ? { sessionCookie: sessions.init.cookieName } : {}),
        })),
    ),
    ...(config.rest.token !== undefined ? sessionRoutes(sessions) : []),
    ...statusRoutes(core),
    ...fileRoutes(core),
    ...transferRoutes(core),
    ...eventRoutes(core),
    ...peerRoutes(core),
    ...networkRoutes(core),
    ...trafficRoutes(core),
    ...limitRoutes(core),
    ...searchRoutes(core),
  );

  app.use(countRequests(core.metrics));
  app.use(
    requestGuard({
      listenHost: config.rest.host,
      allowedHosts: config.rest.allowedHosts,
      allowedOrigins: config.rest.allowedOrigins,
    }),
  );
  if (config.rest.token !== undefined) {
    app.use('/api', requireBearer(config.rest.token, sessions));
  }
  mountRoutes(app, routes);
  // The web UI's assets: no API behind them, so no token either.
  app.use('/js', express.static(UI_SCRIPTS, { index: false }));
  app.use(express.static(UI_STATIC, { index: false }));
  app.use(notFound);
  app.use(problemHandler(core.logger.child({ component: 'rest' })));
  return app;
}
