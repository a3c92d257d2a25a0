/**
 * What a benchmark reports: named figures for Vigil and its baseline, the ratio between them and
 * the target it is held to. Printed as it goes, collected for RESULTS.md and its JSON copy.
 */
export interface Figure {
  readonly label: string;
  readonly value: number;
  readonly unit: string;
}

export interface Comparison {
  readonly name: string;
  readonly vigil: Figure;
  readonly baseline: Figure;
  /** vigil / baseline, or baseline / vigil where lower is better (latency, memory). */
  readonly ratio: number;
  readonly target: string;
  readonly isTargetMet: boolean | null;
}

export interface BenchmarkResult {
  readonly benchmark: string;
  readonly comparisons: Comparison[];
  readonly figures: Figure[];
  readonly notes: string[];
}

export function compare(
  name: string,
  vigil: Figure,
  baseline: Figure,
  target: { ratioAtLeast?: number; ratioAtMost?: number; description: string },
): Comparison {
  const ratio = vigil.value / baseline.value;
  const isTargetMet = target.ratioAtLeast !== undefined ? ratio >= target.ratioAtLeast : target.ratioAtMost !== undefined ? ratio <= target.ratioAtMost : null;
  const comparison = { name, vigil, baseline, ratio, target: target.description, isTargetMet };
  printComparison(comparison);
  return comparison;
}

/**
 * A target stated in absolute terms (leaves per second, milliseconds): the figure against the
 * threshold, shown in the baseline's column as "target"; the ratio is figure / threshold.
 */
export function compareToTarget(name: string, vigil: Figure, target: { atLeast?: number; atMost?: number; description: string }): Comparison {
  const threshold = target.atLeast ?? target.atMost;
  if (threshold === undefined) throw new Error(`${name}: a target needs atLeast or atMost`);
  const bound = { label: 'target', value: threshold, unit: vigil.unit };
  return compare(
    name,
    vigil,
    bound,
    target.atLeast !== undefined ? { ratioAtLeast: 1, description: target.description } : { ratioAtMost: 1, description: target.description },
  );
}

export function format(figure: Figure): string {
  const value = figure.value >= 100 ? Math.round(figure.value).toLocaleString('en-US') : figure.value.toFixed(2);
  return `${value} ${figure.unit}`;
}

function printComparison(comparison: Comparison): void {
  const verdict = comparison.isTargetMet === null ? '' : comparison.isTargetMet ? '  [target met]' : '  [target missed]';
  process.stdout.write(
    `  ${comparison.name}: ${comparison.vigil.label} ${format(comparison.vigil)} vs ${comparison.baseline.label} ${format(comparison.baseline)}` +
      ` → ratio ${comparison.ratio.toFixed(2)} (target ${comparison.target})${verdict}\n`,
  );
}

export function printFigure(figure: Figure): Figure {
  process.stdout.write(`  ${figure.label}: ${format(figure)}\n`);
  return figure;
}
