import { defineRule, inFocus } from './context';

/**
 * A file we could not read must never look clean: every parse error becomes a finding
 * at its position, and what did parse is still analysed by the other rules.
 */
export const unparsedFile = defineRule({
  id: 'unparsed-file',
  summary: 'A manifest or lockfile could not be parsed; it was not (fully) checked.',
  severity: 'error',
  data: ['local'],
  fixes: [],
  check(ctx) {
    const { project, report } = ctx;
    for (const file of [...project.manifests, ...project.lockfiles]) {
      if (!inFocus(ctx, file.path)) continue;
      const errors = file.parseErrors.slice(0, 20);
      for (const e of errors) {
        report({
          message: `${file.path} could not be fully parsed (${e.message}); entries that could not be read were not checked.`,
          file: file.path,
          span: e.span,
          version: null,
        });
      }
      if (file.parseErrors.length > errors.length) {
        report({
          message: `${file.path}: ${file.parseErrors.length - errors.length} more parse errors.`,
          file: file.path,
          span: errors[errors.length - 1].span,
          version: null,
        });
      }
    }
    // A policy file (.npmrc, .depwarden.json, ...) that was not read is not "no policy":
    // a symlink out of the workspace or a FIFO in its place is said, like a lockfile's.
    for (const [path, reason] of project.unreadableConfigs ?? []) {
      report({
        message: `${path} was not read (${reason}); the settings in it were not applied.`,
        file: path,
        span: { start: 0, end: 0 },
        version: null,
      });
    }
    // A package manager's config file that does not parse is not "no settings" either.
    for (const config of project.packageManagerConfig?.values() ?? []) {
      for (const e of config.parseErrors) {
        report({ message: `${config.path} could not be read (${e.message}); ${config.lost}.`, file: config.path, span: e.span, version: null });
      }
    }
  },
});
