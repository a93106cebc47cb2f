import type { RouteDefinition } from "@assmbl/core";
import type { Context } from "hono";

/**
 * One mounted route: core's definition (method and path template) and its handler. Each file under
 * `src/routes/` returns a list of these; the app mounts them and answers 405 from the same list.
 */
export interface DevRoute {
  route: RouteDefinition;
  handler: (c: Context) => Response | Promise<Response>;
}

/** `/public/agents/{agent_id}` → `/public/agents/:agent_id` (Hono's syntax). */
export function honoPath(template: string): string {
  return template.replace(/\{(\w+)\}/g, ":$1");
}

/**
 * The methods some route accepts at `path` (a raw request path), with `HEAD` wherever `GET` is;
 * empty when no route has that path.
 */
export function allowedMethods(routes: readonly DevRoute[], path: string): string[] {
  const methods = new Set<string>();
  for (const { route } of routes) {
    if (!templatePattern(route.path).test(path)) continue;
    methods.add(route.method);
    if (route.method === "GET") methods.add("HEAD");
  }
  return [...methods];
}

const patterns = new Map<string, RegExp>();

function templatePattern(template: string): RegExp {
  let pattern = patterns.get(template);
  if (!pattern) {
    const source = template
      .split(/(\{\w+\})/)
      .map((part) =>
        /^\{\w+\}$/.test(part) ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
      )
      .join("");
    pattern = new RegExp(`^${source}$`);
    patterns.set(template, pattern);
  }
  return pattern;
}
