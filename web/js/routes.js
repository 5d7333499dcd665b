// The app's pages, from /routes.json: the one route table. The server answers its pages with
// index.html (server/webshell.py reads the same file) and stamps it into the service worker,
// which serves them from the cache offline. Paths use the server's syntax: `{name}` is one path
// segment, `{name:kind}` a segment matching the table's converter `kind`.
const table = await (await fetch('/routes.json')).json();

function pattern({ path, ignore_case: anyCase, trailing_slash: slash }) {
  const source = path.replace(/\{\w+(?::(\w+))?\}/g, (_, kind) => `(${table.converters[kind || 'str']})`);
  return new RegExp(`^${source}${slash ? '/?' : ''}$`, anyCase ? 'i' : '');
}

// [regex, screen name] for every page, in the table's order; the captures are the arguments.
export const PAGES = table.pages.map((page) => [pattern(page), page.screen]);

const SERVER_ONLY = table.server_only.map(([source, flags = '']) => new RegExp(source, flags));

// Links the router leaves to the browser: the server answers these (API, admin, sign-in, files).
export const isServerPath = (pathname) => SERVER_ONLY.some((re) => re.test(pathname));
