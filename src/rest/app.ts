// The Express app: routes over the core. (Routes are filled in by the REST work.)
import express, { type Express } from 'express';
import type { Core } from '../core.js';

export function createApp(core: Core): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/api/v1/status', (_req, res) => {
    res.json(core.status());
  });
  return app;
}
