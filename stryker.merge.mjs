// @ts-check
/**
 * The last step of `npm run test:mutation`: the three configurations' JSON reports
 * (reports/mutation/core.json, adapters.json, handlers.json; mutation-testing-report-schema 1.0) merged
 * into one at Stryker's default place, reports/mutation/mutation.json, and the score of each folder
 * printed (killed and timed-out mutants over all that ran; the bars are 90 % for functions/core and 80 %
 * for functions/adapters).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const DIR = 'reports/mutation';
const parts = ['core', 'adapters', 'handlers'].map((name) => `${DIR}/${name}.json`).filter((path) => existsSync(path));
const reports = parts.map((path) => JSON.parse(readFileSync(path, 'utf8')));
if (reports.length === 0) throw new Error(`no report in ${DIR}: run the three Stryker configurations first`);

const merged = {
  ...reports[0],
  files: Object.assign({}, ...reports.map((r) => r.files)),
  testFiles: Object.assign({}, ...reports.map((r) => r.testFiles ?? {})),
};
writeFileSync(`${DIR}/mutation.json`, JSON.stringify(merged));

for (const [folder, bar] of [['functions/core/', 90], ['functions/adapters/', 80]]) {
  let killed = 0;
  let total = 0;
  for (const [file, { mutants }] of Object.entries(merged.files)) {
    if (!file.startsWith(folder)) continue;
    for (const { status } of mutants) {
      if (status === 'Killed' || status === 'Timeout') killed += 1;
      if (['Killed', 'Timeout', 'Survived', 'NoCoverage'].includes(status)) total += 1;
    }
  }
  const score = total === 0 ? 0 : (100 * killed) / total;
  console.log(`${folder}: ${killed} of ${total} mutants killed, ${score.toFixed(1)} % (bar ${bar} %)`);
}
console.log(`written: ${DIR}/mutation.json (${parts.join(', ')})`);
