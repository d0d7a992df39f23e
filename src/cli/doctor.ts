/** @module `portcullis doctor`: prints doctor-checks' findings; exit 1 when one is an error. */
import type { Command } from 'commander';
import { diagnose, type Finding } from './doctor-checks.ts';
import { parseCount, type Env } from './options.ts';
import { writeJson, writeLine } from './output.ts';

const LABEL = { error: 'ERROR', warning: 'WARNING', info: 'INFO' } as const;

function printFindings(findings: readonly Finding[]): void {
  for (const finding of findings) {
    writeLine(`${LABEL[finding.severity].padEnd(7)}  ${finding.setting}  [${finding.id}]`);
    writeLine(`         ${finding.message}`);
    writeLine(`         fix: ${finding.fix}`);
  }
  const count = (severity: Finding['severity']) => findings.filter((f) => f.severity === severity).length;
  const [errors, warnings, infos] = [count('error'), count('warning'), count('info')];
  if (findings.length > 0) writeLine();
  writeLine(
    errors + warnings === 0
      ? `No problems found${infos > 0 ? ` (${infos} note${infos === 1 ? '' : 's'})` : ''}.`
      : `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}, ${infos} note${infos === 1 ? '' : 's'}.`,
  );
}

export function registerDoctorCommand(program: Command, env: Env): void {
  program
    .command('doctor')
    .description('check the configuration in the environment for insecure or risky settings (exit 1 on any error)')
    .option('--processes <n>', 'how many server processes will run with this configuration', parseCount('--processes'))
    .option('--json', 'print { findings: [{ id, severity, setting, message, fix }], ok }')
    .action((flags: { processes?: number; json?: boolean }) => {
      const findings = diagnose(env, flags.processes !== undefined ? { processes: flags.processes } : {});
      const ok = !findings.some((finding) => finding.severity === 'error');
      if (flags.json) writeJson({ findings, ok });
      else printFindings(findings);
      if (!ok) process.exitCode = 1;
    });
}
