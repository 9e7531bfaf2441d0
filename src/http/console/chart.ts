/**
 * A small line chart as plain SVG geometry, for a template to draw: no script, no library. The
 * template colours it from the palette (light or dark); this only places the points.
 */
export interface ChartGeometry {
  width: number;
  height: number;
  line: string;
  area: string;
  /** Horizontal rules at the top, middle and bottom of the scale. */
  rules: { y: number }[];
  top: number;
  bottom: number;
}

const round = (v: number) => Math.round(v * 10) / 10;

export function lineChart(values: number[], size: { width: number; height: number } = { width: 600, height: 120 }): ChartGeometry {
  const { width, height } = size;
  const pad = 4;
  const max = Math.max(0, ...values);
  const min = Math.min(max, ...values);
  // A flat series sits in the middle rather than on an edge; a range from 0 reads better when it is near.
  const bottom = min > 0 && min / Math.max(1, max) < 0.5 ? 0 : min;
  const top = max === bottom ? bottom + 1 : max;
  const x = (i: number) => round(values.length > 1 ? (i / (values.length - 1)) * width : width / 2);
  const y = (v: number) => round(pad + (1 - (v - bottom) / (top - bottom)) * (height - 2 * pad));
  const points = values.map((v, i) => `${x(i)},${y(v)}`);
  const line = points.length ? `M${points.join(' L')}` : '';
  const area = points.length ? `${line} L${x(values.length - 1)},${height} L${x(0)},${height} Z` : '';
  return { width, height, line, area, rules: [top, (top + bottom) / 2, bottom].map((v) => ({ y: y(v) })), top, bottom };
}
