// A minimal browser for end-to-end flows: real HTTP, a cookie jar, redirects followed by hand
// so tests can stop at the app's redirect_uri (which nobody serves).
export interface Step {
  status: number;
  location: string | undefined;
  body: string;
  headers: Headers;
}

export class TestBrowser {
  private readonly cookies = new Map<string, string>();

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Step> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const response = await fetch(url, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      if (/max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, pair!.slice(eq + 1).trim());
    }
    const location = response.headers.get('location') ?? undefined;
    return { status: response.status, location: location && new URL(location, url).href, body: await response.text(), headers: response.headers };
  }

  /** Follows redirects until one leaves for `stopAt` (an origin or URL prefix) or a page is returned. */
  async follow(url: string, stopAt: string, init?: { form?: Record<string, string> }): Promise<Step> {
    let step = await this.request(url, init);
    while (step.location && (step.status === 302 || step.status === 303) && !step.location.startsWith(stopAt)) {
      step = await this.request(step.location);
    }
    return step;
  }

  clearCookies(): void {
    this.cookies.clear();
  }
}

/** Reads a hidden input's value from a page. */
export function hiddenInput(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!match) throw new Error(`no hidden input ${name} in page:\n${html.slice(0, 500)}`);
  return match[1]!;
}
