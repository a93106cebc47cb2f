/**
 * A DNS name such as `agents.example.com`: dot-separated labels of letters, digits and inner
 * hyphens, at most 253 characters.
 *
 * @example
 * DOMAIN_NAME_PATTERN.test("agents.example.com"); // true
 */
export const DOMAIN_NAME_PATTERN =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * A media type such as `application/pdf` or `text/plain; charset=utf-8`; parameters may not
 * contain a line break (it would end the header the type is written into).
 *
 * @example
 * MEDIA_TYPE_PATTERN.test("text/plain; charset=utf-8"); // true
 */
export const MEDIA_TYPE_PATTERN = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;[^\r\n]*)?$/;
