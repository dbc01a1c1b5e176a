/*
 * The CLI's pure parts, for the tests: how it reads numeric flags and how it lays out what it prints.
 * The program itself is bin/stevedore.js; importing src/main.ts runs it.
 */
export { deadLettersText, deadLetterWarnings, redriveLine } from './commands/dead-letters';
export { listing as eventDeadLettersText } from './commands/event-dead-letters';
export { iamReport } from './commands/iam';
export { appNameFrom, projectFiles } from './commands/init';
export { jobsTable, jobText } from './commands/jobs';
export { progressReporter, summaryLine } from './commands/pipelines';
export { COMMANDS } from './commands/registry';
export { nextCell } from './commands/schedules';
export { closest, parseArgs } from './lib/args';
export { helpFor, indexText } from './lib/command';
export { numberFlag } from './lib/number-flag';
export { shortJobId } from './lib/short-id';
export { stepLine } from './lib/step-line';
export { plural, renderTable } from './lib/table';
