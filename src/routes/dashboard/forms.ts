// Reading and checking what the dashboard's forms send. Problems come back as messages for the form,
// so the page can be shown again with them, rather than as errors.
import { PageError } from '../../errors.js';
import { redirectUriProblem } from '../../http/urls.js';
import { MAX_APP_NAME_LENGTH as MAX_NAME_LENGTH, MAX_REDIRECT_URIS } from '../../oauth/registration.js';

/** The named text fields of a form body; absent ones are ''. A repeated or non-text field is a broken form. */
export function formFields<Name extends string>(body: unknown, names: readonly Name[]): Record<Name, string> {
  const input = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const fields = {} as Record<Name, string>;
  for (const name of names) {
    const value = input[name];
    if (value !== undefined && typeof value !== 'string') {
      throw new PageError(400, 'Form not understood', `The form's ${name} field was sent more than once or is not text. Nothing was changed.`, {
        link: { href: '/dashboard', text: 'Back to the dashboard' },
      });
    }
    fields[name] = value ?? '';
  }
  return fields;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** An app name: trimmed, 1 to 200 characters. */
export function checkAppName(text: string): Checked<string> {
  const name = text.trim();
  if (!name) return { ok: false, problem: 'Give the app a name.' };
  if (name.length > MAX_NAME_LENGTH) return { ok: false, problem: `The name must be at most ${MAX_NAME_LENGTH} characters.` };
  return { ok: true, value: name };
}

/** Redirect URIs typed one per line (blank lines ignored, duplicates dropped), each checked as registration does. */
export function checkRedirectUris(text: string): Checked<string[]> {
  const uris = [...new Set(text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean))];
  if (uris.length === 0) return { ok: false, problem: 'Enter at least one redirect URI.' };
  if (uris.length > MAX_REDIRECT_URIS) return { ok: false, problem: `Enter at most ${MAX_REDIRECT_URIS} redirect URIs.` };
  for (const uri of uris) {
    const problem = redirectUriProblem(uri);
    if (problem) return { ok: false, problem: `Redirect URI ${problem}.` };
  }
  return { ok: true, value: uris };
}
