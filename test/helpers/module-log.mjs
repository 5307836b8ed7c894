/**
 * @file `node --import ./module-log.mjs …`: appends the URL of every module loaded (in every thread; worker threads
 * inherit --import) to the file named by $MEVMC_MODULE_LOG. Tests use it to prove what a command never loads.
 */
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (process.env.MEVMC_MODULE_LOG) appendFileSync(process.env.MEVMC_MODULE_LOG, url + '\\n');
  return next(url, context);
}`;
register('data:text/javascript,' + encodeURIComponent(hooks));
