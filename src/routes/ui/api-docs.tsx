import type { OpenAPIHono } from '@hono/zod-openapi';
import { Layout } from '../../ui/layout.tsx';
import type { AppEnv } from '../env.ts';
import type { contractInfo } from '../openapi.ts';

type Op = {
  summary?: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string }>;
};

/**
 * /api/v1/docs: the OpenAPI document as a readable page, rendered on the server (no script,
 * nothing fetched from elsewhere). The JSON stays at /api/v1/openapi.json for tools.
 */
export function mountApiDocs(app: OpenAPIHono<AppEnv>, info: ReturnType<typeof contractInfo>) {
  app.get('/api/v1/docs', (c) => {
    const doc = app.getOpenAPI31Document(info);
    const ops = Object.entries(doc.paths ?? {})
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, item]) =>
        Object.entries(item as Record<string, Op>).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
      )
      .sort((a, b) => (a.path === b.path ? a.method.localeCompare(b.method) : a.path.localeCompare(b.path)));
    return c.html(
      <Layout title="API">
        <p>
          Send <code>Authorization: Bearer odt_…</code> (an API token of your firm) or use a signed-in session. Errors
          are <code>{'{"error":{"code","message","requestId","issues?"}}'}</code>; another firm's ids answer 404.
          Machine-readable: <a href="/api/v1/openapi.json">openapi.json</a>.
        </p>
        {ops.map(({ path, method, op }) => (
          <section class="card">
            <h2 style="font-family:ui-monospace,monospace;font-size:1rem">{`${method} ${path}`}</h2>
            <p>{op.summary ?? ''}</p>
            {op.parameters?.length ? (
              <p class="muted">{`Parameters: ${op.parameters.map((p) => `${p.name} (${p.in}${p.required ? ', required' : ''})`).join(', ')}`}</p>
            ) : null}
            {op.requestBody?.content
              ? Object.entries(op.requestBody.content).map(([type, body]) => (
                  <details>
                    <summary>{`Request body (${type})`}</summary>
                    <pre class="preview">{JSON.stringify(body.schema, null, 2)}</pre>
                  </details>
                ))
              : null}
            <p class="muted">{`Responses: ${Object.entries(op.responses ?? {})
              .map(([code, r]) => `${code} ${r.description ?? ''}`)
              .join(' · ')}`}</p>
          </section>
        ))}
      </Layout>,
    );
  });
}
