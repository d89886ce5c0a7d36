/**
 * `text` (a provider's or SDK's error message) without surrounding whitespace and trailing full
 * stops, so an rxllm message can go on after it with `. ` and not end up with `..`
 * ("Connection error." → "Connection error"). @internal
 */
export function clause(text: string): string {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 46 /* . */ || text.charCodeAt(end - 1) <= 32)) end--;
  return text.slice(0, end).trimStart();
}
