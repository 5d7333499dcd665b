// Parse vCard text from stdin with ical.js (an independent parser) and print the cards as JSON.
// Used by the pytest suite to check that every export reads back the same in a second parser.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const ICAL = (await import(path.join(here, "..", "..", "node_modules", "ical.js", "dist", "ical.js"))).default;

const text = readFileSync(0, "utf8");
const parsed = ICAL.parse(text);
const cards = (Array.isArray(parsed[0]) ? parsed : [parsed]).map((jcal) => {
  const card = new ICAL.Component(jcal);
  const all = (name) => card.getAllProperties(name).map((p) => p.getValues());
  const one = (name) => {
    const prop = card.getFirstProperty(name);
    return prop ? prop.getValues() : null;
  };
  return {
    version: one("version"),
    uid: one("uid"),
    fn: one("fn"),
    n: one("n"),
    org: one("org"),
    title: one("title"),
    emails: all("email"),
    tels: all("tel"),
    urls: all("url"),
    note: one("note"),
    categories: one("categories"),
    tel_types: card.getAllProperties("tel").map((p) => p.getParameter("type")),
    url_types: card.getAllProperties("url").map((p) => p.getParameter("type") || null),
    socialprofiles: card.getAllProperties("x-socialprofile").map((p) => [p.getParameter("type"), p.getFirstValue()]),
    pronouns: one("pronouns"),
    photo: card.getAllProperties("photo").map((p) => ({
      encoding: p.getParameter("encoding"),
      type: p.getParameter("type"),
      value: String(p.getFirstValue()),
    })),
  };
});
process.stdout.write(JSON.stringify(cards));
