// A small client for the Stancemark API: JSON in and out, session auth with the CSRF cookie.

export class ApiError extends Error {
  constructor(status, body) {
    super(ApiError.describe(status, body));
    this.status = status;
    this.body = body;
  }

  static describe(status, body) {
    if (body && typeof body === "object") {
      if (body.detail) return String(body.detail);
      const parts = Object.entries(body).map(([field, errors]) => `${field}: ${[].concat(errors).join(" ")}`);
      if (parts.length) return parts.join("; ");
    }
    return `The server answered ${status}.`;
  }
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export async function request(method, url, body, { keepalive = false } = {}) {
  // keepalive lets a last report (time spent) finish after the page is closed.
  const options = { method, headers: { Accept: "application/json" }, credentials: "same-origin", keepalive };
  if (method !== "GET") options.headers["X-CSRFToken"] = csrfToken();
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, options);
  } catch (error) {
    throw new ApiError(0, { detail: "The server could not be reached; your change was not saved." });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: `The server answered ${response.status} without JSON.` };
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}
