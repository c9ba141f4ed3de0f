#!/usr/bin/env node
// Runs cfn-lint over synthesized CloudFormation templates and fails on every finding (error, warning or
// informational) that the reviewed suppression file does not accept: its "cfnLintSuppressions" entries, each
// { "id": "W3005", "path": construct-path glob(s), "stacks": stack-name glob(s), "message": "/regex/", "reason": "..." }
// ("path", "stacks" and "message" narrow the entry; "path" globs work as in the cdk-nag entries).
//
// Usage: node lint-templates.js -s FILE [--fail-on-unused] TEMPLATE@REGION...
// Exit codes: 0 nothing unaccepted, 1 findings (or unused entries with --fail-on-unused), 2 usage, load or cfn-lint error.
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { globToRegExp, pathMatches } = require('./construct-paths');

const MIN_REASON = 10;
const KEYS = ['id', 'reason', 'path', 'stacks', 'message', 'comment'];

function toList(v) { return v === undefined ? [] : Array.isArray(v) ? v : [v]; }

function loadSuppressions(file) {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  const list = raw.cfnLintSuppressions || [];
  if (!Array.isArray(list)) throw new Error(`${file}: "cfnLintSuppressions" must be an array`);
  return list.map((e, i) => {
    const where = `${file} cfnLintSuppressions[${i}]`;
    if (typeof e.id !== 'string' || !/^[EWI]\d{4}$/.test(e.id)) throw new Error(`${where}: "id" must be a cfn-lint rule id such as W3005`);
    if (typeof e.reason !== 'string' || e.reason.trim().length < MIN_REASON) throw new Error(`${where}: "reason" of at least ${MIN_REASON} characters is required`);
    for (const k of Object.keys(e)) if (!KEYS.includes(k)) throw new Error(`${where}: unknown key "${k}"`);
    let message;
    if (e.message !== undefined) {
      const m = /^\/(.*)\/([a-z]*)$/s.exec(e.message);
      if (!m) throw new Error(`${where}: "message" is a regular expression written "/.../"`);
      message = new RegExp(m[1], m[2]);
    }
    return { id: e.id, reason: e.reason.trim(), paths: toList(e.path), stacks: toList(e.stacks), message, source: where, used: false };
  });
}

/** cfn-lint's findings for one template, as JSON. */
function lint(template, region) {
  const run = spawnSync('cfn-lint', ['-r', region, '--format', 'json', '--non-zero-exit-code', 'none', '--', template], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw new Error(`cfn-lint could not be started: ${run.error.message} (python3 -m pip install cfn-lint)`);
  if (run.status !== 0) throw new Error(`cfn-lint exited ${run.status}: ${run.stderr.trim()}`);
  return JSON.parse(run.stdout || '[]');
}

function main(argv) {
  let suppressionFile;
  let failOnUnused = false;
  const targets = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-s' || a === '--suppressions') { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); suppressionFile = argv[++i]; }
    else if (a === '--fail-on-unused') failOnUnused = true;
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else {
      const at = a.lastIndexOf('@');
      if (at <= 0) throw new Error(`${a}: write TEMPLATE@REGION`);
      targets.push({ template: a.slice(0, at), region: a.slice(at + 1) });
    }
  }
  if (targets.length === 0) throw new Error('no template given (TEMPLATE@REGION...)');
  const entries = suppressionFile ? loadSuppressions(suppressionFile) : [];

  const counts = { Error: 0, Warning: 0, Informational: 0, suppressed: 0 };
  for (const { template, region } of targets) {
    console.log(`### cfn-lint ${template} (${region})`);
    const resources = JSON.parse(fs.readFileSync(template, 'utf8')).Resources || {};
    const stackName = path.basename(template).replace(/\.template\.json$|\.json$/, '');
    for (const f of lint(template, region)) {
      const logicalId = f.Location && f.Location.Path && f.Location.Path[0] === 'Resources' ? f.Location.Path[1] : undefined;
      const cdkPath = logicalId && resources[logicalId] && resources[logicalId].Metadata && resources[logicalId].Metadata['aws:cdk:path'];
      const where = `${logicalId || (f.Location && f.Location.Path || []).join('/')}${cdkPath ? ` [${cdkPath}]` : ''}`;
      const entry = entries.find((e) => e.id === f.Rule.Id
        && (e.stacks.length === 0 || e.stacks.some((g) => globToRegExp(g).test(stackName)))
        && (e.paths.length === 0 || e.paths.some((p) => pathMatches(p, cdkPath)))
        && (!e.message || e.message.test(f.Message)));
      if (entry) {
        entry.used = true;
        counts.suppressed++;
        console.log(`SUPPRESSED ${f.Rule.Id} ${where}: ${entry.reason} (${entry.source})`);
      } else {
        counts[f.Level] = (counts[f.Level] || 0) + 1;
        console.log(`${String(f.Level).toUpperCase()} ${f.Rule.Id} ${where}: ${f.Message}`);
      }
    }
  }
  const unused = entries.filter((e) => !e.used);
  for (const u of unused) console.log(`UNUSED suppression ${u.source} (${u.id}): it matched no finding in any template checked`);
  console.log(`cfn-lint total: ${counts.Error} error(s), ${counts.Warning} warning(s), ${counts.Informational} informational, ${counts.suppressed} suppressed, ${unused.length} unused suppression(s) in ${targets.length} template(s)`);
  return counts.Error + counts.Warning + counts.Informational > 0 || (failOnUnused && unused.length > 0) ? 1 : 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`lint-templates: ${e && e.message ? e.message : e}\n`);
    process.exitCode = 2;
  }
}
