/**
 * steno (npm, unmodified; lowdb's file writer): writes a temporary file with
 * node:fs/promises writeFile and renames it over the target.
 */
import { Writer } from 'steno';

export const libraries = {
  steno: (path, text) => new Writer(path).write(text),
};
