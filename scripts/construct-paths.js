// How the suppression file's "path" and "stacks" globs match, shared by nag-templates.js and lint-templates.js.
'use strict';

/** Glob for construct paths and stack names: '*' is any run of characters except '/', '**' any run. */
function globToRegExp(glob) {
  const body = glob.split(/(\*\*|\*)/).map((p) => (p === '**' ? '.*' : p === '*' ? '[^/]*' : p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`);
}

/** A path entry matches the resource's aws:cdk:path (from the synthesizing app) or a parent construct of it. */
function pathMatches(glob, cdkPath) {
  if (!cdkPath) return false;
  const re = globToRegExp(glob.replace(/\/+$/, ''));
  const parts = cdkPath.split('/');
  for (let n = parts.length; n > 0; n--) if (re.test(parts.slice(0, n).join('/'))) return true;
  return false;
}

module.exports = { globToRegExp, pathMatches };
