// Copies the GOV.UK Frontend build (CSS, JS, fonts, images) into static/, where Flask serves
// it under /assets. The copied files are build output and are ignored by git.
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const out = join(root, "static", "govuk");

mkdirSync(out, { recursive: true });
for (const file of ["govuk-frontend.min.css", "govuk-frontend.min.js"]) {
  cpSync(join(dist, file), join(out, file));
}
cpSync(join(dist, "assets"), root + "/static", { recursive: true });
console.log("GOV.UK Frontend assets copied to static/");
