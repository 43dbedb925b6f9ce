// What every page shares in the DOM: the JSON API helper, the signed-in user (a guest
// session by default), the connection indicator, the toast and the clipboard. The pure
// helpers (result text, seat styles, time controls, clock readings) are in format.js.

export function cookie(name) {
  const match = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
  return match ? decodeURIComponent(match.split("=")[1]) : "";
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = cookie("csrftoken");
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(response.status, err.code, err.message || (data && data.detail));
  }
  return data;
}

let mePromise = null;
export function me() {
  if (!mePromise) {
    mePromise = api("/api/me").then((data) => {
      showName(data.user);
      return data.user;
    });
    mePromise.catch(() => {
      mePromise = null;
    });
  }
  return mePromise;
}

function showName(user) {
  const button = document.getElementById("me-name");
  if (button && user) button.textContent = user.name;
}

export function setupNameButton(onChange) {
  const button = document.getElementById("me-name");
  if (!button) return;
  button.addEventListener("click", async () => {
    const user = await me();
    const name = window.prompt("Your display name (1-40 characters):", user.name);
    if (name === null) return;
    try {
      const data = await api("/api/me", { method: "POST", body: { display_name: name.trim() } });
      mePromise = Promise.resolve(data.user);
      showName(data.user);
      toast(`You are now ${data.user.name}.`);
      if (onChange) onChange(data.user);
    } catch (e) {
      toast(e.message);
    }
  });
}

const CONN_LABELS = {
  idle: "offline",
  connecting: "connecting…",
  open: "live",
  reconnecting: "reconnecting…",
  closed: "disconnected",
};

export function setConnectionState(state, detail) {
  const el = document.getElementById("conn");
  if (!el) return;
  el.dataset.state = state;
  el.querySelector(".conn-label").textContent = detail || CONN_LABELS[state] || state;
  el.title = `Connection: ${detail || CONN_LABELS[state] || state}`;
}

let toastTimer = null;
export function toast(text, ms = 3500) {
  const el = document.getElementById("toast");
  if (!el) return;
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, ms);
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    area.remove();
    return ok;
  }
}

export function wsUrl(path) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path}`;
}
