// A Worker always uses Postgres through Hyperdrive; the embedded database (and drizzle's driver
// for it) is not bundled. Both imports resolve here and fail clearly if ever reached.
const unavailable = (): never => {
  throw new Error('the embedded database is not available on Workers: bind HYPERDRIVE');
};
export const PGlite = { create: unavailable };
export const drizzle = unavailable;
export default { PGlite, drizzle };
