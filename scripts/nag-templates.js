#!/usr/bin/env node
// Runs cdk-nag 3.x AwsSolutionsChecks over synthesized CloudFormation templates.
//
// Each template is loaded with cloudformation_include.CfnInclude into a fresh aws-cdk-lib App/Stack,
// the pack is registered with Validations.of(app).addPlugins(...) and the app is synthesized. Findings
// are collected programmatically: cdk-nag 3.x has no INagLogger/additionalLoggers any more (removed in
// 3.0.0); a NagPack is an IPolicyValidationPlugin whose validate() returns a PolicyValidationPluginReport,
// so a thin wrapper plugin records the report that the pack returns during synthesis.
//
// Suppressions (cdk-nag 3.x: Validations.of(construct).acknowledge({ id, reason }); NagSuppressions is
// gone) come from a JSON file, see README.md and suppressions.example.json.
//
// Usage: node nag-templates.js [options] TEMPLATE.json...
//   -s, --suppressions FILE   suppression file (repeatable)
//   --json FILE               also write the results as JSON (FILE "-" = stdout, text then goes to stderr)
//   --outdir DIR              keep each cloud assembly (validation-report.json) under DIR/<stack>
//   --fail-on-warnings        exit 1 on warnings as well as errors
//   --fail-on-unused          exit 1 when a suppression matched no finding in any template
//   --no-template-metadata    ignore v2-style Metadata.cdk_nag.rules_to_suppress found in the templates
//   --verbose                 messages include the rule's explanation
// Exit codes: 0 no unsuppressed errors, 1 findings that fail the run, 2 usage or load error.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const cdk = require('aws-cdk-lib');
const { CfnInclude } = require('aws-cdk-lib/cloudformation-include');
const { AwsSolutionsChecks } = require('cdk-nag');
const { globToRegExp, pathMatches } = require('./construct-paths');

const MIN_REASON = 10;

/** Reads and validates suppression files; returns a flat list of entries. */
function loadSuppressions(files) {
  const entries = [];
  for (const file of files) {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    const list = Array.isArray(raw) ? raw : raw.suppressions;
    if (!Array.isArray(list)) throw new Error(`${file}: expected an array or { "suppressions": [...] }`);
    list.forEach((e, i) => {
      const where = `${file}[${i}]`;
      if (typeof e.id !== 'string' || !e.id) throw new Error(`${where}: "id" (rule id, e.g. AwsSolutions-S1) is required`);
      if (e.id.includes('::') && !e.id.includes('[')) throw new Error(`${where}: write the rule id without a "Plugin::" prefix (${e.id})`);
      if (typeof e.reason !== 'string' || e.reason.trim().length < MIN_REASON) throw new Error(`${where}: "reason" of at least ${MIN_REASON} characters is required`);
      if (e.logicalId !== undefined && e.path !== undefined) throw new Error(`${where}: give "logicalId" or "path", not both`);
      for (const k of Object.keys(e)) {
        if (!['id', 'reason', 'logicalId', 'path', 'appliesTo', 'stacks', 'comment'].includes(k)) throw new Error(`${where}: unknown key "${k}"`);
      }
      entries.push({
        id: e.id,
        reason: e.reason.trim(),
        logicalIds: toList(e.logicalId),
        paths: toList(e.path),
        stacks: toList(e.stacks),
        appliesTo: e.appliesTo === undefined ? undefined : toList(e.appliesTo).map(compileAppliesTo(where)),
        source: where,
        used: false,
      });
    });
  }
  return entries;
}

function toList(v) { return v === undefined ? [] : Array.isArray(v) ? v : [v]; }

function compileAppliesTo(where) {
  return (a) => {
    if (typeof a === 'string') return { text: a, test: (f) => f === a };
    if (a && typeof a.regex === 'string') {
      const m = /^\/(.*)\/([a-z]*)$/s.exec(a.regex);
      const re = m ? new RegExp(m[1], m[2]) : new RegExp(a.regex);
      return { text: a.regex, test: (f) => re.test(f) };
    }
    throw new Error(`${where}: appliesTo items are strings or { "regex": "/.../" }`);
  };
}

/** Splits a cdk-nag rule name into the rule id and the granular finding: 'AwsSolutions-IAM5[Action::s3:*]'. */
function splitRule(ruleName) {
  const i = ruleName.indexOf('[');
  return i < 0 ? { rule: ruleName, finding: undefined } : { rule: ruleName.slice(0, i), finding: ruleName.slice(i + 1, -1) };
}

/** Does suppression entry e (or a template-metadata entry) cover the finding ruleName? */
function entryCovers(e, ruleName) {
  if (e.id === ruleName) return true; // exact, incl. a full granular id
  const { rule, finding } = splitRule(ruleName);
  if (finding === undefined || e.id !== rule) return false;
  return e.appliesTo === undefined || e.appliesTo.some((a) => a.test(finding)); // v2 semantics
}

function flatten(report) {
  const out = [];
  for (const v of report.violations) {
    for (const r of v.violatingResources) out.push({ ruleName: v.ruleName, severity: v.severity, description: v.description, constructPath: r.constructPath });
  }
  return out;
}

/**
 * Checks one template. Returns { stackName, template, findings, suppressed, timings }.
 * findings/suppressed items: { rule, finding, ruleName, level, logicalId, type, cdkPath, message[, reason, suppressedBy] }.
 */
function checkTemplate(templateFile, options = {}) {
  const entries = options.suppressions || [];
  const timings = {};
  let t = Date.now();
  const lap = (k) => { const n = Date.now(); timings[k] = n - t; t = n; };

  const template = JSON.parse(fs.readFileSync(templateFile, 'utf8'));
  if (!template || typeof template.Resources !== 'object' || Array.isArray(template.Resources)) {
    throw new Error('not a CloudFormation template (no "Resources" object)');
  }
  // The synthesized <stack>.template.json is named after the stack: "stacks" filters in suppression files match this name.
  const stackName = options.stackName || path.basename(templateFile).replace(/\.template\.json$|\.json$/, '').replace(/[^A-Za-z0-9-]/g, '-').replace(/^(?=[^A-Za-z])/, 'S');
  const outdir = options.outdir ? path.join(options.outdir, stackName) : fs.mkdtempSync(path.join(os.tmpdir(), 'nag-'));
  fs.mkdirSync(outdir, { recursive: true });

  const app = new cdk.App({
    outdir,
    stackTraces: false, // faster; construct stack traces point into CfnInclude anyway
    analyticsReporting: false, // no CDKMetadata of our own (the template's own is included)
    treeMetadata: false,
    builtinCloudFormationValidation: false, // aws-cdk-lib's own template validation: ~3-13 s a template; use cfn-lint
    context: { '@aws-cdk/core:failSynthOnValidationErrors': false }, // we report and set the exit code ourselves
  });
  // The template already has the BootstrapVersion parameter and the CheckBootstrapVersion rule: a second
  // copy from our synthesizer fails with "section 'Parameters' already contains 'BootstrapVersion'".
  const stack = new cdk.Stack(app, stackName, {
    synthesizer: new cdk.DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  });
  const include = new CfnInclude(stack, 'Template', { templateFile, preserveLogicalIds: true });
  lap('include');

  const resources = template.Resources || {};
  const info = (constructPath) => {
    const logicalId = constructPath.split('/').pop();
    const r = resources[logicalId] || {};
    return { logicalId, type: r.Type, cdkPath: r.Metadata && r.Metadata['aws:cdk:path'] };
  };

  // 1. Raw pass without acknowledgments: needed to expand rule ids into cdk-nag 3's granular ids
  //    (acknowledging 'AwsSolutions-IAM5' does not cover 'AwsSolutions-IAM5[Action::s3:*]' in 3.x) and to
  //    report what each suppression suppressed.
  const raw = flatten(new AwsSolutionsChecks(undefined, { verbose: !!options.verbose }).validateScope(stack));
  lap('rawPass');

  // 2. Acknowledgments.
  const acks = []; // { scope, id, reason, entry }
  const rawOn = (logicalIds) => raw.filter((f) => !logicalIds || logicalIds.has(info(f.constructPath).logicalId));
  const ackFor = (scope, logicalIds, e) => {
    const ids = new Set();
    if (!e.id.includes('[') && e.appliesTo === undefined) ids.add(e.id); // plain rule id, as documented
    for (const f of rawOn(logicalIds)) if (splitRule(f.ruleName).finding !== undefined && entryCovers(e, f.ruleName)) ids.add(f.ruleName);
    if (e.id.includes('[')) ids.add(e.id);
    for (const id of ids) { cdk.Validations.of(scope).acknowledge({ id, reason: e.reason }); acks.push({ scope, id, entry: e }); }
  };
  const applicable = entries.filter((e) => e.stacks.length === 0 || e.stacks.some((g) => globToRegExp(g).test(stackName)));
  const missingTargets = [];
  const hasPaths = Object.values(resources).some((r) => r.Metadata && r.Metadata['aws:cdk:path']);
  if (!hasPaths && applicable.some((e) => e.paths.length > 0)) {
    missingTargets.push({ entry: '"path" entries', message: 'the template has no aws:cdk:path metadata, so no "path" entry can match (synthesize with the CDK CLI, or add "aws:cdk:enable-path-metadata": true to CDK_CONTEXT_JSON)' });
  }
  for (const e of applicable) {
    if (e.logicalIds.length === 0 && e.paths.length === 0) { ackFor(stack, undefined, e); continue; } // stack-level
    const targets = new Set();
    for (const id of e.logicalIds) { if (resources[id]) targets.add(id); else missingTargets.push({ entry: e.source, logicalId: id }); }
    for (const p of e.paths) {
      const hit = Object.keys(resources).filter((id) => pathMatches(p, resources[id].Metadata && resources[id].Metadata['aws:cdk:path']));
      if (hit.length === 0 && hasPaths) missingTargets.push({ entry: e.source, path: p });
      hit.forEach((id) => targets.add(id));
    }
    for (const id of targets) ackFor(include.getResource(id), new Set([id]), e);
  }
  // v2-style audit metadata written by cdk-nag 2.x (or by hand) into the template: Metadata.cdk_nag.rules_to_suppress.
  if (options.templateMetadata !== false) {
    for (const [id, r] of Object.entries(resources)) {
      const list = r.Metadata && r.Metadata.cdk_nag && r.Metadata.cdk_nag.rules_to_suppress;
      if (!Array.isArray(list)) continue;
      list.forEach((s, i) => {
        const e = { id: s.id, reason: s.reason || '(no reason)', appliesTo: s.applies_to && toList(s.applies_to).map(compileAppliesTo(`${id}.Metadata.cdk_nag`)), source: `template ${id}.Metadata.cdk_nag[${i}]`, used: false, fromTemplate: true };
        ackFor(include.getResource(id), new Set([id]), e);
      });
    }
  }
  lap('acknowledge');

  // 3. Register the pack as a validation plugin and synthesize; record the report the pack returns.
  const pack = new AwsSolutionsChecks(app, { verbose: !!options.verbose });
  let report;
  cdk.Validations.of(app).addPlugins({
    name: pack.name,
    version: pack.version,
    validate(context) {
      const r = pack.validate(context);
      report = JSON.parse(JSON.stringify(r)); // CDK mutates the report afterwards (suppressions, paths)
      return r;
    },
  });
  const assembly = app.synth();
  lap('synth');
  if (!report) throw new Error(`${templateFile}: the validation plugin was not invoked during synthesis`);

  const describe = (f) => {
    const { rule, finding } = splitRule(f.ruleName);
    return { rule, finding, ruleName: f.ruleName, level: f.severity, ...info(f.constructPath), message: f.description };
  };
  const findings = flatten(report).map(describe);
  const remaining = new Set(flatten(report).map((f) => `${f.ruleName}|${f.constructPath}`));
  const suppressed = [];
  for (const f of raw) {
    if (remaining.has(`${f.ruleName}|${f.constructPath}`)) continue;
    const resource = include.getResource(info(f.constructPath).logicalId);
    const by = acks.find((a) => a.id === f.ruleName && (a.scope === stack || a.scope === resource));
    if (by) by.entry.used = true;
    suppressed.push({ ...describe(f), reason: by ? by.entry.reason : '(acknowledged elsewhere)', suppressedBy: by ? by.entry.source : undefined });
  }
  const order = (a, b) => (a.level === b.level ? 0 : a.level === 'error' ? -1 : 1) || a.rule.localeCompare(b.rule) || a.logicalId.localeCompare(b.logicalId) || a.ruleName.localeCompare(b.ruleName);
  findings.sort(order);
  suppressed.sort(order);
  if (!options.outdir) fs.rmSync(outdir, { recursive: true, force: true });
  return { template: templateFile, stackName, assembly: options.outdir ? assembly.directory : undefined, findings, suppressed, missingTargets, timings };
}

function formatText(result) {
  const lines = [];
  const errors = result.findings.filter((f) => f.level === 'error');
  const warnings = result.findings.filter((f) => f.level !== 'error');
  lines.push(`== ${result.stackName} (${result.template}): ${errors.length} error(s), ${warnings.length} warning(s), ${result.suppressed.length} suppressed`);
  const where = (f) => `${f.logicalId}${f.type ? ` ${f.type}` : ''}${f.cdkPath ? ` [${f.cdkPath}]` : ''}`;
  for (const f of result.findings) lines.push(`${f.level.toUpperCase()} ${f.ruleName} ${where(f)}: ${f.message}`);
  for (const f of result.suppressed) lines.push(`SUPPRESSED ${f.ruleName} ${where(f)}: ${f.reason}${f.suppressedBy ? ` (${f.suppressedBy})` : ''}`);
  // Targets missing from one stage's template are normal (EFS only in prod, ...): an entry that matched
  // nothing anywhere is reported once as UNUSED; the per-template misses are in the JSON (missingTargets).
  for (const m of result.missingTargets) if (m.message) lines.push(`NOTE suppression ${m.entry}: ${m.message}`);
  return lines.join('\n');
}

function main(argv) {
  const opts = { suppressionFiles: [], templates: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    if (a === '-s' || a === '--suppressions') opts.suppressionFiles.push(next());
    else if (a === '--json') opts.json = next();
    else if (a === '--outdir') opts.outdir = path.resolve(next());
    else if (a === '--fail-on-warnings') opts.failOnWarnings = true;
    else if (a === '--fail-on-unused') opts.failOnUnused = true;
    else if (a === '--no-template-metadata') opts.templateMetadata = false;
    else if (a === '--verbose') opts.verbose = true;
    else if (a === '-h' || a === '--help') { process.stdout.write(fs.readFileSync(__filename, 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n') + '\n'); return 0; }
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else opts.templates.push(a);
  }
  if (opts.templates.length === 0) throw new Error('no template given (node nag-templates.js --help)');
  const suppressions = loadSuppressions(opts.suppressionFiles);
  const log = opts.json === '-' ? (s) => process.stderr.write(s + '\n') : (s) => process.stdout.write(s + '\n');

  const results = [];
  const failures = []; // templates that could not be loaded or synthesized
  for (const file of opts.templates) {
    const start = Date.now();
    let r;
    try {
      r = checkTemplate(file, { ...opts, suppressions });
    } catch (e) {
      failures.push({ template: file, error: String(e && e.message ? e.message : e) });
      log(`== ${file}: FAILED to load/synthesize: ${failures[failures.length - 1].error}`);
      continue;
    }
    r.timings.totalMs = Date.now() - start;
    results.push(r);
    log(formatText(r));
  }
  const unused = suppressions.filter((e) => !e.used).map((e) => ({ entry: e.source, id: e.id }));
  for (const u of unused) log(`UNUSED suppression ${u.entry} (${u.id}): it matched no finding in any template checked`);
  const count = (lvl) => results.reduce((n, r) => n + r.findings.filter((f) => (lvl === 'error' ? f.level === 'error' : f.level !== 'error')).length, 0);
  const errors = count('error');
  const warnings = count('warning');
  log(`Total: ${errors} error(s), ${warnings} warning(s), ${results.reduce((n, r) => n + r.suppressed.length, 0)} suppressed, ${unused.length} unused suppression(s) in ${results.length} template(s)${failures.length ? `; ${failures.length} template(s) FAILED to load` : ''}`);
  if (opts.json) {
    const doc = JSON.stringify({ results, failures, unusedSuppressions: unused, errors, warnings }, null, 2) + '\n';
    if (opts.json === '-') process.stdout.write(doc); else fs.writeFileSync(opts.json, doc);
  }
  if (failures.length > 0) return 2;
  return errors > 0 || (opts.failOnWarnings && warnings > 0) || (opts.failOnUnused && unused.length > 0) ? 1 : 0;
}

module.exports = { checkTemplate, loadSuppressions, formatText };

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`nag-templates: ${e && e.message ? e.message : e}\n`);
    process.exitCode = 2;
  }
}
