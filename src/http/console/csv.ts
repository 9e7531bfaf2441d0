/**
 * CSV (RFC 4180) for spreadsheets: every cell quoted, and a cell that a spreadsheet would read as a
 * formula (=, +, -, @, tab, CR) starts with an apostrophe, so an address or an SMTP error can't run one.
 */
export function csvCell(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function csvLine(cells: (string | number | null)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
