/**
 * `GET /docs`: Swagger UI over `/openapi.json`, served same-origin from the installed
 * swagger-ui-dist, with no inline script, so the page works under `script-src 'self'`.
 */
import { dirname } from 'node:path';
import express, { Router } from 'express';

const ASSETS = dirname(require.resolve('swagger-ui-dist/package.json'));

/** Only what the page loads: the dist's own index.html and initializer point at the petstore. */
const SERVED = new Set([
  'swagger-ui.css',
  'swagger-ui.css.map',
  'swagger-ui-bundle.js',
  'swagger-ui-bundle.js.map',
  'favicon-32x32.png',
  'favicon-16x16.png',
]);

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Subsidy approval engine API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script>
</body>
</html>
`;

// validatorUrl null: no badge fetched from swagger.io (the CSP would refuse it anyway).
const INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout'
  });
});
`;

export function docsRoutes(): Router {
  const router = Router();
  router.get('/docs', (_req, res) => {
    res.type('html').setHeader('Cache-Control', 'no-cache');
    res.send(PAGE);
  });
  router.get('/docs/assets/init.js', (_req, res) => {
    res.type('application/javascript').setHeader('Cache-Control', 'no-cache');
    res.send(INIT);
  });
  router.use(
    '/docs/assets',
    (req, _res, next) => (SERVED.has(req.path.slice(1)) ? next() : next('router')),
    express.static(ASSETS, { index: false, maxAge: '1d' }),
  );
  return router;
}
