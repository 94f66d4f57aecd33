/**
 * write-file-atomic (npm, unmodified): writes a temporary file, fsyncs it,
 * renames it over the target. Its async API goes through node:fs callbacks
 * (util.promisify), its sync API through the *Sync calls.
 */
import writeFileAtomic from 'write-file-atomic';

export const libraries = {
  'write-file-atomic': (path, text) => writeFileAtomic(path, text),
  'write-file-atomic.sync': async (path, text) => writeFileAtomic.sync(path, text),
};
