// The page: asks /ask/stream, shows the model's words while it writes, then the checked answer with
// its [n] markers linked to the sources below. No build step, no external files.
"use strict";

const $ = (id) => document.getElementById(id);

function headers() {
  const h = { "Content-Type": "application/json" };
  const token = sessionStorage.getItem("newsqa-token");
  if (token) h["Authorization"] = "Bearer " + token;
  return h;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function setStatus(text, isError) {
  $("status").textContent = text || "";
  $("status").className = isError ? "error" : "";
}

async function api(path, options, retried) {
  const response = await fetch(path, { ...options, headers: headers() });
  if (response.status === 401 && !retried) {
    const token = window.prompt("This newsqa server needs its access token:");
    if (token) {
      sessionStorage.setItem("newsqa-token", token.trim());
      return api(path, options, true);
    }
  }
  return response;
}

async function errorOf(response) {
  try {
    const body = await response.json();
    return (body.error && body.error.message) || response.statusText;
  } catch (e) {
    return response.statusText || "HTTP " + response.status;
  }
}

function linkMarkers(html, numbers) {
  return html.replace(/\[(\d+)\]/g, (whole, n) =>
    numbers.has(Number(n)) ? `<a class="cite" href="#source-${n}" title="source ${n}">[${n}]</a>` : whole);
}

function renderAnswer(answer) {
  $("draft").hidden = true;
  const box = $("answer");
  const numbers = new Set(answer.citations.map((c) => c.n));
  box.className = answer.abstained ? "abstained" : "";
  if (answer.abstained) {
    box.innerHTML = `<strong>${escapeHtml(answer.answer || "I don't know.")}</strong> ` +
      "No indexed article states the answer.";
  } else {
    box.innerHTML = linkMarkers(escapeHtml(answer.answer), numbers);
  }
  $("note").hidden = !answer.note;
  $("note").textContent = answer.note || "";
  const list = $("sources");
  list.innerHTML = "";
  for (const c of answer.citations) {
    const item = document.createElement("li");
    item.id = "source-" + c.n;
    item.value = c.n;
    const title = c.url ? `<a class="source-link" href="${escapeHtml(c.url)}" target="_blank" rel="noopener">${escapeHtml(c.title)}</a>`
                        : escapeHtml(c.title);
    const date = c.published ? c.published.slice(0, 10) : "undated";
    const summary = c.from_summary ? " · summary from the feed" : "";
    item.innerHTML = `${title}<div class="meta">${escapeHtml(c.source || "unknown outlet")} · ${escapeHtml(date)}${summary}</div>` +
      `<blockquote><mark>${escapeHtml(c.quote)}</mark></blockquote>`;
    list.appendChild(item);
  }
  const window_ = answer.time_window;
  setStatus(window_ && window_.shown ? window_.shown : "");
  showVote(answer.answer_id);
}

// A reader's vote on the answer shown (POST /feedback); a 👎 may carry the right answer.
let answerId = null;

function showVote(id) {
  answerId = id || null;
  $("vote").hidden = !answerId;
  $("correction").hidden = $("send-correction").hidden = true;
  $("correction").value = "";
  $("vote-status").textContent = "";
  for (const b of $("vote").querySelectorAll("button[data-vote]")) b.disabled = false;
}

async function sendVote(vote, correction) {
  const body = { answer_id: answerId, vote };
  if (correction) body.correction = correction;
  try {
    const response = await api("/feedback", { method: "POST", body: JSON.stringify(body) });
    $("vote-status").textContent = response.ok ? "Thanks, your vote is recorded." : await errorOf(response);
  } catch (e) {
    $("vote-status").textContent = "The server could not be reached: " + e.message;
  }
}

function vote(event) {
  const choice = event.currentTarget.dataset.vote;
  for (const b of $("vote").querySelectorAll("button[data-vote]")) b.disabled = true;
  if (choice === "down") {
    $("correction").hidden = $("send-correction").hidden = false;
  }
  sendVote(choice);
}

function correct(event) {
  event.preventDefault();
  const text = $("correction").value.trim();
  if (text) sendVote("down", text);
  $("correction").hidden = $("send-correction").hidden = true;
}

function parseEvents(buffer, onEvent) {
  let cut;
  while ((cut = buffer.indexOf("\n\n")) >= 0) {
    const block = buffer.slice(0, cut);
    buffer = buffer.slice(cut + 2);
    let name = "message", data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) name = line.slice(6).trim();
      else if (line.startsWith("data:")) data += line.slice(5).trim();
    }
    if (data) onEvent(name, JSON.parse(data));
  }
  return buffer;
}

async function ask(event) {
  event.preventDefault();
  const question = $("question").value.trim();
  if (!question) return;
  const body = { question };
  if ($("as_of").value) body.as_of = $("as_of").value + "T23:59:59Z";
  if ($("source").value.trim()) body.sources = [$("source").value.trim()];
  $("send").disabled = true;
  $("result").hidden = false;
  $("answer").innerHTML = "";
  $("answer").className = "";
  $("sources").innerHTML = "";
  $("note").hidden = true;
  $("draft").hidden = true;
  $("vote").hidden = true;
  setStatus("Searching the news…");
  try {
    const response = await api("/ask/stream", { method: "POST", body: JSON.stringify(body) });
    if (!response.ok) {
      setStatus(await errorOf(response), true);
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer = parseEvents(buffer + decoder.decode(value, { stream: true }), (name, data) => {
        if (name === "draft") {
          setStatus("Writing; each sentence is checked against its source before it is shown…");
          $("draft").hidden = false;
          $("draft").textContent = data.draft;
        } else if (name === "answer") {
          renderAnswer(data);
        } else if (name === "error") {
          setStatus(data.message, true);
        }
      });
    }
  } catch (e) {
    setStatus("The server could not be reached: " + e.message, true);
  } finally {
    $("send").disabled = false;
  }
}

async function loadOutlets() {
  try {
    const response = await api("/stats", { method: "GET" }, true);
    if (!response.ok) return;
    const stats = await response.json();
    const list = $("outlets");
    for (const name of Object.keys(stats.sources || {})) {
      const option = document.createElement("option");
      option.value = name;
      list.appendChild(option);
    }
  } catch (e) { /* the field works without suggestions */ }
}

$("ask").addEventListener("submit", ask);
$("vote-up").addEventListener("click", vote);
$("vote-down").addEventListener("click", vote);
$("vote").addEventListener("submit", correct);
loadOutlets();
