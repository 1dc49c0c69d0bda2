// intuit-oauth requires the npm "atob" package; Workers have atob built in.
export default (input: string) => globalThis.atob(input);
