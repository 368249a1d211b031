// Export the project's gold from the browser: one request, then a link to the file.

import { request } from "./api.js";

const config = JSON.parse(document.querySelector("#export-config").textContent);
const form = document.querySelector("#export-form");
const button = document.querySelector("#export-button");
const statusLine = document.querySelector("#export-status");
const problems = document.querySelector("#export-problems");
const alertBox = document.querySelector("#export-alert");
const files = document.querySelector("#export-files");

function item(file) {
  const link = document.createElement("a");
  link.href = file.url;
  link.textContent = file.name;
  const li = document.createElement("li");
  li.append(link, ` (${file.size.toLocaleString()} bytes)`);
  return li;
}

button.disabled = false;
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  button.disabled = true;
  alertBox.hidden = true;
  problems.replaceChildren();
  statusLine.textContent = "Exporting…";
  try {
    const result = await request("POST", config.exportsUrl, { format: form.elements.format.value });
    if (result.task) {
      statusLine.textContent = "A large project: the export runs in the background; it appears in the list below when done.";
    } else {
      statusLine.textContent = `Exported ${result.documents} documents: ${result.name}.`;
      files.querySelector(".muted")?.remove();
      files.prepend(item(result));
      for (const problem of result.problems) {
        const li = document.createElement("li");
        li.textContent = problem;
        problems.append(li);
      }
    }
  } catch (error) {
    alertBox.textContent = `The export failed: ${error.message}`;
    alertBox.hidden = false;
    statusLine.textContent = "";
  }
  button.disabled = false;
});
