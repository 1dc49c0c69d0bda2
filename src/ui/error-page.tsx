import type { FieldIssue } from '../errors.ts';
import { Layout, type PageUser } from './layout.tsx';

const TITLES: Record<number, string> = {
  400: 'That request could not be read',
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'That could not be done now',
  412: 'Not possible yet',
  413: 'Too large',
  429: 'Too many attempts',
};

/**
 * The dashboard's error page: what went wrong in words (the same message the API gives, which
 * never holds internals), the request id to quote to support, and a way back. A person who
 * follows a stale link or types a bad parameter gets a page, not a JSON object.
 */
export function ErrorPage(props: {
  status: number;
  message: string;
  requestId: string;
  issues?: FieldIssue[];
  user?: PageUser;
}) {
  const title = TITLES[props.status] ?? (props.status >= 500 ? 'Something went wrong' : 'That did not work');
  return (
    <Layout title={title} user={props.user}>
      <section class="card">
        <p>{props.message}</p>
        {props.issues?.length ? (
          <ul>
            {props.issues.map((i) => (
              <li>{i.path ? `${i.path}: ${i.message}` : i.message}</li>
            ))}
          </ul>
        ) : null}
        <p class="muted">
          Request id <code>{props.requestId}</code> (quote it if you ask for help).
        </p>
        <p>
          <a href="/">Back to the portfolio</a>
        </p>
      </section>
    </Layout>
  );
}
