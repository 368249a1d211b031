// Start pre-annotation of a project and show its progress live, polling the job endpoint.

import { request } from "./api.js";

const config = JSON.parse(document.querySelector("#job-config").textContent);
const button = document.querySelector("#start-job");
const statusLine = document.querySelector("#job-status");
const bar = document.querySelector("#job-progress");
const alertBox = document.querySelector("#job-alert");

function show(progress) {
  bar.max = Math.max(progress.documents_total, 1);
  bar.value = progress.documents_done;
  const failed = progress.documents_failed ? `, ${progress.documents_failed} with a failure (see the suggest command's report)` : "";
  const state = progress.finished ? "Finished" : progress.status === "READY" ? "Waiting for a worker" : "Running";
  statusLine.textContent = `${state}: ${progress.documents_done} of ${progress.documents_total} documents done${failed}.`;
}

async function follow(task) {
  for (;;) {
    const progress = await request("GET", `${config.jobUrl}?task=${encodeURIComponent(task)}`);
    show(progress);
    if (progress.finished) break;
    await new Promise((resolve) => { setTimeout(resolve, 1000); });
  }
  button.disabled = false;
}

// Enabled only once this script runs, so a click can never fall on a button with no handler.
button.disabled = false;
button.addEventListener("click", async () => {
  button.disabled = true;
  alertBox.hidden = true;
  try {
    const started = await request("POST", config.jobUrl);
    show(started);
    await follow(started.task);
  } catch (error) {
    alertBox.textContent = `Pre-annotation could not be started or followed: ${error.message}`;
    alertBox.hidden = false;
    button.disabled = false;
  }
});
