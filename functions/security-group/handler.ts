// Placeholder while the handler is written; replaced in the next commits.
export const handler = async (_event: unknown): Promise<never> => {
  throw new Error('not wired yet');
};
