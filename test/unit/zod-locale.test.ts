import { expect, it } from 'vitest';
import * as z from 'zod/mini';
import { en } from 'zod/locales';

it('keeps a locale the embedding program set before LayerGuard loads', async () => {
  // Prepare: a program (the CLI's host, a test) that chose its own messages.
  z.config({ localeError: () => 'custom message' });
  // Act: the first import of the module runs its side effect.
  await import('../../functions/core/zod-locale.js');
  // Assess
  expect(z.string().safeParse(1).error?.issues[0]?.message).toBe('custom message');
  z.config(en()); // restore
});
