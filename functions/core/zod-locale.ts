import { config } from 'zod/mini';
import { en } from 'zod/locales';

/**
 * The function bundles validate with `zod/mini` (tree-shakable: a fraction of full zod's size and load
 * time). Unlike full `zod`, `zod/mini` loads no locale, so every issue would read "Invalid input".
 * This sets English, as full zod does on its first schema, unless a locale is already set.
 * Every module that builds schemas imports this for its side effect.
 */
if (!config().localeError) config(en());
