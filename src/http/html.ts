// Server-rendered pages. `html` escapes every interpolated value unless it is already Html,
// so nothing reflected from a request can become markup.
import type { FastifyReply } from 'fastify';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Interpolation = string | number | Html | undefined | null | false | Interpolation[];

function render(value: Interpolation): string {
  if (value === undefined || value === null || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (value instanceof Html) return value.value;
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new Html(out);
}

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1f2328;line-height:1.5}
h1{font-size:1.4rem}.warning{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:.75rem}
ul.scopes li{margin:.3rem 0}button{font-size:1rem;padding:.6rem 1rem;margin:.3rem .3rem .3rem 0;border-radius:6px;border:1px solid #1f2328;background:#fff;cursor:pointer}
button.primary{background:#1f6feb;color:#fff;border-color:#1f6feb}.muted{color:#59636e;font-size:.9rem}
a.button{display:inline-block;padding:.6rem 1rem;border-radius:6px;text-decoration:none}a.button.primary{background:#1f6feb;color:#fff}
pre{overflow-x:auto;background:#f6f8fa;padding:.75rem;border-radius:6px;font-size:.85rem}input{font-size:1rem;padding:.4rem;max-width:100%}`;

/**
 * Hosted pages are never cached and never framed, load nothing from elsewhere, and submit forms only
 * to us (plus `formTargets`: where a form's POST may redirect the browser). `extraStyle` is CSS added
 * after the shared style sheet; it must be a constant, never built from a request.
 */
export function sendPage(reply: FastifyReply, status: number, title: string, body: Html, formTargets: string[] = [], extraStyle = ''): FastifyReply {
  const formAction = ["'self'", ...formTargets].join(' ');
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`)
    .send(
      html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title} · calbroker</title><style>${new Html(STYLE + extraStyle)}</style></head><body>${body}</body></html>`.value,
    );
}
