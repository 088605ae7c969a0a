/**
 * Quick-fix edits are computed when a fix is applied (codeAction/resolve), not by the scan
 * (issue #13 item 2). Prints, for theia scanned offline in this process: the scan, what
 * computing every finding's fix edits costs (what each scan used to pay), and the cost of
 * resolving one fix.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { scanFiles } from '../server/src/engine/scan';
import { roleOfPath } from '../server/src/engine/project';
import { defaultSettings, type SourceFile } from '../server/src/engine/model';
import { fixEdits } from '../server/src/engine/fixes/fix-edits';
import { fmt, medianMs } from './stats';

const THEIA = path.resolve(__dirname, '../../shared/corpus/lockfiles/theia-npm-v3');

function projectFiles(dir: string, rel = ''): SourceFile[] {
  const out: SourceFile[] = [];
  for (const name of readdirSync(path.join(dir, rel))) {
    if (name === 'node_modules') continue;
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(dir, r)).isDirectory()) out.push(...projectFiles(dir, r));
    else if (roleOfPath(r)) out.push({ path: r, text: readFileSync(path.join(dir, r), 'utf8') });
  }
  return out;
}

export function benchFixes(): void {
  const files = projectFiles(THEIA);
  const settings = { ...defaultSettings(), offline: true };
  const scan = () => scanFiles(files, { settings });
  const scanMs = medianMs(scan, 3, 1);
  const result = scan();
  const fixes = result.findings.flatMap((f) => f.fixes).filter((x) => x.computeEdits);
  // Fresh results each run: a fix computes its edits each time it is asked (nothing memoised).
  const allMs = medianMs(() => {
    for (const fix of fixes) fixEdits(fix);
  }, 3, 1);
  let i = 0;
  const oneMs = medianMs(() => fixEdits(fixes[i++ % fixes.length]), 51, 5);
  console.log(`\nquick-fix edits, theia offline (${result.findings.length} findings, ${fixes.length} fixes with deferred edits)`);
  console.log(`  scan ${fmt(scanMs)} ms; computing every fix's edits (what each scan used to pay) ${fmt(allMs)} ms; one fix resolved ${fmt(oneMs)} ms (median)`);
}

if (require.main === module) benchFixes();
