/** What services may ask of the job engine; pg-boss implements it (src/jobs), tests record calls. */
export type JobQueue = { enqueueSync(ledgerId: string): Promise<void> };
