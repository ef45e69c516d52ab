// One mutation score over the scopes of a group (see scripts/mutation.mjs): each file's
// mutants come from the report of the scope that mutates it, and the score counts them the
// way Stryker does (killed and timed out over everything but ignored and invalid mutants).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const detected = new Set(['Killed', 'Timeout']);
const undetected = new Set(['Survived', 'NoCoverage']);

export function summarize(groupName, scopeNames) {
  const files = new Map();
  for (const scopeName of scopeNames) {
    const report = `reports/mutation/${scopeName}/mutation.json`;
    if (!existsSync(report)) {
      console.error(`${report} is missing: run npm run mutation -- ${scopeName}`);
      continue;
    }
    for (const [file, { mutants }] of Object.entries(JSON.parse(readFileSync(report, 'utf8')).files)) {
      files.set(file, { scopeName, mutants });
    }
  }
  const rows = [];
  const total = { killed: 0, survived: 0, ignored: 0 };
  for (const [file, { scopeName, mutants }] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const count = { killed: 0, survived: 0, ignored: 0 };
    for (const { status } of mutants) {
      if (detected.has(status)) count.killed++;
      else if (undetected.has(status)) count.survived++;
      else count.ignored++;
    }
    for (const key of Object.keys(total)) total[key] += count[key];
    rows.push(`| ${file} | ${scopeName} | ${score(count)} | ${count.killed} | ${count.survived} | ${count.ignored} |`);
  }
  const table = [
    `# Mutation score: ${groupName}`,
    '',
    '| file | scope | score % | killed or timed out | survived or not covered | ignored or invalid |',
    '|---|---|---|---|---|---|',
    ...rows,
    `| **all** | | **${score(total)}** | ${total.killed} | ${total.survived} | ${total.ignored} |`,
    '',
  ].join('\n');
  writeFileSync(`reports/mutation/${groupName}-summary.md`, table);
  console.log(table);
}

function score({ killed, survived }) {
  return killed + survived === 0 ? 'n/a' : ((100 * killed) / (killed + survived)).toFixed(2);
}
