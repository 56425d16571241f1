/**
 * The one look of the simulators' pages (the login-and-consent form and the few error pages): the
 * example app's card in system fonts, with the simulated provider's name on top and a badge that
 * says it is a simulator, readable at 390 px and with the landmarks accessibility checkers expect
 * (a `main`, a `header`, a `footer`). Self-contained: each simulator is its own origin, so the
 * style is inline and the favicon is the simulator's own (simulator-server.ts); nothing is
 * fetched from anywhere else.
 */

export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

const STYLE = [
  '*{box-sizing:border-box}',
  'body{margin:0;min-height:100vh;display:flex;flex-direction:column;background:#f4f6fb;',
  'color:#1c2333;font:16px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",',
  'Arial,sans-serif;overflow-wrap:anywhere}',
  'header{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem 1rem;',
  'padding:.85rem clamp(1rem,4vw,2.5rem);background:#fff;border-bottom:1px solid #e3e8f2}',
  '.brand{display:inline-flex;align-items:center;gap:.5rem;font-weight:700;font-size:1.05rem}',
  '.logo{display:inline-grid;place-items:center;width:1.9rem;height:1.9rem;border-radius:8px;',
  'background:#334155;color:#fff;font-size:.95rem}',
  '.badge{padding:.05rem .55rem;border-radius:999px;font-size:.75rem;font-weight:600;white-space:nowrap;',
  'background:#fdf3e1;color:#8a4d05}',
  'main{flex:1;width:100%;max-width:28rem;margin:0 auto;padding:clamp(1.5rem,6vh,4rem) 1rem}',
  '.card{background:#fff;border:1px solid #e3e8f2;border-radius:14px;',
  'padding:clamp(1.5rem,5vw,2.5rem);box-shadow:0 1px 2px rgb(16 24 40/4%),',
  '0 12px 32px -12px rgb(16 24 40/14%)}',
  'h1{margin:0 0 .75rem;font-size:1.6rem;line-height:1.25}',
  'p{margin:0 0 1rem}',
  '.hint{padding:.75rem 1rem;background:#eef0ff;border-radius:10px;color:#3730a3;font-size:.95rem}',
  '.alert{padding:.6rem .9rem;border-radius:10px;background:#fdecea;color:#b42318}',
  'form{display:grid;gap:.35rem;margin-top:1.25rem}',
  'label{font-weight:600;font-size:.95rem}',
  'input:not([type=hidden]){width:100%;margin-bottom:.6rem;padding:.6rem .75rem;',
  'border:1px solid #c5cddd;border-radius:10px;font:inherit}',
  'input:focus-visible{outline:3px solid #a5b4fc;outline-offset:1px;border-color:#4f46e5}',
  '.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:.75rem}',
  'button{padding:.65rem 1.25rem;border:1px solid #4f46e5;border-radius:10px;background:#4f46e5;',
  'color:#fff;font:inherit;font-weight:600;line-height:1.2;cursor:pointer}',
  'button:hover{background:#4338ca;border-color:#4338ca}',
  'button:focus-visible{outline:3px solid #a5b4fc;outline-offset:2px}',
  'button.secondary{background:#fff;border-color:#e3e8f2;color:#1c2333}',
  'button.secondary:hover{background:#f6f7fb;border-color:#cfd6e4}',
  'footer{padding:1.25rem 1rem 2rem;text-align:center;font-size:.875rem;color:#5f6b85}',
].join('');

/**
 * A whole page of the simulator of `provider`: `title` is text (escaped here), `body` is
 * trusted markup that the caller escaped.
 */
export function renderSimulatorPage(page: {
  readonly provider: string;
  readonly title: string;
  readonly body: string;
}): string {
  const provider = escapeHtml(page.provider);
  const title = escapeHtml(page.title);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${provider}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>${STYLE}</style></head><body>
<header><span class="brand"><span class="logo" aria-hidden="true">${escapeHtml(page.provider.slice(0, 1))}</span> ${provider}</span>
<span class="badge">simulator</span></header>
<main><section class="card">
<h1>${title}</h1>
${page.body}
</section></main>
<footer>A local simulator of ${provider}, for tests and the example app: not the real site.</footer>
</body></html>`;
}

/** A page that only says what went wrong (an unknown client, a used login link...). */
export function renderMessagePage(provider: string, message: string): string {
  return renderSimulatorPage({
    provider,
    title: message,
    body: `<p>Go back to the application and sign in again.</p>`,
  });
}
