/**
 * The `--help` layout: a usage line, the description, then Arguments,
 * Options and Commands as two aligned columns, descriptions wrapped to
 * {@linkcode HELP_WIDTH} columns.
 * @module
 */

/** Width help text is wrapped to. */
export const HELP_WIDTH = 80;
/** A description column narrower than this is not wrapped. */
const WRAP_WIDTH_MIN = 40;
/** Indentation of the items of a section. */
const ITEM_INDENT = 2;
/** Space between an item's term and its description. */
const SPACER = 2;

/** A text with lines that start with whitespace is laid out by hand: left as it is. */
function preformatted(text: string): boolean {
  return /\n[^\S\r\n]/.test(text);
}

/** Wraps each line of `text` to `width` columns at spaces. */
export function wrap(text: string, width: number): string {
  if (width < WRAP_WIDTH_MIN || preformatted(text)) return text;
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const words = line.match(/\s*\S+/g) ?? [""];
    let current = "";
    for (const word of words) {
      if (current !== "" && current.length + word.length > width) {
        out.push(current);
        current = word.trimStart();
      } else {
        current += word;
      }
    }
    out.push(current);
  }
  return out.join("\n");
}

/** One item of a section: `term` padded to `termWidth`, then its description. */
export function formatItem(term: string, termWidth: number, description: string): string {
  const indent = " ".repeat(ITEM_INDENT);
  if (!description) return indent + term;
  const remaining = HELP_WIDTH - termWidth - SPACER - ITEM_INDENT;
  const text = remaining < WRAP_WIDTH_MIN || preformatted(description)
    ? description
    : wrap(description, remaining).replace(/\n/g, "\n" + " ".repeat(termWidth + SPACER));
  return indent + term.padEnd(termWidth) + " ".repeat(SPACER) +
    text.replace(/\n/g, `\n${indent}`);
}

/** The parts of a help page. */
export interface HelpPage {
  usage: string;
  description: string;
  arguments: [string, string][];
  options: [string, string][];
  commands: [string, string][];
}

/** Renders a help page (ending in a newline). */
export function formatHelp(page: HelpPage): string {
  const width = Math.max(
    0,
    ...[...page.arguments, ...page.options, ...page.commands].map(([t]) => t.length),
  );
  const out = [`Usage: ${page.usage}`, ""];
  if (page.description) out.push(wrap(page.description, HELP_WIDTH), "");
  const section = (title: string, items: [string, string][]) => {
    if (items.length === 0) return;
    out.push(title, ...items.map(([t, d]) => formatItem(t, width, d)), "");
  };
  section("Arguments:", page.arguments);
  section("Options:", page.options);
  section("Commands:", page.commands);
  return out.join("\n");
}
