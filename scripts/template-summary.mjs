// One-line summary of what changes between two synthesized CloudFormation templates:
//   node scripts/template-summary.mjs BASE.template.json HEAD.template.json [CDK_DIFF_OUTPUT]
// Prints the summary and, after it, one line per changed resource; exits 0 always (the caller decides).
import { readFileSync, existsSync } from "node:fs";

const [basePath, headPath, diffPath] = process.argv.slice(2);
const load = (p) => (p && existsSync(p) ? JSON.parse(readFileSync(p, "utf8")) : { Resources: {} });
const base = load(basePath).Resources ?? {};
const head = load(headPath).Resources ?? {};
const diffText = diffPath && existsSync(diffPath) ? readFileSync(diffPath, "utf8") : "";

const added = Object.keys(head).filter((k) => !(k in base));
const removed = Object.keys(base).filter((k) => !(k in head));
const changed = Object.keys(head).filter((k) => k in base && JSON.stringify(base[k]) !== JSON.stringify(head[k]));
const replaced = changed.filter((k) => new RegExp(`${k}[^\\n]*(replace|may be replaced)`, "i").test(diffText));
const isIam = (k) => /^AWS::IAM::/.test((head[k] ?? base[k]).Type);
const isSg = (k) => /^AWS::EC2::SecurityGroup/.test((head[k] ?? base[k]).Type);
const all = [...added, ...removed, ...changed];
const iam = all.filter(isIam).length > 0 || /IAM Statement Changes/.test(diffText);
const sg = all.filter(isSg).length > 0 || /Security Group Changes/.test(diffText);

console.log(
  `Summary: ${added.length} added, ${removed.length} removed, ${replaced.length} replaced, ${changed.length - replaced.length} changed` +
    `; IAM changes: ${iam ? "YES" : "no"}; security group changes: ${sg ? "YES" : "no"}`,
);
const path = (k) => (head[k] ?? base[k]).Metadata?.["aws:cdk:path"] ?? k;
for (const k of added) console.log(`  + ${(head[k]).Type} ${path(k)}`);
for (const k of removed) console.log(`  - ${(base[k]).Type} ${path(k)}`);
for (const k of changed) console.log(`  ${replaced.includes(k) ? "±" : "~"} ${(head[k]).Type} ${path(k)}${replaced.includes(k) ? " (replacement)" : ""}`);
process.exitCode = 0;
if (all.length > 0) process.env.HBS_DIFF = "1";
