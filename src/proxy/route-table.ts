/**
 * The route table: every surface's routes as data, matched by method and path (after the
 * optional `/cell/<id>` prefix). Literal paths are a map lookup; paths with `{model}` are
 * compiled once into a regular expression.
 */
import { COUNT_TOKENS_ENDPOINT } from './spend/record.ts';
import type { RouteDef, RouteMatch, Surface } from './surface.ts';

export interface Routed extends RouteMatch {
  surface: Surface;
}

interface PatternRoute {
  surface: Surface;
  route: RouteDef;
  pattern: RegExp;
  names: string[];
}

const PARAM = /\{([A-Za-z]+)\}/g;
const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

function compile(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path
    .split(PARAM)
    .map((piece, i) => {
      if (i % 2 === 1) {
        names.push(piece);
        return '([^/:]+)';
      }
      return piece.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    })
    .join('');
  return { pattern: new RegExp(`^${source}$`), names };
}

export class RouteTable {
  /**
   * Literal routes by method, then path, matched as they are: one shared, frozen match per route
   * (no params to fill). Two maps rather than one keyed by `${method} ${path}`: that key was a
   * new string to build and hash on every request.
   */
  private readonly literal = new Map<string, Map<string, Readonly<Routed>>>();
  private readonly patterns: PatternRoute[] = [];
  /** Longest prefix first, so `/v1/messages` wins over `/`. */
  private readonly errorPrefixes: Array<{ prefix: string; surface: Surface }>;

  constructor(readonly surfaces: readonly Surface[]) {
    for (const surface of surfaces) {
      for (const route of surface.routes) {
        const key = `${route.method} ${route.path}`;
        if ((route.kind === 'count_tokens') !== (route.endpoint === COUNT_TOKENS_ENDPOINT)) {
          throw new Error(`route ${key} of ${surface.dialect}: token counting routes, and only they, use endpoint "${COUNT_TOKENS_ENDPOINT}"`);
        }
        if (!route.path.includes('{')) {
          let byPath = this.literal.get(route.method);
          if (!byPath) this.literal.set(route.method, (byPath = new Map()));
          if (byPath.has(route.path)) throw new Error(`route ${key} is declared by two surfaces`);
          byPath.set(route.path, Object.freeze({ surface, route, params: NO_PARAMS }));
        } else this.patterns.push({ surface, route, ...compile(route.path) });
      }
    }
    this.errorPrefixes = surfaces
      .flatMap((surface) => surface.errorPathPrefixes.map((prefix) => ({ prefix, surface })))
      .sort((a, b) => b.prefix.length - a.prefix.length);
  }

  match(method: string, path: string): Routed | undefined {
    const hit = this.literal.get(method)?.get(path);
    if (hit) return hit;
    for (const p of this.patterns) {
      if (p.route.method !== method) continue;
      const m = p.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      p.names.forEach((name, i) => (params[name] = safeDecode(m[i + 1]!)));
      return { surface: p.surface, route: p.route, params };
    }
    return undefined;
  }

  /** The surface whose error shape an unrouted path gets (the longest matching prefix). */
  surfaceForPath(path: string): Surface {
    const hit = this.errorPrefixes.find((e) => path.startsWith(e.prefix));
    return hit?.surface ?? this.surfaces[0]!;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
