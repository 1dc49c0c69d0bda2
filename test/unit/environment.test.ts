import { expect, it } from 'vitest';

// The multi-zone projects only mean something if the zone really changes under the tests.
it('runs under the zone its project names', () => {
  expect(process.env.TZ).toBeTruthy();
  expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe(process.env.TZ);
});
