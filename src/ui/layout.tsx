import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';

/**
 * Small, readable CSS: system fonts, contrast at least 4.5:1 for text (#1f2328 on white, links
 * #0a58ca), a visible focus ring for keyboard users, tables that scroll on narrow screens.
 */
const CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;background:#f6f8fa}
a{color:#0a58ca}a:hover{text-decoration:none}
:focus-visible{outline:3px solid #b35900;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:#fff;padding:.25rem .5rem;z-index:9}
header.top{background:#1f2328;color:#fff;display:flex;gap:1.5rem;align-items:center;padding:.6rem 1.25rem;flex-wrap:wrap}
header.top a{color:#fff}header.top .brand{font-weight:700;font-size:1.1rem;text-decoration:none}
header.top nav{display:flex;gap:1rem;flex-wrap:wrap}header.top form{margin-left:auto}
main{max-width:72rem;margin:0 auto;padding:1.25rem}
h1{font-size:1.5rem;margin:.25rem 0 1rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
section.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:1rem;margin-bottom:1rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1rem}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #d8dee4;vertical-align:top}
th{font-weight:600;background:#f6f8fa}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:0 .45rem;border-radius:1rem;font-size:.8rem;font-weight:600;border:1px solid}
.ok{color:#116329;border-color:#116329}.warn{color:#7d4e00;border-color:#7d4e00}.bad{color:#a40e26;border-color:#a40e26}
.muted{color:#57606a}
button,.button{font:inherit;background:#1f6feb;color:#fff;border:1px solid #1a5fd0;border-radius:6px;padding:.35rem .8rem;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:#1f2328;border-color:#8c959f}button.danger{background:#a40e26;border-color:#8a0b1f}
label{display:block;font-weight:600;margin:.5rem 0 .2rem}input,select,textarea{font:inherit;padding:.35rem;border:1px solid #8c959f;border-radius:6px;max-width:100%}
textarea{width:100%;min-height:8rem;font-family:ui-monospace,monospace;font-size:.9rem}
form.inline{display:inline-flex;gap:.4rem;align-items:end;flex-wrap:wrap;margin:.25rem 0}form.inline label{margin:0}
.progress{background:#d8dee4;border-radius:4px;height:.6rem;overflow:hidden}.progress>span{display:block;height:100%;background:#1f6feb}
.notice{background:#ddf4ff;border:1px solid #54aeff;padding:.5rem .75rem;border-radius:6px;margin-bottom:1rem}
.error{background:#ffebe9;border:1px solid #ff8182;padding:.5rem .75rem;border-radius:6px;margin-bottom:1rem}
pre.preview{white-space:pre-wrap;background:#f6f8fa;border:1px solid #d0d7de;padding:.75rem;border-radius:6px}
svg text{font:12px system-ui,sans-serif;fill:#1f2328}
`;

export type PageUser = { role: string };

export function Layout(props: {
  title: string;
  user?: PageUser;
  notice?: string | null;
  error?: string | null;
  children: Child;
}) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · overdue`}</title>
        <style>{raw(CSS)}</style>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/">
            overdue
          </a>
          {props.user ? (
            <>
              <nav aria-label="Main">
                <a href="/">Portfolio</a>
                <a href="/customers">Customers</a>
                <a href="/invoices">Invoices</a>
                <a href="/reports">Reports</a>
                <a href="/connections">Connections</a>
                <a href="/settings">Settings</a>
                <a href="/outbox">Outbox</a>
                <a href="/api/v1/docs">API</a>
              </nav>
              <form method="post" action="/signout">
                <button type="submit" class="secondary">
                  Sign out
                </button>
              </form>
            </>
          ) : null}
        </header>
        <main id="main">
          <h1>{props.title}</h1>
          {props.notice ? (
            <p class="notice" role="status">
              {props.notice}
            </p>
          ) : null}
          {props.error ? (
            <p class="error" role="alert">
              {props.error}
            </p>
          ) : null}
          {props.children}
        </main>
      </body>
    </html>
  );
}
