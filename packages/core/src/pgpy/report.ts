// The problems found so far, deduplicated and bounded: a hostile key cannot make the answer huge.

const MAX_PROBLEMS = 32;

/**
 * Collects problem sentences: each once, at most 32, then "and more".
 *
 * @example
 * const report = new Report();
 * report.add("the key has no user ID");
 */
export class Report {
  readonly problems: string[] = [];

  add(problem: string): void {
    if (this.problems.includes(problem) || this.problems.length > MAX_PROBLEMS) return;
    this.problems.push(this.problems.length === MAX_PROBLEMS ? "and more" : problem);
  }
}
